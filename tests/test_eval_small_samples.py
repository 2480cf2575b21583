"""Small samples: below MIN_PAIRS_FOR_P pairs the harness reports intervals but no p-values,
and its tables say so; from that many pairs on it reports both."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from headroom_lingua_eval.config import EvalConfig
from headroom_lingua_eval.runner import run_eval
from headroom_lingua_eval.stats import MIN_PAIRS_FOR_P, paired_bootstrap
from headroom_lingua_eval.targets import StubFirstSentenceTarget


def test_the_minimum_is_twenty_pairs():
    assert MIN_PAIRS_FOR_P == 20


@pytest.mark.parametrize("n,has_p", [(3, False), (19, False), (20, True), (30, True)])
def test_paired_bootstrap_gives_p_only_from_the_minimum_on(n, has_p):
    a = [1.0 if i % 3 else 0.0 for i in range(n)]
    test = paired_bootstrap(a, [0.0] * n, n_resamples=300)
    assert test.n == n and test.ci_low <= test.diff <= test.ci_high  # the interval is always there
    assert math.isnan(test.p_value) != has_p
    if has_p:
        assert 0 < test.p_value <= 1


def _run(tmp_path: Path, n: int) -> tuple[list[dict], str]:
    data = tmp_path / f"records{n}.jsonl"
    lines = [json.dumps({"id": f"q{i}", "context": f"Parcel {i} waits in locker {7 * i + 3}. The hall is cold. "
                         f"Nobody has asked for parcel {i} since Monday.",
                         "question": f"Which locker holds parcel {i}?", "answers": [str(7 * i + 3)]})
             for i in range(n)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = EvalConfig(out=str(tmp_path / f"out{n}"), suites=("jsonl",), jsonl_path=str(data),
                        methods=("none", "truncate"), rates=(0.5,), limit=n, target="stub", bootstrap=200)
    out = run_eval(config, target=StubFirstSentenceTarget(), cache_dir=tmp_path / "cache", progress=False)
    with open(out / "summary.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return rows, (out / "summary.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("n", [3, 30])
def test_a_run_reports_p_values_only_with_enough_pairs(tmp_path, n):
    rows, md = _run(tmp_path, n)
    row = next(r for r in rows if r["method"] == "truncate" and r["metric"] == "f1")
    assert int(row["n"]) == n
    low, diff, high = (float(row[k]) for k in ("diff_vs_none_low", "diff_vs_none", "diff_vs_none_high"))
    assert low <= diff <= high  # the interval is reported either way
    table = next(line for line in md.splitlines() if line.startswith("| truncate |"))
    if n < MIN_PAIRS_FOR_P:
        assert math.isnan(float(row["p_vs_none"]))
        assert "n<20: no p" in table and "p=" not in table and "p<" not in table
    else:
        assert 0 < float(row["p_vs_none"]) <= 1
        assert "no p" not in table and ("(p=" in table or "(p<0.001)" in table)
    assert "given only from 20 pairs on" in md  # the table's legend says why p may be missing
