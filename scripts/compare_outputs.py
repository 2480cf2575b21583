"""Record or check compression outputs on a fixed corpus, so a refactor can show it changed nothing.

    python scripts/compare_outputs.py --write runs/outputs_before.jsonl   # on the old code
    python scripts/compare_outputs.py --check runs/outputs_before.jsonl   # on the new code

The corpus: seeded awkward texts (the hypothesis strategies' pieces and spaces, drawn by a fixed
seed) under model-free scorers at three rates, and, unless --no-model, SQuAD benchmark prompts,
question-aware multi-document prompts and chitchat conversations on the default model. Each case
records the output text's SHA-256 and token counts (or the error's class and message). Only the
public API is used, so the same script runs before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import random
import sys
import warnings
from pathlib import Path

RATES = (0.7, 0.4, 0.15)
PIECES = [
    "the", "revenue", "grew", "12%", "$4.2M", "Q3", "2024-03-05", "10:30", "v1.2.3", "https://example.com/a?b=1",
    "ops@example.com", "/usr/bin/env", "snake_case_name", "CamelCase", "0xDEADBEEF", "`code`", "{\"a\": 1}",
    "<b>", "</b>", "😀", "👨‍👩‍👧", "日本語", "中文字符", "עברית", "مرحبا", "é", "e\u0301", "naïve",
    ",", ".", "!", "?", "(", ")", "—", "'", "\"", "meeting", "owner", "Dana:", "Marcus", "alerting",
    "refund", "follow-up", "and", "of", "to", "a", "in", "is", "that", "for", "it", "with",
]
SPACES = [" ", " ", " ", "  ", "\t", "\n", "\r\n", "\n\n", "\n    ", "\u00a0", ""]


def awkward_texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) + rng.choice(SPACES) for _ in range(rng.randint(1, 120)))
            for _ in range(n)]


def record(case: str, fn) -> dict:
    try:
        r = fn()
    except Exception as exc:  # the error itself is part of the behaviour
        return {"case": case, "error": type(exc).__name__, "message": str(exc)}
    text = r.text if hasattr(r, "text") else json.dumps(r.messages, ensure_ascii=False, sort_keys=True)
    return {"case": case, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "original": r.original_tokens, "compressed": r.compressed_tokens, "budget": r.budget}


def model_free_cases(n: int):
    from headroom_lingua import CompressionConfig, Compressor, compress_documents, compress_messages
    from headroom_lingua.scorers import LengthScorer, RandomScorer

    texts = awkward_texts(n)
    drop = CompressionConfig(on_overflow="drop")
    fakes = {"random": Compressor(RandomScorer(seed=1), tokenizer="cl100k"),
             "length-drop": Compressor(LengthScorer(), config=drop, tokenizer="cl100k")}
    for name, comp in fakes.items():
        for i, t in enumerate(texts):
            for rate in RATES:
                yield record(f"{name}/text{i}/{rate}", lambda: comp.compress(t, rate=rate))
        for rate in RATES:
            for k, r in enumerate(comp.compress_batch(texts[:20], rate=rate) if name == "length-drop" else []):
                yield {"case": f"{name}/batch{k}/{rate}", "sha256": hashlib.sha256(r.text.encode()).hexdigest(),
                       "compressed": r.compressed_tokens}
        for i in range(0, n - 5, 5):
            docs, q = texts[i:i + 4], texts[i + 4][:60]
            for rate in RATES:
                yield record(f"{name}/docs{i}/{rate}", lambda: compress_documents(
                    docs, question=q, rate=rate, model=comp, ranker="overlap"))
                msgs = [{"role": "system", "content": "Be brief."}] + [
                    {"role": ("user", "assistant")[j % 2], "content": d} for j, d in enumerate(docs)]
                for stable in (True, False):
                    yield record(f"{name}/msgs{i}/{rate}/{stable}", lambda: compress_messages(
                        msgs, rate=rate, model=comp, stable=stable))


def _squad_paragraphs() -> list[dict]:
    root = Path(list(importlib.util.find_spec("long_context_eval").submodule_search_locations)[0])
    data = json.loads((root / "data/synthetic/json/squad.json").read_text())["data"]
    return [p for art in data for p in art["paragraphs"]]


def model_cases():
    from headroom_lingua import CompressionConfig, Compressor, compress_documents, compress_messages

    paras = _squad_paragraphs()
    comp = Compressor.from_pretrained("smollm2-135m")
    for size in (6, 24):  # about 1,000 and 4,000 tokens of SQuAD text
        text = "\n\n".join(p["context"] for p in paras[:size])
        for rate in (0.5, 0.33, 0.2):
            yield record(f"squad{size}/{rate}", lambda: comp.compress(text, rate=rate))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        it = Compressor.from_pretrained("smollm2-135m", config=CompressionConfig(iterative=True))
    text = "\n\n".join(p["context"] for p in paras[:8])
    yield record("iterative/0.33", lambda: it.compress(text, rate=0.33))
    rng = random.Random(0)
    for k in range(8):
        gold = rng.randrange(len(paras))
        docs = [paras[gold]["context"]] + [paras[rng.randrange(len(paras))]["context"] for _ in range(5)]
        rng.shuffle(docs)
        q = paras[gold]["qas"][0]["question"]
        for ranker, gap in ((None, None), ("bm25", None), ("bm25_qp", 0.8)):
            for rate in (0.5, 0.33, 0.2):
                yield record(f"docs{k}/{ranker}/{gap}/{rate}", lambda: compress_documents(
                    docs, question=q, rate=rate, model=comp, ranker=ranker, relevance_gap=gap))
    root = Path(list(importlib.util.find_spec("chitchat_dataset").submodule_search_locations)[0])
    convs = list(json.loads((root / "dataset.json").read_text()).values())[:6]
    for k, conv in enumerate(convs):
        turns = [m["text"] for msg in conv["messages"] for m in msg][:12]
        msgs = [{"role": "system", "content": "You are a helpful assistant."}] + [
            {"role": ("user", "assistant")[j % 2], "content": t} for j, t in enumerate(turns)]
        for stable in (True, False):
            yield record(f"chat{k}/{stable}", lambda: compress_messages(msgs, rate=0.5, model=comp, stable=stable))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", type=Path)
    g.add_argument("--check", type=Path)
    p.add_argument("--texts", type=int, default=150)
    p.add_argument("--no-model", action="store_true")
    a = p.parse_args()
    rows = list(model_free_cases(a.texts)) + ([] if a.no_model else list(model_cases()))
    if a.write:
        a.write.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        print(f"wrote {len(rows)} cases to {a.write}")
        return
    old = {r["case"]: r for r in map(json.loads, a.check.read_text().splitlines())}
    diff = [r["case"] for r in rows if old.get(r["case"]) != r]
    missing = sorted(set(old) - {r["case"] for r in rows})
    print(f"{len(rows)} cases: {len(rows) - len(diff)} identical, {len(diff)} different, {len(missing)} missing")
    for case in diff[:20]:
        print("  differs:", case, old.get(case), next(r for r in rows if r["case"] == case))
    sys.exit(1 if diff or missing else 0)


if __name__ == "__main__":
    main()
