"""Reports of a run: summary.csv, summary.md, quality_vs_ratio.png and examples.jsonl.

One summary row per (suite, method, rate, metric): the mean with a 95% bootstrap CI, retention
against ``none`` on the same examples, paired bootstrap tests against ``none`` and against the
reference method (at the same rate: the mean difference, its 95% CI, and a p-value only from
``MIN_PAIRS_FOR_P`` pairs on), the achieved rate/ratio in target tokens, how often the budget was
overshot, and the mean compression latency.

Example:
    >>> rows = summarize(config, load_records("runs/x"), expected)  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

from .config import EvalConfig
from .plan import Key, plan
from .stats import MIN_PAIRS_FOR_P, bootstrap_ci, paired_bootstrap, retention
from .suites import get_suite

FIELDS = ["suite", "method", "rate", "metric", "n", "n_errors", "mean", "ci_low", "ci_high", "retention",
          "diff_vs_none", "diff_vs_none_low", "diff_vs_none_high", "p_vs_none", "reference", "diff_vs_ref",
          "diff_vs_ref_low", "diff_vs_ref_high", "p_vs_ref", "achieved_rate", "ratio",
          "original_tokens", "compressed_tokens", "over_budget", "compress_seconds", "answer_kept"]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def _paired(a: Mapping[str, dict], b: Mapping[str, dict], metric: str, config: EvalConfig):
    common = [i for i in a if i in b]
    if not common:
        return None, common
    x = [a[i]["scores"][metric] for i in common]
    y = [b[i]["scores"][metric] for i in common]
    return paired_bootstrap(x, y, n_resamples=config.bootstrap, seed=config.seed), common


def summarize(config: EvalConfig, records: Mapping[Key, dict], expected: Mapping[str, Sequence[str]]) -> list[dict]:
    """Summary rows for the suites, methods and rates of ``config``, over the ``expected`` example ids."""
    rows = []
    for suite_name in config.suites:
        ids = list(expected.get(suite_name, []))
        cells: dict[tuple[str, float], dict[str, dict]] = {}
        for method, rate in plan(config, list(config.methods)):
            cells[(method, rate)] = {i: records[k] for i in ids if (k := (suite_name, i, method, rate)) in records}
        ok = {cell: {i: r for i, r in recs.items() if not r.get("error")} for cell, recs in cells.items()}
        for (method, rate), recs in ok.items():
            ref_cell = ok.get((config.reference, rate), {}) if config.reference else {}
            for metric in get_suite(suite_name).metrics:
                rows.append(_row(config, suite_name, method, rate, metric, recs,
                                 len(cells[(method, rate)]) - len(recs), ok[("none", 1.0)], ref_cell))
    return rows


def _row(config: EvalConfig, suite: str, method: str, rate: float, metric: str, recs: Mapping[str, dict],
         n_errors: int, none: Mapping[str, dict], ref: Mapping[str, dict]) -> dict[str, Any]:
    row: dict[str, Any] = {f: math.nan for f in FIELDS}
    row.update(suite=suite, method=method, rate=rate, metric=metric, n=len(recs), n_errors=n_errors,
               reference=config.reference or "")
    if not recs:
        return row
    values = [r["scores"][metric] for r in recs.values()]
    lo, hi = bootstrap_ci(values, n_resamples=config.bootstrap, seed=config.seed)
    orig = sum(r["original_tokens"] for r in recs.values())
    comp = sum(r["compressed_tokens"] for r in recs.values())
    row.update(mean=_mean(values), ci_low=lo, ci_high=hi,
               achieved_rate=_mean([r["achieved_rate"] for r in recs.values()]),
               ratio=orig / comp if comp else math.inf,
               original_tokens=orig / len(recs), compressed_tokens=comp / len(recs),
               over_budget=_mean([float(r["compressed_tokens"] > r["budget"]) for r in recs.values()]),
               compress_seconds=_mean([r["compress_seconds"] for r in recs.values()]),
               answer_kept=_mean([float(r["answer_kept"]) for r in recs.values() if "answer_kept" in r]))
    if method != "none":
        test, common = _paired(recs, none, metric, config)
        if test is not None:
            row.update(diff_vs_none=test.diff, diff_vs_none_low=test.ci_low, diff_vs_none_high=test.ci_high,
                       p_vs_none=test.p_value, retention=retention([recs[i]["scores"][metric] for i in common],
                                           [none[i]["scores"][metric] for i in common]))
    else:
        row["retention"] = 1.0
    if config.reference and method != config.reference:
        test, _ = _paired(recs, ref, metric, config)
        if test is not None:
            row.update(diff_vs_ref=test.diff, diff_vs_ref_low=test.ci_low, diff_vs_ref_high=test.ci_high,
                       p_vs_ref=test.p_value)
    return row


def _fmt(value: Any, digits: int = 3) -> str:
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def _p(value: float) -> str:
    return "" if math.isnan(value) else (f" (p={value:.3f})" if value >= 0.001 else " (p<0.001)")


def _delta(row: dict, name: str) -> str:
    """``diff [low, high] (p=...)``, or ``(n<20: no p)`` where the test had too few pairs for one."""
    diff = row[f"diff_{name}"]
    if isinstance(diff, float) and math.isnan(diff):
        return "–"
    p = row[f"p_{name}"]
    note = f" (n<{MIN_PAIRS_FOR_P}: no p)" if isinstance(p, float) and math.isnan(p) else _p(p)
    return f"{_fmt(diff)} [{_fmt(row[f'diff_{name}_low'])}, {_fmt(row[f'diff_{name}_high'])}]{note}"


def markdown(config: EvalConfig, rows: Sequence[dict]) -> str:
    """A table per suite: the headline metric with its CI, other metrics' means, tests, cost."""
    lines = ["# Evaluation: answer quality against compression ratio", "",
             f"Target `{config.target_id}`, scorer `{config.scorer_model}`, seed {config.seed}, "
             f"{config.bootstrap} bootstrap resamples; 95% CIs; Δ: mean of (method - other) on the same "
             "examples with its 95% CI, p: its paired bootstrap test, two-sided, given only from "
             f"{MIN_PAIRS_FOR_P} pairs on (fewer: the interval alone, marked 'n<{MIN_PAIRS_FOR_P}: no p'); "
             "ratio and achieved rate in target tokens.", ""]
    for suite_name in config.suites:
        suite = get_suite(suite_name)
        main, others = suite.metrics[0], suite.metrics[1:]
        suite_rows = [r for r in rows if r["suite"] == suite_name]
        n = max((r["n"] for r in suite_rows if r["method"] == "none"), default=0)
        lines += [f"## {suite_name}", "", f"{suite.description}; {n} examples.", ""]
        ref = f" | Δ vs {config.reference}" if config.reference else ""
        kept = " answer kept |" if suite.extractive else ""
        head = (f"| method | rate | achieved | ratio | {main} [95% CI] | "
                + "".join(f"{m} | " for m in others) + f"retention | Δ vs none{ref} |{kept} over budget | compress s | n |")
        lines += [head, "|" + "---|" * (head.count("|") - 1)]
        for r in (r for r in suite_rows if r["metric"] == main):
            extra = [x for x in suite_rows if x["method"] == r["method"] and x["rate"] == r["rate"]]
            cells = [r["method"], _fmt(r["rate"], 2), _fmt(r["achieved_rate"]), _fmt(r["ratio"], 2) + "x",
                     f"{_fmt(r['mean'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"]
            cells += [_fmt(next(x["mean"] for x in extra if x["metric"] == m)) for m in others]
            cells += [_fmt(r["retention"]), _delta(r, "vs_none")]
            if config.reference:
                cells.append(_delta(r, "vs_ref"))
            if suite.extractive:
                cells.append(_fmt(r["answer_kept"], 2))
            cells += [_fmt(r["over_budget"], 2), _fmt(r["compress_seconds"], 2), f"{r['n']}"
                      + (f" ({r['n_errors']} failed)" if r["n_errors"] else "")]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def plot(config: EvalConfig, rows: Sequence[dict], path: Path) -> None:
    """Headline metric (with its CI band) against achieved compression ratio, one line per method."""
    try:
        import matplotlib
    except ImportError:
        print(f"{path.name} skipped: matplotlib is missing (pip install 'headroom-lingua[eval]')", file=sys.stderr)
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suites = list(config.suites)
    fig, axes = plt.subplots(1, len(suites), figsize=(5.5 * len(suites), 4.2), squeeze=False)
    for ax, suite_name in zip(axes[0], suites):
        main = get_suite(suite_name).metrics[0]
        rows_s = [r for r in rows if r["suite"] == suite_name and r["metric"] == main and r["n"]]
        for method in dict.fromkeys(r["method"] for r in rows_s):
            pts = sorted((r for r in rows_s if r["method"] == method), key=lambda r: r["ratio"])
            x = [1.0 if method == "none" else r["ratio"] for r in pts]
            if method == "none":
                r = pts[0]
                ax.axhline(r["mean"], color="black", linestyle="--", linewidth=1, label="none")
                ax.axhspan(r["ci_low"], r["ci_high"], color="black", alpha=0.08)
                continue
            line, = ax.plot(x, [r["mean"] for r in pts], marker="o", label=method)
            ax.fill_between(x, [r["ci_low"] for r in pts], [r["ci_high"] for r in pts],
                            color=line.get_color(), alpha=0.15)
        ax.set_title(suite_name)
        ax.set_xlabel("achieved compression ratio (target tokens, original / compressed)")
        ax.set_ylabel(f"{main} (mean, 95% CI)")
        ax.grid(alpha=0.3)
        if rows_s:
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, "no results yet", ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_reports(config: EvalConfig, out: Path, records: Mapping[Key, dict],
                  expected: Mapping[str, Sequence[str]]) -> list[dict]:
    """Write summary.csv, summary.md, quality_vs_ratio.png and examples.jsonl into ``out``."""
    rows = summarize(config, records, expected)
    with open(out / "summary.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    (out / "summary.md").write_text(markdown(config, rows) + "\n", encoding="utf-8")
    plot(config, rows, out / "quality_vs_ratio.png")
    wanted = {(s, i) for s, ids in expected.items() for i in ids}
    cells = set(plan(config, list(config.methods)))
    with open(out / "examples.jsonl", "w", encoding="utf-8") as fh:
        for key in sorted(k for k in records if (k[0], k[1]) in wanted and (k[2], k[3]) in cells):
            fh.write(json.dumps(records[key], ensure_ascii=False) + "\n")
    return rows
