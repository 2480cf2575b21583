"""The budget holds by default: when protected text alone exceeds it, protected spans yield by
priority (code/JSON, then numbers/labels, then e-mails/URLs/paths/identifiers), then by score,
whole spans only; ``force=`` items never yield and raise ``BudgetError`` when they alone overflow."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom_lingua import BudgetError, CompressionConfig, Compressor
from headroom_lingua.cli.common import summary
from headroom_lingua.engine import FORCE, PRIORITY, find_protected, get_counter, protected_units, render, select
from headroom_lingua.scorers import LengthScorer

from .helpers import is_subsequence


def count_words(mask):
    return int(mask.sum())


def test_select_yields_lowest_priority_then_lowest_score():
    prot = np.array([True, True, True, True, False])
    prio = np.array([1, 3, 2, 2, 0])
    scores = np.array([9.0, 0.0, 1.0, 5.0, 8.0])
    keep, used = select(scores, np.ones(5), prot, budget=2, count=count_words, on_overflow="yield", priority=prio)
    assert keep.tolist() == [False, True, False, True, False] and used == 2


def test_select_force_units_never_yield():
    prot = np.array([True, True, True])
    prio = np.array([FORCE, FORCE, 3])
    keep, _ = select(np.array([0.0, 0.0, 9.0]), np.ones(3), prot, budget=2, count=count_words, on_overflow="yield",
                     priority=prio)
    assert keep.tolist() == [True, True, False]
    with pytest.raises(BudgetError, match="force= items alone are 2 tokens, 1 over the budget of 1"):
        select(np.zeros(3), np.ones(3), prot, budget=1, count=count_words, on_overflow="yield", priority=prio)


def test_priorities_follow_the_documented_order():
    assert PRIORITY["code_blocks"] < PRIORITY["numbers"] < PRIORITY["identifiers"] < FORCE
    assert PRIORITY["json"] < PRIORITY["numbers"] < PRIORITY["urls"] == PRIORITY["emails"]
    u = protected_units("see https://x.io at 10:30\n```\ncode\n```\nok", tuple(PRIORITY), force=["ok"])
    got = {u.text[s:e]: int(p) for s, e, p in zip(u.starts, u.ends, u.priority) if p}
    assert got == {"https://x.io": 3, "10:30": 2, "```\ncode\n```": 1, "ok": FORCE}


# Protected-dense text: numbers, URLs, ids, e-mails, code, JSON, with few plain words between.
_atom = st.one_of(
    st.integers(0, 10**9).map(str),
    st.decimals(0, 10**6, places=2).map(lambda d: f"${d}"),
    st.sampled_from(["10:30", "2024-03-05", "v2.1.0", "15%", "Q3", "ERR42", "INC-4411", "0x3FA2C1D9"]),
    st.from_regex(r"https://[a-z]{3,8}\.example\.com/[a-z0-9]{1,10}", fullmatch=True),
    st.from_regex(r"[a-z]{2,6}@[a-z]{3,6}\.org", fullmatch=True),
    st.from_regex(r"[a-z]{3,6}_[a-z]{3,6}", fullmatch=True),
    st.sampled_from(["`x = f(y)`", "```python\nfor i in range(3):\n    print(i)\n```", '{"id": 7, "ok": true}']),
    st.sampled_from(["the", "order", "failed", "and", "please", "call"]),
)
dense = st.lists(_atom, min_size=1, max_size=60).map(" ".join)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=dense, rate=st.floats(0.01, 1.0), tokenizer=st.sampled_from(["cl100k", "o200k"]))
def test_protected_dense_text_meets_the_budget_with_the_defaults(text, rate, tokenizer):
    r = Compressor(LengthScorer(), tokenizer=tokenizer).compress(text, rate=rate)
    if r.budget < r.original_tokens:
        assert r.compressed_tokens <= r.budget  # no escape hatch
    else:  # the documented passthrough, on its own
        assert r.text == text and not r.yielded
    assert is_subsequence(r.text, text)
    for s, e in find_protected(text, CompressionConfig().protect):  # whole spans: kept entirely or yielded
        span = text[s:e]
        inside = any(ks <= s and e <= ke for ks, ke in r.kept)
        touched = any(ks < e and s < ke for ks, ke in r.kept)
        assert inside or not touched, f"protected {span!r} was cut"


@settings(max_examples=40, deadline=None)
@given(text=dense, rate=st.floats(0.01, 0.9))
def test_force_items_still_raise_when_they_alone_exceed_the_budget(text, rate):
    comp = Compressor(LengthScorer(), tokenizer="cl100k")
    counter = get_counter("cl100k")
    forced = re.compile(r"\S+")  # every word forced: nothing may yield
    units = protected_units(text, comp.config.protect, [forced])
    budget = max(1, int(rate * counter.count(text) + 1e-9))
    if budget >= counter.count(text):
        return
    if counter.count(render(units, units.priority >= FORCE)[0]) > budget:
        with pytest.raises(BudgetError, match="force= items alone"):
            comp.compress(text, target_tokens=budget, force=[forced])
    else:
        assert comp.compress(text, target_tokens=budget, force=[forced]).compressed_tokens <= budget


def test_raise_keeps_todays_strict_behaviour_for_every_protector():
    text = "IDs: " + " ".join(f"0x{i:08X}" for i in range(30))
    strict = Compressor(LengthScorer(), config=CompressionConfig(on_overflow="raise"), tokenizer="cl100k")
    with pytest.raises(BudgetError):
        strict.compress(text, target_tokens=10)
    r = Compressor(LengthScorer(), tokenizer="cl100k").compress(text, target_tokens=10)
    assert r.compressed_tokens <= 10 and r.yielded and set(r.yielded) - {"IDs:"} <= {f"0x{i:08X}" for i in range(30)}


def test_summary_says_what_yielded():
    r = Compressor(LengthScorer(), tokenizer="cl100k").compress(
        "Call 555-0100 or 555-0199 at 10:30 on 2024-03-05 about ERR42, https://x.example.com/a", target_tokens=8)
    line = summary(r)
    assert "protected span(s) yielded" in line and str(len(r.yielded)) in line


def test_a_code_block_holding_numbers_and_names_yields_as_code():
    text = "Config:\n```yaml\npool_size: 60\nhost: db-prod-3.internal:5432\n```\nCall ops@example.com at 10:30."
    u = protected_units(text, tuple(PRIORITY))
    got = {u.text[s:e]: int(p) for s, e, p in zip(u.starts, u.ends, u.priority) if p}
    assert got["```yaml\npool_size: 60\nhost: db-prod-3.internal:5432\n```"] == PRIORITY["code_blocks"]
    assert got["ops@example.com"] == 3 and got["10:30"] == 2
    forced = protected_units(text, tuple(PRIORITY), force=["pool_size"])
    assert int(forced.priority[forced.protected][1]) == FORCE  # a forced item inside makes the block forced
