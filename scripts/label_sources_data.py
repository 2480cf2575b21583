"""Build the training records of the label-source comparison (docs/results/label_sources.md).

One record per chitchat-dataset conversation of 150-299 words. The `transcript-summary` suite draws
only conversations of 300 words or more, so no evaluation conversation is ever trained on, whatever
its `--limit`. Each record carries what all three label sources need:

- ``text``: the transcript, rendered as the suite renders it ("A: ..." lines);
- ``summary`` (task labels): the target LLM's summary, asked with the suite's own summary prompt;
- ``compressed`` (alignment labels): a reference compression by LLMLingua (``llmlingua==0.2.2``) at
  rate 0.5 on the local SmolLM2 scorer, as a team would distil the compressor it already runs.

Each field is written by its own phase and cached by record id (rerun a phase and it continues):

    python scripts/label_sources_data.py base --out runs/lc --limit 200
    python scripts/label_sources_data.py summary --out runs/lc      # Qwen2.5-Coder-0.5B, batched
    python scripts/label_sources_data.py compressed --out runs/lc   # llmlingua + SmolLM2
    python scripts/label_sources_data.py merge --out runs/lc        # -> runs/lc/train.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "eval"))

MIN_WORDS, MAX_WORDS = 150, 300  # the suite starts at 300 words


def read_jsonl(path: Path) -> Iterator[dict]:
    if path.exists():
        with path.open(encoding="utf-8") as f:
            yield from (json.loads(line) for line in f if line.strip())


def append(path: Path, rows: list[dict]) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def base(out: Path, limit: int, seed: int) -> None:
    from headroom_lingua_eval.suites import _transcript
    from headroom_lingua_eval.suite_base import package_file

    data = json.loads(package_file("chitchat-dataset", "chitchat_dataset/dataset.json").read_text("utf-8"))
    pool = [(key, _transcript(conv["messages"])) for key, conv in sorted(data.items())]
    pool = [(key, text) for key, text in pool if MIN_WORDS <= len(text.split()) < MAX_WORDS]
    random.Random(seed).shuffle(pool)
    rows = [{"id": key, "text": text} for key, text in pool[:limit]]
    (out / "base.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    words = sum(len(r["text"].split()) for r in rows)
    print(f"{len(rows)} conversations of {MIN_WORDS}-{MAX_WORDS - 1} words (pool {len(pool)}), {words} words")


def todo(out: Path, field: str) -> tuple[list[dict], Path]:
    cache = out / f"{field}.jsonl"
    done = {r["id"] for r in read_jsonl(cache)}
    return [r for r in read_jsonl(out / "base.jsonl") if r["id"] not in done], cache


def summaries(out: Path, target: str, batch: int) -> None:
    from headroom_lingua_eval.suites import SUMMARY_TEMPLATE
    from headroom_lingua_eval.targets import HFTarget

    rows, cache = todo(out, "summary")
    model = HFTarget.from_pretrained(target)
    start, tokens = time.perf_counter(), 0
    for i in range(0, len(rows), batch):
        part = rows[i:i + batch]
        prompts = [[{"role": "user", "content": SUMMARY_TEMPLATE.format(context=r["text"])}] for r in part]
        replies = model.generate_batch(prompts, 128)
        tokens += sum(model.counter.count(r["text"]) for r in part)
        append(cache, [{"id": r["id"], "summary": s.strip()} for r, s in zip(part, replies)])
        print(f"summary {i + len(part)}/{len(rows)}: {time.perf_counter() - start:.0f} s", flush=True)
    print(f"summaries: {len(rows)} records, {tokens} transcript tokens, {time.perf_counter() - start:.1f} s")


def compressions(out: Path, scorer: str, rate: float) -> None:
    from headroom_lingua.engine.budget import get_counter
    from headroom_lingua_eval.peers import LLMLinguaMethod
    from headroom_lingua_eval.suite_base import Example

    rows, cache = todo(out, "compressed")
    counter = get_counter(scorer)
    peer = LLMLinguaMethod.from_pretrained("llmlingua", scorer, counter, device="cpu")
    start = time.perf_counter()
    for n, r in enumerate(rows, 1):
        result = peer.compress(Example(r["id"], r["text"], "", (), (r["text"],)), rate)
        append(cache, [{"id": r["id"], "compressed": result.text, "ratio": round(result.compressed_tokens / result.original_tokens, 4)}])
        if n % 10 == 0:
            print(f"compressed {n}/{len(rows)}: {time.perf_counter() - start:.0f} s", flush=True)
    print(f"compressions: {len(rows)} records, {time.perf_counter() - start:.1f} s")


def merge(out: Path) -> None:
    fields = {f: {r["id"]: r[f] for r in read_jsonl(out / f"{f}.jsonl")} for f in ("summary", "compressed")}
    rows = []
    for r in read_jsonl(out / "base.jsonl"):
        row = dict(r)
        row.update({f: values[r["id"]] for f, values in fields.items() if r["id"] in values})
        rows.append(row)
    (out / "train.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    print(f"{len(rows)} records; with summary {sum('summary' in r for r in rows)}, "
          f"with compressed {sum('compressed' in r for r in rows)}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("phase", choices=["base", "summary", "compressed", "merge"])
    p.add_argument("--out", required=True)
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--target", default="qwen2.5-coder-0.5b-instruct")
    p.add_argument("--scorer", default="smollm2-135m")
    p.add_argument("--rate", type=float, default=0.5)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.phase == "base":
        base(out, args.limit, args.seed)
    elif args.phase == "summary":
        summaries(out, args.target, args.batch)
    elif args.phase == "compressed":
        compressions(out, args.scorer, args.rate)
    else:
        merge(out)


if __name__ == "__main__":
    main()
