"""Paired comparisons of two cells of one or two harness runs on the same examples, e.g. this
version's ``compress_messages`` at rate 0.2 against an older version's at 0.5 (run with the old
package first on PYTHONPATH), or ``messages`` against ``truncate-turns`` at one rate.

    python scripts/chat_history_paired.py A=RUN:METHOD@RATE B=RUN:METHOD@RATE [...] \
        --pairs A-B [...] [--planted] [--by-kind] [--resamples 10000] [--seed 0]

RUN is a run folder, or several joined by ``+`` to pool the draws of runs made with different
``--seed`` values (e.g. ``squad_s0+squad_s1``): an example drawn by more than one counts once.

Each pair reports the mean of A and of B, the mean paired difference A - B with its 95% percentile
bootstrap interval and a two-sided paired bootstrap p-value (``headroom_lingua_eval.stats.
paired_bootstrap``: example indices resampled, ``resamples`` times, seeded), on the examples both
cells hold (below 20 pairs no p-value, as in the harness's reports). Scores: each record's
``scores[--metric]`` (default ``f1``; on chat-history against the target's answer to the whole
conversation, on transcript-summary use ``rouge_l``); with ``--planted`` also F1 against the planted answer. A record
with an error (the method raised) is listed and, in a second line, scored 0 (a user got no
compressed prompt) instead of dropped. ``achieved``: mean compressed / original tokens of the
history, over the pairs where neither cell failed. Before pairing across runs the script checks that both
runs' ``none`` answers (the F1 reference) are the same, example by example.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path


def load(run: str) -> dict[tuple[str, str, float], dict]:
    """(id, method, rate) -> record: the latest success, else the latest failure (as the runner merges).
    ``run``: one run folder, or several joined by ``+`` (their records pooled, later folders
    last; an example drawn by two runs counts once)."""
    out: dict[tuple[str, str, float], dict] = {}
    for path in [p for folder in run.split("+") for p in sorted((Path(folder) / "records").glob("*.jsonl"))]:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                key = (rec["id"], rec["method"], float(rec["rate"]))
                if not rec.get("error") or out.get(key, {}).get("error", True):
                    out[key] = rec
    return out


def parse_cell(spec: str) -> tuple[str, str, str, float]:
    label, _, rest = spec.partition("=")
    run, _, cell = rest.partition(":")  # the method may hold ':' (messages:on_overflow=drop), a path not
    method, _, rate = cell.rpartition("@")
    return label, run, method, float(rate)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cells", nargs="+", help="LABEL=RUN_DIR:METHOD@RATE")
    ap.add_argument("--pairs", nargs="+", required=True, help="LABEL_A-LABEL_B: report mean(A) - mean(B)")
    ap.add_argument("--planted", action="store_true", help="also F1 against the planted answers")
    ap.add_argument("--by-kind", action="store_true", help="also each question kind (early, json, log) apart")
    ap.add_argument("--resamples", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=100, help="examples of the runs (to rebuild the planted answers)")
    ap.add_argument("--metric", default="f1", help="the record score to pair (f1, em, rouge_l, accuracy)")
    args = ap.parse_args()

    from headroom_lingua_eval.metrics import score_answer
    from headroom_lingua_eval.stats import paired_bootstrap

    cells, runs = {}, {}
    for spec in args.cells:
        label, run, method, rate = parse_cell(spec)
        runs.setdefault(run, load(run))
        cells[label] = (run, {i: r for (i, m, q), r in runs[run].items() if m == method and q == rate}, method, rate)
    planted = {}
    if args.planted:
        from headroom_lingua_eval.config import EvalConfig
        from headroom_lingua_eval.suites import get_suite

        config = EvalConfig(out=next(iter(runs)), suites=("chat-history",), limit=args.limit, seed=args.seed)
        planted = {e.id: e.answers for e in get_suite("chat-history").load(config)}

    none = {run: {i: r["answer"] for (i, m, _), r in recs.items() if m == "none" and not r.get("error")}
            for run, recs in runs.items()}
    base = next(iter(none.values()))
    for run, answers in none.items():
        differ = [i for i in answers if i in base and answers[i] != base[i]]
        print(f"# {run}: {len(answers)} 'none' answers, {len(differ)} differ from the first run's")

    metrics = [(f"{args.metric} vs the suite's reference", lambda r: r["scores"][args.metric])]
    if args.planted:
        metrics.append(("f1 vs planted answer", lambda r: score_answer(["f1"], r["answer"], planted[r["id"]])["f1"]))
    kinds = ("all", "early", "json", "log") if args.by_kind else ("all",)
    print("| A | B | kind | score | errors A/B | n | achieved A / B | mean A | mean B | A - B [95% CI] | p |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for pair in args.pairs:
        a_label, _, b_label = pair.partition("-")
        (_, a, am, ar), (_, b, bm, br) = cells[a_label], cells[b_label]
        for kind in kinds:
            common = sorted(i for i in set(a) & set(b) if kind == "all" or i.rsplit("-", 1)[1] == kind)
            err = (sum(bool(a[i].get("error")) for i in common), sum(bool(b[i].get("error")) for i in common))
            for name, fn in metrics:
                for mode in ("errors dropped", "errors = 0") if any(err) else ("",):
                    ok = [i for i in common if not (a[i].get("error") or b[i].get("error"))]
                    ids = common if mode == "errors = 0" else ok
                    if not ids:
                        continue
                    x = [0.0 if a[i].get("error") else fn(a[i]) for i in ids]
                    y = [0.0 if b[i].get("error") else fn(b[i]) for i in ids]
                    t = paired_bootstrap(x, y, n_resamples=args.resamples, seed=args.seed)
                    achieved = "/".join(f"{sum(c[i]['achieved_rate'] for i in ok) / len(ok):.3f}"
                                        for c in (a, b)) if ok else "–"
                    p = "–" if math.isnan(t.p_value) else "<0.001" if t.p_value < 0.001 else f"{t.p_value:.3f}"
                    print(f"| {a_label} ({am}@{ar:g}) | {b_label} ({bm}@{br:g}) | {kind} "
                          f"| {name}{' (' + mode + ')' if mode else ''} | {err[0]}/{err[1]} | {t.n} | {achieved} "
                          f"| {sum(x) / len(x):.3f} | {sum(y) / len(y):.3f} "
                          f"| {t.diff:+.3f} [{t.ci_low:+.3f}, {t.ci_high:+.3f}] | {p} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
