"""Benchmark: what prefix stability costs when compressing chat histories (not a test).

Conversations from ``chitchat-dataset`` (human-human chats; speaker A is the user, B the
assistant) behind a short system prompt. Each conversation is replayed as a chat application
would: request k holds the system prompt and the turns up to the k-th user message. Every request
is compressed at ``rate`` with ``stable=True`` and with ``stable=False``, and the script reports:

- fill: compressed tokens / budget (stable mode leaves budget unused: the price of stability);
- achieved rate: compressed / original tokens of the whole list;
- fallbacks: stable requests that had to fall back to the global selection;
- errors: requests whose verbatim part (system prompt, last user message) alone exceeds the budget;
- prefix reuse: the share of request k+1's compressed tokens that lie in messages identical to
  request k's, from the start (what a provider's prefix cache can serve), averaged over requests,
  next to the most a policy keeping the last user message verbatim allows.

    python scripts/bench_messages.py                           # 30 conversations, rate 0.5, random scorer
    python scripts/bench_messages.py --scorer perplexity --conversations 5
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import statistics
import sys
from pathlib import Path

SYSTEM = ("You are a friendly assistant in a casual conversation. Keep answers short, stay on topic, "
          "and remember what the user told you earlier in the chat.")


@dataclasses.dataclass
class BenchArgs:
    conversations: int = 30
    min_turns: int = 12
    rates: tuple[float, ...] = (0.5,)
    scorer: str = "random"  # random (fast; ratios do not depend on the scorer) or perplexity
    tokenizer: str = "cl100k"
    threads: int = 0  # torch threads (0: torch's default); 1 avoids stalls on a shared machine
    seed: int = 0
    out: str = ""


def chats(args: BenchArgs) -> list[list[dict]]:
    """Conversations with at least ``min_turns`` turns, as OpenAI-style message lists."""
    import numpy as np

    spec = importlib.util.find_spec("chitchat_dataset")
    if spec is None:
        sys.exit("needs the data package: pip install --no-deps chitchat-dataset")
    data = json.loads((Path(list(spec.submodule_search_locations)[0]) / "dataset.json").read_text("utf-8"))
    out = []
    for _, conv in sorted(data.items()):
        turns = conv["messages"]
        if len(turns) < args.min_turns:
            continue
        first = turns[0][0]["sender"]
        msgs = [{"role": "system", "content": SYSTEM}]
        msgs += [{"role": "user" if t[0]["sender"] == first else "assistant",
                  "content": " ".join(m["text"].strip() for m in t)} for t in turns]
        out.append(msgs)
    picks = np.random.default_rng(args.seed).permutation(len(out))[: args.conversations]
    return [out[i] for i in picks]


def prefix_reuse(prev: list[dict], cur: list[dict], counter) -> tuple[float, float]:
    """(share of ``cur``'s tokens in leading messages identical to ``prev``'s, the most any
    policy that keeps the last user message verbatim allows: the share before ``prev``'s last
    user message, which is verbatim in ``prev`` and compressed in ``cur``)."""
    sizes = [counter.count(json.dumps(m, ensure_ascii=False)) for m in cur]
    same = 0
    for a, b, n in zip(prev, cur, sizes):
        if a != b:
            break
        same += n
    last_user = max(i for i, m in enumerate(prev) if m["role"] == "user")
    return same / max(1, sum(sizes)), sum(sizes[:last_user]) / max(1, sum(sizes))


def replay(conv: list[dict], rate: float, stable: bool, comp, tokenizer: str) -> list[dict]:
    from headroom_lingua import BudgetError, compress_messages
    from headroom_lingua.engine.budget import get_counter

    counter = get_counter(tokenizer)
    ends = [i + 1 for i, m in enumerate(conv) if m["role"] == "user"][2:]  # requests from the 3rd user turn
    rows, prev = [], None
    for end in ends:
        try:
            r = compress_messages(conv[:end], rate=rate, model=comp, tokenizer=tokenizer, stable=stable)
        except BudgetError:  # the verbatim system prompt + last user message alone exceed the budget
            rows.append({"error": True})
            prev = None
            continue
        reuse = (None, None) if prev is None else prefix_reuse(prev, r.messages, counter)
        rows.append({"fill": r.compressed_tokens / r.budget, "rate": r.rate, "stable": r.stable,
                     "reuse": reuse[0], "reuse_max": reuse[1],
                     "tokens": r.original_tokens, "error": False})
        prev = r.messages
    return rows


def run(args: BenchArgs) -> dict:
    from headroom_lingua import Compressor
    from headroom_lingua.scorers import RandomScorer

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    comp = Compressor.from_pretrained() if args.scorer == "perplexity" else Compressor(RandomScorer(seed=0))
    convs = chats(args)
    summary = []
    for rate in args.rates:
        for stable in (True, False):
            every = [row for c in convs for row in replay(c, rate, stable, comp, args.tokenizer)]
            rows = [r for r in every if not r["error"]]
            reuse = [r["reuse"] for r in rows if r["reuse"] is not None]
            reuse_max = [r["reuse_max"] for r in rows if r["reuse_max"] is not None]
            summary.append({"rate": rate, "stable": stable, "requests": len(every),
                            "budget_errors": (len(every) - len(rows)) / len(every),
                            "mean_fill": statistics.mean(r["fill"] for r in rows),
                            "mean_achieved_rate": statistics.mean(r["rate"] for r in rows),
                            "fallbacks": sum(stable and not r["stable"] for r in rows) / len(rows),
                            "mean_prefix_reuse": statistics.mean(reuse) if reuse else float("nan"),
                            "mean_prefix_reuse_max": statistics.mean(reuse_max) if reuse_max else float("nan"),
                            "mean_tokens": statistics.mean(r["tokens"] for r in rows)})
    return {"args": dataclasses.asdict(args), "summary": summary}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for f in dataclasses.fields(BenchArgs):
        flag = f"--{f.name.replace('_', '-')}"
        if isinstance(f.default, tuple):
            parser.add_argument(flag, type=float, nargs="+", default=list(f.default))
        else:
            parser.add_argument(flag, type=type(f.default), default=f.default)
    ns = vars(parser.parse_args(argv))
    args = BenchArgs(**{**ns, "rates": tuple(ns["rates"])})
    result = run(args)
    print(f"{'rate':>5} {'mode':>8} {'requests':>8} {'errors':>7} {'tokens':>7} {'fill':>6} {'achieved':>8} "
          f"{'fallback':>8} {'prefix reuse':>12} {'(at most)':>9}")
    for s in result["summary"]:
        print(f"{s['rate']:>5} {'stable' if s['stable'] else 'global':>8} {s['requests']:>8} "
              f"{s['budget_errors']:>7.1%} {s['mean_tokens']:>7.0f} {s['mean_fill']:>6.1%} "
              f"{s['mean_achieved_rate']:>8.3f} {s['fallbacks']:>8.1%} {s['mean_prefix_reuse']:>12.1%} "
              f"{s['mean_prefix_reuse_max']:>9.1%}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
