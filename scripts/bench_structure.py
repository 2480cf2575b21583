"""Benchmark: tokens removed and time per structure step, on realistic inputs and on ~1 MB inputs.

Inputs (tests/structure_samples.py, deterministic): a chat's JSON tool result of 100 orders (one
failed), a 2,000-line service log with a few errors, a transcript pasted twice into a chat, a paged
report with headers, rules and blank runs; and each step on about 1 MB of the same kind of input.
Tokens are counted with ``--tokenizer`` (cl100k), seconds are the median of ``--repeats`` runs.

    python scripts/bench_structure.py                      # prints a table
    python scripts/bench_structure.py --mb 0 --out runs/structure.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Which of my orders from March failed, and why?"


@dataclasses.dataclass
class BenchArgs:
    repeats: int = 3
    mb: float = 1.0  # size of the large inputs in MB (0: skip them)
    tokenizer: str = "cl100k"
    out: str = ""  # optional JSON file for the rows


def _count(counter, value: Any) -> int:
    return sum(counter.count(t) for t in value) if isinstance(value, list) else counter.count(value)


def _row(name: str, step: Callable[[], tuple[Any, Any]], before: Any, counter, repeats: int) -> dict:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        out, report = step()
        seconds.append(time.perf_counter() - started)
    tokens_in, tokens_out = _count(counter, before), _count(counter, out)
    chars = sum(map(len, before)) if isinstance(before, list) else len(before)
    return {"case": name, "chars": chars, "tokens_in": tokens_in, "tokens_out": tokens_out,
            "removed": 1 - tokens_out / tokens_in, "ratio": tokens_in / max(tokens_out, 1),
            "items_dropped": report.items_dropped, "seconds": statistics.median(seconds)}


def cases(mb: float) -> list[tuple[str, Callable, Any]]:
    """(name, call, input) for every benchmark case."""
    sys.path.insert(0, str(ROOT))
    from headroom_lingua.structure import (collapse_logs, dedup_texts, find_code_blocks, shrink_json_text,
                                           strip_noise)
    from tests import structure_samples as s

    tool = s.chat_with_tool_result(100)[3]["content"]
    log = s.service_log(2000)
    chat = [m["content"] for m in s.transcript_pasted_twice()]
    noisy = s.noisy_document()
    out = [
        ("json: 100 orders, pretty in, compact out", lambda: shrink_json_text(tool, keep_terms=[QUESTION]), tool),
        ("json: 100 orders, pretty in, indent 2 out",
         lambda: shrink_json_text(tool, keep_terms=[QUESTION], indent=2), tool),
        ("logs: 2,000-line service log", lambda: collapse_logs(log), log),
        ("dedup: transcript pasted twice", lambda: dedup_texts(chat), chat),
        ("noise: paged report, 6 pages", lambda: strip_noise(noisy), noisy),
    ]
    if mb > 0:
        size = int(mb * 1_000_000)
        big_json = json.dumps({"orders": s.orders(int(size / 470), failed=57), "total": 0}, indent=2)
        big_log = s.service_log(int(size / 84))
        big_docs = s.documents_with_repeats(size)
        big_noisy = "\f\n".join([noisy] * max(1, size // len(noisy)))
        big_prose = "\n\n".join([s.transcript()] * max(1, size // len(s.transcript())))
        out += [
            (f"json: {len(big_json) / 1e6:.2f} MB orders", lambda: shrink_json_text(big_json, keep_terms=[QUESTION]),
             big_json),
            (f"logs: {len(big_log) / 1e6:.2f} MB service log", lambda: collapse_logs(big_log), big_log),
            (f"dedup: {sum(map(len, big_docs)) / 1e6:.2f} MB, {len(big_docs)} documents",
             lambda: dedup_texts(big_docs, label="document"), big_docs),
            (f"noise: {len(big_noisy) / 1e6:.2f} MB paged report", lambda: strip_noise(big_noisy), big_noisy),
            (f"code: {len(big_prose) / 1e6:.2f} MB transcript (find blocks)",
             lambda: (big_prose, _Found(len(find_code_blocks(big_prose)))), big_prose),
        ]
    return out


@dataclasses.dataclass(frozen=True)
class _Found:
    items_dropped: int  # for the code finder: blocks found, nothing removed


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for field in dataclasses.fields(BenchArgs):
        parser.add_argument(f"--{field.name}", type=type(field.default), default=field.default)
    args = BenchArgs(**vars(parser.parse_args(argv)))
    from headroom_lingua.engine.budget import get_counter

    counter = get_counter(args.tokenizer)
    rows = [_row(name, call, before, counter, args.repeats) for name, call, before in cases(args.mb)]
    print(f"{'case':<48} {'chars':>9} {'tokens in':>10} {'out':>7} {'removed':>8} {'ratio':>7} {'items':>6} {'s':>8}")
    for r in rows:
        print(f"{r['case']:<48} {r['chars']:>9} {r['tokens_in']:>10} {r['tokens_out']:>7} {r['removed']:>8.1%}"
              f" {r['ratio']:>6.1f}x {r['items_dropped']:>6} {r['seconds']:>8.4f}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"args": dataclasses.asdict(args), "rows": rows}, indent=1))
    return rows


if __name__ == "__main__":
    main()
