"""Check: does a question-aware classifier rank documents as well as BM25 does?

Prompts: ``scripts/bench_documents.py``'s multi-document SQuAD prompts (a question's paragraph
among 9 paragraphs of other articles). For each, every document is read paired with the question
and scored by several statistics of its tokens' p(keep); the script prints how often each
statistic, and BM25, puts the gold paragraph first. ``top20`` is ``ClassifierScorer.rank`` (the
``classifier`` ranker).

    python scripts/check_classifier_ranking.py --model runs/qa/model --questions 30
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def statistics(spans: np.ndarray, probs: np.ndarray, text: str) -> dict[str, float]:
    """Relevance statistics of one document from its tokens' (character spans, p(keep))."""
    from headroom_lingua.engine.segment import segment
    from headroom_lingua.engine.sentences import sentence_ids

    units = segment(text, protected=[])
    ids = sentence_ids(units)[np.minimum(np.searchsorted(units.ends, spans[:, 0], side="right"), len(units) - 1)]
    k = max(1, int(np.ceil(0.2 * len(probs))))
    return {"top20": float(np.sort(probs)[-k:].mean()), "mean": float(probs.mean()), "max": float(probs.max()),
            "best_sentence": float(max(probs[ids == s].mean() for s in np.unique(ids)))}


def main(argv: list[str] | None = None) -> None:
    import torch

    from bench_documents import BenchArgs, squad_prompts
    from headroom_lingua import Compressor
    from headroom_lingua.rankers import get_ranker

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="a classifier folder trained on (question, text) pairs")
    p.add_argument("--questions", type=int, default=30)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    scorer = Compressor.from_pretrained(args.model, device="cpu").scorer
    if not getattr(scorer, "reads_questions", False):
        sys.exit(f"{args.model}: not a classifier trained on (question, text) pairs")
    bm25 = get_ranker("bm25")
    prompts = squad_prompts(BenchArgs(questions=args.questions))
    first: dict[str, int] = {}
    for pr in prompts:
        probs = scorer.conditioned(pr["question"]).token_probs(pr["docs"])
        per_doc = [statistics(spans, p, text) for (spans, p), text in zip(probs, pr["docs"])]
        for name in per_doc[0]:
            first[name] = first.get(name, 0) + int(np.argmax([d[name] for d in per_doc]) == pr["gold"])
        first["bm25"] = first.get("bm25", 0) + int(np.argmax(bm25.rank(pr["docs"], pr["question"])) == pr["gold"])
    print(f"{len(prompts)} prompts; gold paragraph ranked first:")
    for name, n in first.items():
        print(f"  {name:14s} {n:3d} ({n / len(prompts):.0%})")


if __name__ == "__main__":
    main()
