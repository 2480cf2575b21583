"""Word-level keep/drop labels from three sources, cached on disk, resumable, shardable.

``SOURCES`` maps a name to its class; a new source is one module plus one entry here.

- ``teacher``: a causal LM's self-information (question-contrastive where a question exists);
- ``alignment``: order-preserving alignment with a reference compression (``compressed``);
- ``task``: how much each word matters to the teacher's likelihood of the answer / summary.

Example:
    >>> from training.data import load_records
    >>> run = build_labels(load_records([{"text": "a b c", "compressed": "a c"}]).records,
    ...                    make_source("alignment"), cache_dir=None, progress=False)
    >>> run.report["keep_rate"]
    0.6666666666666666
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..data import Record
from .alignment import AlignmentSource
from .base import Labels, LabelSource, units_of
from .cache import LabelCache
from .report import label_report, report_markdown
from .task import TaskSource
from .teacher import TeacherSource

SOURCES: dict[str, Callable[..., LabelSource]] = {
    "teacher": TeacherSource,
    "alignment": AlignmentSource,
    "task": TaskSource,
}


def make_source(name: str, **kwargs: Any) -> LabelSource:
    if name not in SOURCES:
        raise ValueError(f"unknown label source {name!r}; available sources are {sorted(SOURCES)}")
    return SOURCES[name](**kwargs)


@dataclasses.dataclass
class LabelRun:
    """Labels by fingerprint for the records asked for, the report, and this run's own work."""

    labels: dict[str, Labels]
    report: dict[str, Any]
    seconds: float  # time spent labelling in this run (0 when everything came from the cache)
    units_labelled: int  # units labelled in this run
    tokens_labelled: int  # their size in the source's tokens (teacher tokens for LM sources)
    token_unit: str
    cache_files: list[str]


def shard_of() -> tuple[int, int]:
    """(process index, process count) under ``accelerate launch``/torchrun; (0, 1) otherwise."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return 0, 1
    import torch
    from accelerate import PartialState  # lazy: only a sharded run needs accelerate

    # Without cpu=True on a machine with no accelerator, accelerate would not join the processes.
    state = PartialState(cpu=not torch.cuda.is_available())
    return state.process_index, state.num_processes


def _barrier() -> None:
    from accelerate import PartialState

    PartialState().wait_for_everyone()


def build_labels(records: Sequence[Record], source: LabelSource, cache_dir: str | os.PathLike | None,
                 batch_size: int = 8, progress: bool = True, shard: tuple[int, int] | None = None) -> LabelRun:
    """Label every record not yet in the cache (this process's share of them), then return them all.

    A record the source cannot label (no ``compressed`` for alignment, ...) is cached as a reject
    with the reason; so is one the source rejects (quality filters, too long)."""
    from tqdm.auto import tqdm

    index, count = shard if shard is not None else shard_of()
    if count > 1 and cache_dir is None:
        raise ValueError("a sharded labelling run needs a cache_dir: the processes meet through it")
    key = source.cache_key()
    cache = LabelCache(cache_dir, source.name, key, (index, count)) if cache_dir is not None else None
    done: dict[str, Labels] = cache.load() if cache else {}
    unique = list({r.fingerprint: r for r in records}.values())
    todo = [r for i, r in enumerate(unique) if i % count == index and r.fingerprint not in done]
    start, units, tokens = time.perf_counter(), 0, 0
    bar = tqdm(total=len(todo), desc=f"labels:{source.name}", unit="rec", disable=not progress or not todo)
    for a in range(0, len(todo), batch_size):
        batch = todo[a:a + batch_size]
        ok = [r for r in batch if source.applies(r) is None]
        made = {lab.fingerprint: lab for lab in source.label_batch(ok)} if ok else {}
        out = [made.get(r.fingerprint) or Labels(r.fingerprint, np.zeros(0, np.int8), reject=source.applies(r))
               for r in batch]
        units += sum(len(lab.keep) for lab in out)
        tokens += sum(source.count_tokens(r) for r in ok)
        if cache:
            cache.append(out)
        done.update((lab.fingerprint, lab) for lab in out)
        bar.update(len(batch))
    bar.close()
    seconds = time.perf_counter() - start
    if count > 1:
        _barrier()
        done = cache.load() if cache else done
    wanted = {r.fingerprint: done[r.fingerprint] for r in records if r.fingerprint in done}
    return LabelRun(wanted, label_report(records, wanted), seconds, units, tokens, source.token_unit,
                    [str(p) for p in cache.files()] if cache else [])


def write_report(run: LabelRun, source: str, folder: str | os.PathLike) -> Path:
    path = Path(folder) / f"labels-{source}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = report_markdown(source, run.report, run.seconds, run.tokens_labelled, run.token_unit)
    path.write_text(text, encoding="utf-8")
    return path


__all__ = ["SOURCES", "make_source", "build_labels", "write_report", "LabelRun", "Labels", "LabelSource",
           "LabelCache", "AlignmentSource", "TeacherSource", "TaskSource", "units_of"]
