"""The evaluation loop: for each example, ``none`` then every (method, rate); one JSON record each.

Records are appended to ``OUT/records/shard-I-of-N.jsonl`` as they finish, so an interrupted run
loses at most the example in flight and ``resume=True`` skips what is done (failed items are retried).
Answers also go through the on-disk ``AnswerCache``. Examples are split across processes by
position (``examples[i::n]``): under ``accelerate launch --multi_gpu --num_processes N`` (also on
CPUs) each process takes its rank's slice, and rank 0 merges every shard's records once all have
marked themselves done; a manual ``shard="i/n"`` runs one slice (merge later with ``merge_only``).

Example:
    >>> from headroom_lingua_eval.config import EvalConfig
    >>> run_eval(EvalConfig(out="runs/smoke", target="stub", methods=("none", "truncate"),
    ...                     limit=5))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import importlib.util
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Mapping

from headroom_lingua.errors import ConfigError

from .cache import AnswerCache, default_cache_dir
from .config import EvalConfig
from .method_base import Method
from .methods import make_method
from .metrics import answer_kept, score_answer
from .plan import Key, plan
from .suites import Example, Suite, get_suite
from .targets import Target, make_target

# Settings a resumed run must share with the stored one, or its records would not be comparable.
FROZEN_FIELDS = ("seed", "target", "target_url", "target_model", "target_tokenizer", "scorer_model",
                 "max_new_tokens", "distractors", "jsonl_path", "peer_retries")


def record_key(record: Mapping[str, Any]) -> Key:
    return (record["suite"], record["id"], record["method"], float(record["rate"]))


def load_records(out: str | Path) -> dict[Key, dict]:
    """Every shard's records, one per key: the latest success, else the latest failure."""
    merged: dict[Key, dict] = {}
    for path in sorted((Path(out) / "records").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            key = record_key(rec)
            if not rec.get("error") or merged.get(key, {}).get("error", True):
                merged[key] = rec
    return merged


def parse_shard(shard: str) -> tuple[int, int]:
    """``"i/n"`` -> (i, n) with 0 <= i < n.

    >>> parse_shard("1/4")
    (1, 4)
    """
    try:
        index, count = (int(x) for x in shard.split("/"))
    except ValueError:
        raise ConfigError(f"shard must look like 'i/n' (e.g. '0/4'), got {shard!r}") from None
    if not 0 <= index < count:
        raise ConfigError(f"shard {shard!r}: need 0 <= i < n")
    return index, count


def shard_position(shard: str = "") -> tuple[int, int, bool]:
    """(index, count, merge_here): a manual ``shard="i/n"``, a process of ``accelerate launch``
    (its ``RANK``/``WORLD_SIZE``; the process of rank 0 merges), or the only process."""
    if shard:
        index, count = parse_shard(shard)
        return index, count, count == 1
    count = int(os.environ.get("WORLD_SIZE", "1"))
    if count > 1:
        index = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", str(index)))
        if importlib.util.find_spec("torch") is not None:
            import torch

            if torch.cuda.is_available():  # one GPU per process, as accelerate lays them out
                torch.cuda.set_device(local % torch.cuda.device_count())
        return index, count, index == 0
    return 0, 1, True


def _launch_token() -> str:
    """Identifies one ``accelerate launch`` (same in all its processes), so stale markers don't count."""
    return os.environ.get("TORCHELASTIC_RUN_ID", "") + ":" + os.environ.get("MASTER_PORT", "")


def mark_shard_done(out: Path, index: int, count: int) -> None:
    shard_file(out, index, count).with_suffix(".done").write_text(_launch_token())


def wait_for_shards(out: Path, count: int, poll_s: float = 5.0) -> None:
    """Block until every shard of this launch has marked itself done (a file barrier: it needs no
    process group, so it works the same on CPUs, GPUs and machines sharing a filesystem)."""
    token = _launch_token()
    markers = [shard_file(out, i, count).with_suffix(".done") for i in range(count)]
    while not all(m.is_file() and m.read_text() == token for m in markers):
        time.sleep(poll_s)


def _run_facts(index: int, count: int) -> dict[str, Any]:
    import torch
    import transformers

    return {"started": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "argv": sys.argv, "python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "shards": count, "host": platform.node()}


def prepare_out(config: EvalConfig, resume: bool, index: int, count: int) -> Path:
    """Create the output folder; refuse to mix runs unless resuming a compatible one."""
    out = Path(config.out).expanduser()
    stored = out / "config.json"
    own = shard_file(out, index, count)
    # Sibling shards of this split may already be writing; anything else means an earlier run.
    others = [p for p in (out / "records").glob("*.jsonl") if not p.name.endswith(f"-of-{count:03d}.jsonl")]
    if (others or own.is_file()) and not resume:
        raise ConfigError(f"{out} already holds results; pass --resume to continue that run or choose another --out")
    if resume and stored.is_file():
        old = EvalConfig.load(stored)
        for field in FROZEN_FIELDS:
            if getattr(old, field) != getattr(config, field):
                raise ConfigError(f"--resume: {out} was run with {field}={getattr(old, field)!r}, this run has "
                                  f"{getattr(config, field)!r}; use the same value or another --out")
    (out / "records").mkdir(parents=True, exist_ok=True)
    if index == 0 or not stored.is_file():
        config.save(stored, extra=_run_facts(index, count))
    return out


def shard_file(out: Path, index: int, count: int) -> Path:
    return out / "records" / f"shard-{index:03d}-of-{count:03d}.jsonl"


def compress_item(suite: Suite, example: Example, method: Method, method_name: str, rate: float
                  ) -> tuple[dict[str, Any], Any, list[dict[str, str]] | None]:
    """(record so far, compression, messages for the target). A compression failure becomes a
    record with ``error`` (retried on resume) and no messages."""
    rec: dict[str, Any] = {"suite": suite.name, "id": example.id, "method": method_name, "rate": rate}
    try:
        comp = method.compress(example, rate)
    except Exception as exc:  # a method failing on an input is a result to report, not a crash
        rec["error"] = f"{type(exc).__name__}: {exc}"
        rec["traceback"] = traceback.format_exc(limit=4)
        return rec, None, None
    return rec, comp, suite.messages(example, comp.text)


def finish_record(rec: dict[str, Any], comp: Any, messages: list[dict[str, str]], suite: Suite, example: Example,
                  answer: str, seconds: float, cached: bool, reference: str | None) -> dict[str, Any]:
    """Score ``answer`` and complete the record."""
    if suite.reference_from_none and rec["method"] != "none" and reference is None:
        raise RuntimeError(f"{suite.name}/{example.id}: the answer to the uncompressed prompt is missing")
    gold = (reference if reference is not None else answer,) if suite.reference_from_none else example.answers
    rec.update({
        "original_tokens": comp.original_tokens, "compressed_tokens": comp.compressed_tokens,
        "budget": comp.budget, "achieved_rate": comp.compressed_tokens / max(comp.original_tokens, 1),
        "compress_seconds": comp.seconds, "answer_seconds": seconds, "cached": cached,
        "scores": score_answer(suite.metrics, answer, gold), "answer": answer, "gold": list(gold),
        "prompt": suite.messages(example, example.context)[-1]["content"],
        "compressed_prompt": messages[-1]["content"],
    })
    if suite.extractive and example.answers:
        rec["answer_kept"] = answer_kept(comp.text, example.answers)
    return rec


def evaluate_example(suite: Suite, example: Example, items: list[tuple[Method, str, float]], target: Target,
                     cache: AnswerCache, config: EvalConfig, reference: str | None,
                     batch_size: int = 1) -> list[dict[str, Any]]:
    """Every (method, rate) item of one example: compress all, ask the target for the answers the
    cache lacks (``batch_size`` prompts per call of ``target.generate_batch``), score. Records come
    back in ``items`` order; a target failure propagates."""
    max_new = config.max_new_tokens or suite.max_new_tokens
    staged = []
    for method, name, rate in items:
        rec, comp, messages = compress_item(suite, example, method, name, rate)
        key = cache.key(target.name, messages, max_new, suite.stop) if messages is not None else ""
        staged.append((rec, comp, messages, key))
    answers: dict[str, tuple[str, float, bool]] = {}
    missing: dict[str, list[dict[str, str]]] = {}
    for _, _, messages, key in staged:
        if messages is None or key in answers or key in missing:
            continue
        hit = cache.get(key)
        if hit is not None:
            answers[key] = (hit, 0.0, True)
        else:
            missing[key] = messages
    keys = list(missing)
    for lo in range(0, len(keys), batch_size):
        chunk = keys[lo:lo + batch_size]
        start = time.perf_counter()
        replies = target.generate_batch([missing[k] for k in chunk], max_new, suite.stop)
        seconds = (time.perf_counter() - start) / len(chunk)  # per answer: the batch's time shared out
        for k, reply in zip(chunk, replies):
            cache.put(k, reply, seconds, target=target.name, request=json.dumps(missing[k], ensure_ascii=False))
            answers[k] = (reply, seconds, False)
    out = []
    for rec, comp, messages, key in staged:
        if messages is None:
            out.append(rec)
            continue
        answer, seconds, cached = answers[key]
        if rec["method"] == "none" and reference is None:
            reference = answer
        out.append(finish_record(rec, comp, messages, suite, example, answer, seconds, cached, reference))
    return out


def run_eval(config: EvalConfig, *, resume: bool = False, target: Target | None = None,
             methods: Mapping[str, Method] | None = None, cache_dir: str | Path | None = None,
             shard: str = "", progress: bool = True, batch_size: int = 16) -> Path:
    """Run (or resume) an evaluation and write its reports; returns the output folder.

    ``target`` and ``methods`` (name -> ``Method``) replace the ones the config names, for tests
    and for embedding the harness; method names missing from ``methods`` are built from the config.
    ``batch_size``: prompts of one example answered together (``Target.generate_batch``); decoding
    is memory-bound, so a local model answers a batch far faster than its prompts one by one, and
    long answers (gsm8k-cot) gain most.
    Greedy answers from a padded batch can differ from unbatched ones where two tokens tie within
    rounding; the answer cache keeps whichever came first.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f"batch_size must be an int >= 1, got {batch_size!r}")
    index, count, merge_here = shard_position(shard)
    out = prepare_out(config, resume, index, count)
    shard_file(out, index, count).with_suffix(".done").unlink(missing_ok=True)
    target = target or make_target(config)
    built: dict[str, Method] = dict(methods or {})
    cache = AnswerCache(cache_dir or default_cache_dir())
    done = {k: r for k, r in load_records(out).items() if not r.get("error")}
    expected: dict[str, list[str]] = {}
    path = shard_file(out, index, count)
    try:
        with open(path, "a", encoding="utf-8") as fh:
            for suite_name in config.suites:
                expected[suite_name] = _run_suite(get_suite(suite_name), config, (index, count), done, built,
                                                  (target, cache), fh, progress, batch_size)
    finally:
        cache.close()
    mark_shard_done(out, index, count)
    if merge_here:
        if count > 1 and not shard:
            wait_for_shards(out, count)
        write_all(config, out, expected)
    return out


def _run_suite(suite: Suite, config: EvalConfig, shard: tuple[int, int], done: dict, built: dict[str, Method],
               answering: tuple[Target, AnswerCache], fh: Any, progress: bool, batch_size: int) -> list[str]:
    """Evaluate this shard's examples of one suite that are not done yet, appending records to
    ``fh``; returns the ids of every example the suite selects."""
    from tqdm.auto import tqdm

    (index, count), (target, cache) = shard, answering
    examples = suite.load(config)
    todo = [(e, [(m, r) for m, r in plan(config, list(config.methods)) if (suite.name, e.id, m, r) not in done])
            for e in examples[index::count]]
    todo = [(e, pairs) for e, pairs in todo if pairs]
    label = f"{suite.name}" + (f" [shard {index}/{count}]" if count > 1 else "")
    bar = tqdm(total=sum(len(p) for _, p in todo), desc=label, unit="item", disable=not progress, dynamic_ncols=True)
    for ex, pairs in todo:
        for name, _ in pairs:
            if name not in built:
                built[name] = make_method(name, target.counter, config)
        ref = done.get((suite.name, ex.id, "none", 1.0), {}).get("answer")
        recs = evaluate_example(suite, ex, [(built[n], n, r) for n, r in pairs], target, cache, config, ref,
                                batch_size)
        for rec in recs:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            if not rec.get("error"):
                done[record_key(rec)] = rec
        fh.flush()
        bar.update(len(recs))
    bar.close()
    return [e.id for e in examples]


def write_all(config: EvalConfig, out: Path, expected: dict[str, list[str]] | None = None) -> None:
    """Merge every shard's records and write the reports for the examples ``config`` selects."""
    from .report import write_reports

    if expected is None:
        expected = {s: [e.id for e in get_suite(s).load(config)] for s in config.suites}
    write_reports(config, out, load_records(out), expected)


def merge_only(out: str | Path) -> Path:
    """Rewrite the reports of a finished (or sharded) run from its records and ``config.json``."""
    out = Path(out).expanduser()
    if not (out / "config.json").is_file():
        raise ConfigError(f"{out} holds no config.json; is it the --out folder of a run?")
    write_all(EvalConfig.load(out / "config.json"), out)
    return out
