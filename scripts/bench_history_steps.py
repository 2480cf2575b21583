"""What the structure steps remove from real conversation histories: the chat-history suite's
examples (ShareGPT conversations with a JSON tool result, a log or a planted fact) compressed by
``compress_messages`` at each rate; per step, tokens removed (cl100k) and seconds, summed.

The scorer is a fake (``RandomScorer``): the steps run before scoring and do not depend on it.

    python scripts/bench_history_steps.py --limit 30
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import time


@dataclasses.dataclass
class Args:
    limit: int = 30
    seed: int = 0
    rates: str = "0.5,0.2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for f in dataclasses.fields(Args):
        parser.add_argument(f"--{f.name}", type=type(f.default), default=f.default)
    args = Args(**vars(parser.parse_args()))
    from headroom_lingua import Compressor, compress_messages
    from headroom_lingua.scorers import RandomScorer
    from headroom_lingua_eval.config import EvalConfig
    from headroom_lingua_eval.suites import get_suite

    examples = get_suite("chat-history").load(EvalConfig(out="/tmp/unused", limit=args.limit, seed=args.seed))
    comp = Compressor(RandomScorer(seed=0), tokenizer="cl100k")
    for rate in (float(r) for r in args.rates.split(",")):
        removed, secs, items = collections.Counter(), collections.Counter(), collections.Counter()
        total = over = 0
        started = time.perf_counter()
        for ex in examples:
            msgs = json.loads(ex.context) + [{"role": "user", "content": ex.question}]
            r = compress_messages(msgs, rate=rate, model=comp)
            total += r.original_tokens
            over += r.compressed_tokens > r.budget
            for s in r.steps:
                removed[s.step] += s.tokens_removed
                secs[s.step] += s.seconds
                items[s.step] += s.items_dropped
        print(f"rate {rate}: {len(examples)} conversations, {total} tokens in all, over budget: {over}, "
              f"{time.perf_counter() - started:.1f} s")
        for step in removed:
            print(f"  {step:<6} removed {removed[step]:>6} tokens ({removed[step] / total:.1%}), "
                  f"{items[step]} items, {secs[step]:.3f} s")


if __name__ == "__main__":
    main()
