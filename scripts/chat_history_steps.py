"""Tokens each stage removes on a chat-history run: repeats (``dedup``), noise, JSON structure,
log folding, then word pruning, per rate, as means over the run's conversations.

    python scripts/chat_history_steps.py RUN_DIR [LIMIT] [SEED] [--tokenizer NAME]

The structure steps run before any word is scored and do not depend on the scorer or the rate
(no conversation of the suite holds a JSON string long enough for the scorer to shorten), so they
are re-run here with a model-free scorer on the same histories, counted in the run's budget
tokenizer (the target's: ``--tokenizer``, default the suite's default target). Word pruning is
what is left: the history after the steps minus the run's own compressed history (its records'
``compressed_tokens``, from the real scorer). A conversation whose history this count does not
match the run's ``original_tokens`` for is reported and left out (another tokenizer was used).
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

STEPS = ("dedup", "noise", "json", "logs")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run")
    p.add_argument("limit", nargs="?", type=int, default=100)
    p.add_argument("seed", nargs="?", type=int, default=0)
    p.add_argument("--tokenizer", default="qwen2.5-coder-0.5b-instruct")
    a = p.parse_args()

    from headroom_lingua import Compressor, compress_messages
    from headroom_lingua.scorers import LengthScorer
    from headroom_lingua_eval.chat_methods import message_tokens
    from headroom_lingua_eval.config import EvalConfig
    from headroom_lingua_eval.runner import load_records
    from headroom_lingua_eval.suites import get_suite

    run = Path(a.run)
    examples = get_suite("chat-history").load(EvalConfig(out=str(run), limit=a.limit, seed=a.seed))
    records = {(r["id"], r["rate"]): r for r in load_records(run).values()
               if r["method"] == "messages" and not r.get("error")}
    model = Compressor(LengthScorer(), tokenizer=a.tokenizer)
    counter = model.counter()
    sums: dict[float, collections.Counter] = collections.defaultdict(collections.Counter)
    skipped = []
    for ex in examples:
        history = json.loads(ex.context)
        original = sum(message_tokens(m, counter) for m in history)
        question = {"role": "user", "content": ex.question}
        for (ex_id, rate), rec in records.items():
            if ex_id != ex.id:
                continue
            if rec["original_tokens"] != original:
                skipped.append((ex.id, rate))
                continue
            asked = message_tokens(question, counter)
            budget = int(rate * original)
            r = compress_messages(history + [question], target_tokens=budget + asked, model=model)
            removed = {s.step: s.tokens_removed for s in r.steps}
            total = sums[rate]
            total["n"] += 1
            total["original"] += original
            for step in STEPS:
                total[step] += removed.get(step, 0)
                total[f"{step} ms"] += 1000 * next((s.seconds for s in r.steps if s.step == step), 0.0)
            total["words"] += original - sum(removed.values()) - rec["compressed_tokens"]
            total["final"] += rec["compressed_tokens"]
    print(f"# {run}: {sum(t['n'] for t in sums.values())} (conversation, rate) pairs; {len(skipped)} skipped "
          f"(history counted differently){': ' + str(skipped[:3]) if skipped else ''}")
    print("| rate | n | history tokens | dedup | noise | JSON | logs | words | sent | steps ms (dedup/noise/JSON/logs) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for rate in sorted(sums, reverse=True):
        t, n = sums[rate], sums[rate]["n"]
        ms = "/".join(f"{t[f'{s} ms'] / n:.1f}" for s in STEPS)
        print(f"| {rate:.2f} | {n} | {t['original'] / n:.0f} | " + " | ".join(f"{t[s] / n:.0f}" for s in STEPS)
              + f" | {t['words'] / n:.0f} | {t['final'] / n:.0f} | {ms} |")


if __name__ == "__main__":
    main()
