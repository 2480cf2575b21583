"""Score a chat-history run's answers against the planted answers (not the target's answer to the
whole conversation, which the harness uses): mean F1 per method, rate and question kind.

    python scripts/chat_history_planted.py RUN_DIR [LIMIT] [SEED]
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path


def main() -> None:
    from headroom_lingua_eval.config import EvalConfig
    from headroom_lingua_eval.metrics import score_answer
    from headroom_lingua_eval.runner import load_records
    from headroom_lingua_eval.suites import get_suite

    run = Path(sys.argv[1])
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    examples = {e.id: e for e in get_suite("chat-history").load(EvalConfig(out=str(run), limit=limit, seed=seed))}
    scores = collections.defaultdict(list)
    for rec in load_records(run).values():  # one record per item (a resumed or sharded run may repeat one)
        if rec.get("error") or rec["id"] not in examples:  # the method raised (an older package's BudgetError)
            continue
        f1 = score_answer(["f1"], rec["answer"], examples[rec["id"]].answers)["f1"]
        kind = rec["id"].rsplit("-", 1)[1]
        scores[(rec["method"], rec["rate"], "all")].append(f1)
        scores[(rec["method"], rec["rate"], kind)].append(f1)
    print("| method | rate | kind | n | F1 vs planted answer |\n|---|---|---|---|---|")
    for (method, rate, kind), values in sorted(scores.items(), key=lambda kv: (kv[0][0], -kv[0][1], kv[0][2])):
        print(f"| {method} | {rate:.2f} | {kind} | {len(values)} | {sum(values) / len(values):.3f} |")


if __name__ == "__main__":
    main()
