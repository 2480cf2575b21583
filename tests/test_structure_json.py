"""JSON shrinking: always valid JSON, every key path kept, named records kept, budget helper."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_lingua.engine.budget import get_counter
from headroom_lingua.errors import ConfigError
from headroom_lingua.structure import fit_json, key_paths, shrink_json, shrink_json_text
from headroom_lingua.structure.json_select import choose_items, term_matches
from headroom_lingua.structure.json_shrink import dumps

from .structure_samples import chat_with_tool_result, orders
from .structure_strategies import json_values, records

QUESTION = "Which of my orders from March failed, and why?"


def _lists(value):
    if isinstance(value, dict):
        for child in value.values():
            yield from _lists(child)
    elif isinstance(value, list):
        yield value
        for child in value:
            yield from _lists(child)


@settings(max_examples=150, deadline=None)
@given(json_values | records, st.integers(1, 12), st.integers(1, 30))
def test_output_is_valid_json_with_every_key_path(value, max_items, max_string):
    out, _ = shrink_json(value, max_items=max_items, max_string=max_string)
    assert json.loads(dumps(out)) == out
    assert key_paths(value) <= key_paths(out)


@settings(max_examples=100, deadline=None)
@given(json_values | records, st.sampled_from([None, 0, 2]), st.integers(1, 8))
def test_json_text_stays_json_text(value, indent, max_items):
    text = "\n" + json.dumps(value, indent=indent) + "\n"
    out, report = shrink_json_text(text, indent=indent, max_items=max_items, max_string=20)
    assert key_paths(value) <= key_paths(json.loads(out))
    assert (out == text) == (shrink_json(value, max_items=max_items, max_string=20)[0] == value)
    assert out.startswith("\n") and out.endswith("\n") and report.chars_after == len(out)


@settings(max_examples=100, deadline=None)
@given(records, st.integers(2, 10))
def test_arrays_keep_first_last_in_order_and_a_count(rows, max_items):
    keep = choose_items(rows, max_items)
    assert keep == sorted(set(keep)) and len(keep) >= min(len(rows), max_items)
    assert not rows or (keep[0], keep[-1]) == (0, len(rows) - 1)
    out, _ = shrink_json(rows, max_items=max_items, max_string=None)
    marker = f"... {len(rows) - len(keep)} of {len(rows)} items omitted"
    if out and out[-1] == marker:
        assert len(out) == len(keep) + 1
        assert out[0] == shrink_json(rows[0], max_items=max_items, max_string=None)[0]
    else:  # nothing omitted: nothing to omit, or the omitted items are shorter than the marker
        omitted = dumps([row for i, row in enumerate(rows) if i not in keep])
        assert len(out) == len(rows) and (len(keep) == len(rows) or len(omitted) <= len(marker) + 2)


def test_an_array_is_not_cut_when_the_marker_is_longer_than_the_cut():
    assert shrink_json([None, None, None], max_items=2)[0] == [None, None, None]
    assert shrink_json(list(range(100)), max_items=2)[0] == [0, 99, "... 98 of 100 items omitted"]


@given(json_values)
def test_small_values_come_back_unchanged(value):
    out, report = shrink_json(value, max_items=10**6, max_string=None)
    assert out == value and report.items_dropped == 0


def test_term_and_outlier_items_are_kept():
    rows = orders(100, failed=57)
    out, _ = shrink_json(rows, max_items=5)
    assert rows[57] in out  # rare status value and rare key: an outlier even without terms
    out, _ = shrink_json(rows, max_items=5, keep_terms=["ORD-10423"])
    assert rows[23] in out
    rows[40]["amount"] = 99999.0
    assert 40 in choose_items(rows, max_items=6)


def test_terms_found_in_most_items_single_none_out():
    rows = [{"note": "order ok"} for _ in range(10)] + [{"note": "order failed"}]
    assert term_matches(rows, ["order failed"]) == [10]


def test_long_strings_go_through_shorten_and_keep_keys_and_numbers():
    value = {"log": "x" * 1000, "n": 123456789, "nested": [{"text": "y" * 50}]}
    out, _ = shrink_json(value, max_string=10)
    assert out["log"] == "x" * 10 + "...[+990 chars]" and out["n"] == 123456789
    out, _ = shrink_json(value, max_string=10, shorten=lambda s, n: s[:n // 2])
    assert out["log"] == "xxxxx" and out["nested"][0]["text"] == "yyyyy"
    family = "👨\u200d👩\u200d👧"  # one grapheme, 5 code points
    assert shrink_json("ab" + family + "c" * 20, max_string=4)[0] == "ab...[+25 chars]"
    with pytest.raises(TypeError, match="shorten returned int"):
        shrink_json(value, max_string=10, shorten=lambda s, n: 3)


def test_tool_result_in_a_chat_shrinks_five_times_and_keeps_the_failed_order():
    counter = get_counter("cl100k")
    content = chat_with_tool_result(100)[3]["content"]
    for indent in (None, 2):
        out, report = shrink_json_text(content, keep_terms=[QUESTION], indent=indent)
        parsed = json.loads(out)
        assert counter.count(content) >= 5 * counter.count(out)
        assert key_paths(json.loads(content)) <= key_paths(parsed)
        failed = [o for o in parsed["orders"] if isinstance(o, dict) and o["status"] == "failed"]
        assert [o["order_id"] for o in failed] == ["ORD-10457"] and failed[0]["error"]["code"] == "PAYMENT_DECLINED"
        assert parsed["total"] == 100 and report.items_dropped == 90


def test_json_inside_text_is_shrunk_in_place():
    payload = json.dumps({"rows": [{"id": i} for i in range(50)]})
    text = f"Result of the query:\n{payload}\nEnd of result."
    out, report = shrink_json_text(text, max_items=3)
    head, body, tail = out.split("\n")
    assert (head, tail) == ("Result of the query:", "End of result.")
    assert json.loads(body)["rows"][-1] == "... 47 of 50 items omitted" and report.items_dropped == 47
    assert shrink_json_text("no json {here", max_items=3)[0] == "no json {here"
    small = '{"a": [1, 2]}'
    assert shrink_json_text(small)[0] == small  # nothing taken: the original text, spacing and all


def test_large_values_inside_text_are_found_whole_and_broken_ones_left_alone():
    rows = [{"id": i, "note": "n" * 30} for i in range(400)]  # about 20,000 characters
    payload = json.dumps(rows, indent=1)
    out, report = shrink_json_text(f"Rows:\n{payload}\nDone.", max_items=4)
    assert report.items_dropped == 396 and json.loads(out.split("\n")[1])[-1] == "... 396 of 400 items omitted"
    broken = f"Rows:\n{payload[:-1]}\nDone."
    assert shrink_json_text(broken, max_items=4)[0] == broken
    deep = "[" * 5000 + "]" * 5000
    assert shrink_json_text(deep)[0] == deep


def test_fit_json_meets_a_token_target():
    counter = get_counter("cl100k")
    rows = orders(100)
    for target in (400, 1500, 4000):
        out, fit = fit_json(rows, target, keep_terms=["failed"])
        assert fit.fits and counter.count(dumps(out)) == fit.tokens <= target
        bigger, _ = shrink_json(rows, max_items=fit.max_items + 1, keep_terms=["failed"])
        assert fit.max_items >= 100 or counter.count(dumps(bigger)) > target
    out, fit = fit_json(rows, 5)
    assert not fit.fits and fit.max_items == 1 and json.loads(dumps(out)) == out


@pytest.mark.parametrize("kwargs, match", [
    ({"max_items": 0}, "max_items=0"), ({"max_string": 0}, "max_string=0"),
    ({"keep_terms": "failed"}, "keep_terms='failed'"), ({"shorten": 3}, "shorten=3"),
    ({"marker": "omitted"}, "marker='omitted'"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        shrink_json([1, 2, 3], **kwargs)
    with pytest.raises(ConfigError, match="indent=-1"):
        shrink_json_text("[1]", indent=-1)
    with pytest.raises(ConfigError, match="min_chars=0"):
        shrink_json_text("x [1]", min_chars=0)
    with pytest.raises(ConfigError, match="target_tokens=0"):
        fit_json([1], 0)
