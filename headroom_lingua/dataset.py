"""Compress a column of a data set (JSONL, Parquet, CSV, or a ``datasets.Dataset``) in batches,
resumably, split across processes (``accelerate launch``). Needs the ``dataset`` extra
(``pip install 'headroom-lingua[dataset]'``: ``datasets`` and ``accelerate``).

In memory, ``compress_dataset`` returns the data set with three more columns:
``<column>_compressed``, ``<column>_original_tokens`` and ``<column>_compressed_tokens``. With
``output_dir`` it writes the rows in parts (``part-00000.jsonl``, ...) of ``part_rows`` rows; a
part is written to a temporary file and renamed when done, so a run that stops resumes where it
stopped (parts present are skipped). Under ``accelerate launch`` (or any launcher that sets
``RANK`` and ``WORLD_SIZE``) process r takes the parts k with k % world == r. Read the result with
``datasets.load_dataset("json", data_files="OUT/part-*.jsonl")``.

Example:
    >>> import datasets
    >>> from headroom_lingua import Compressor
    >>> from headroom_lingua.scorers import LengthScorer
    >>> data = datasets.Dataset.from_dict({"text": ["The quarterly revenue grew by 12% in Q3 2024, said the CFO."]})
    >>> out = compress_dataset(data, "text", rate=0.5, model=Compressor(LengthScorer(), tokenizer="cl100k"))
    >>> out.column_names, out[0]["text_compressed_tokens"] <= out[0]["text_original_tokens"] // 2
    (['text', 'text_compressed', 'text_original_tokens', 'text_compressed_tokens'], True)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import ConfigError, InputError

FORMATS = {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".csv": "csv"}


def _datasets() -> Any:
    try:
        import datasets
    except ImportError:
        raise ConfigError("the data set mode needs the 'dataset' extra: pip install 'headroom-lingua[dataset]'") from None
    return datasets


def load_table(path: str) -> Any:
    """A ``datasets.Dataset`` from a JSONL, Parquet or CSV file (by its extension)."""
    kind = FORMATS.get(Path(path).suffix.lower())
    if kind is None:
        raise InputError(f"{path}: expected a file ending in {', '.join(FORMATS)}")
    if not os.path.isfile(path):
        raise InputError(f"{path}: No such file")
    return _datasets().load_dataset(kind, data_files=path, split="train")


def process_share(rank: int | None = None, world: int | None = None) -> tuple[int, int]:
    """(rank, world size): the arguments, else ``RANK``/``WORLD_SIZE`` as launchers set them."""
    rank = int(os.environ.get("RANK", 0)) if rank is None else rank
    world = int(os.environ.get("WORLD_SIZE", 1)) if world is None else world
    if world < 1 or not 0 <= rank < world:
        raise ConfigError(f"rank {rank} of world size {world} is not a valid process share")
    return rank, world


def _compress_rows(data: Any, column: str, comp: Any, batch_size: int, budget: dict) -> Any:
    if column not in data.column_names:
        raise InputError(f"no column {column!r}; the columns are {data.column_names}")

    def run(batch: dict) -> dict:
        texts = ["" if t is None else str(t) for t in batch[column]]
        results = comp.compress_batch(texts, **budget)
        return {f"{column}_compressed": [r.text for r in results],
                f"{column}_original_tokens": [r.original_tokens for r in results],
                f"{column}_compressed_tokens": [r.compressed_tokens for r in results]}

    return data.map(run, batched=True, batch_size=batch_size, desc="compressing")


def compress_dataset(data: Any, column: str, *, rate: float | None = None, target_tokens: int | None = None,
                     model: Any = None, tokenizer: Any = None, batch_size: int = 16, output_dir: str | None = None,
                     part_rows: int = 1000, rank: int | None = None, world: int | None = None) -> Any:
    """Compress ``data[column]`` (``data``: a ``datasets.Dataset`` or a file path). Without
    ``output_dir`` the data set with the new columns; with it, the list of parts this process
    wrote (parts already there are skipped)."""
    from .compressor import Compressor
    from .engine.inputs import check_budget_args
    from .loading import resolve

    check_budget_args(rate, target_tokens)
    if batch_size < 1 or part_rows < 1:
        raise ConfigError(f"batch_size and part_rows must be >= 1, got {batch_size} and {part_rows}")
    data = load_table(data) if isinstance(data, (str, os.PathLike)) else data
    backend = resolve(model)
    comp = backend if isinstance(backend, Compressor) else Compressor(backend.scorer, backend.config)
    budget = {"rate": rate, "target_tokens": target_tokens, "tokenizer": tokenizer}
    if output_dir is None:
        return _compress_rows(data, column, comp, batch_size, budget)
    rank, world = process_share(rank, world)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for k, start in enumerate(range(0, len(data), part_rows)):
        target = out / f"part-{k:05d}.jsonl"
        if k % world != rank or target.exists():
            continue
        part = _compress_rows(data.select(range(start, min(start + part_rows, len(data)))), column, comp,
                              batch_size, budget)
        tmp = target.with_suffix(f".tmp{rank}")
        part.to_json(str(tmp), force_ascii=False)
        os.replace(tmp, target)
        written.append(target)
    return written
