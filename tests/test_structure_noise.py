"""Noise removal: fenced code is never touched; blank runs, rules, trailing spaces, headers go."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_lingua.errors import ConfigError
from headroom_lingua.structure import fenced_spans, strip_noise
from headroom_lingua.structure.code import split_lines

from .strategies import texts

NOISE = ("", "   ", "-----", "=====", "* * * *", "──────────", "╔════╗", "Page 3 of 9", "ACME Corp - Confidential",
         "|---|---|", "Title", "\t", "  ~~~ not a fence (indented four)")
CODE = ("```\n-----\n\n\n\n\nx = 1   \n```", "~~~python\nPage 3 of 9\n\n\n\nPage 3 of 9\n\n\n\nPage 3 of 9\n~~~",
        "```\nunclosed   \n\n\n\n-----")
lines = st.sampled_from(NOISE) | texts.map(lambda t: t.replace("`", "'").replace("~", "-"))
documents = st.lists(lines | st.sampled_from(CODE), min_size=1, max_size=40).map("\n".join)


def _code(text: str) -> list[str]:
    return [text[s:e] for s, e in fenced_spans(text)]


def _prose(text: str) -> list[str]:
    """The text outside fenced code, each fence taking its closing newline with it."""
    out, pos = [], 0
    for s, e in fenced_spans(text) + [(len(text), len(text))]:
        out.append(text[pos:s])
        pos = e + text.startswith("\n", e)
    return out


def _longest_blank_run(piece: str) -> int:
    run = longest = 0
    for line in split_lines(piece):
        run = run + 1 if not line.strip() and line.endswith("\n") else 0
        longest = max(longest, run)
    return longest


@settings(max_examples=200, deadline=None)
@given(documents, st.integers(0, 3))
def test_fenced_code_is_never_touched(text, max_blank):
    out, _ = strip_noise(text, max_blank_lines=max_blank)
    assert _code(out) == _code(text)


@settings(max_examples=200, deadline=None)
@given(documents, st.integers(0, 3))
def test_outside_code_no_long_blank_runs_trailing_spaces_or_rules(text, max_blank):
    out, report = strip_noise(text, max_blank_lines=max_blank)
    lines = [line for piece in _prose(out) for line in piece.split("\n")]
    assert not any(re.search(r"[ \t]$", line.rstrip("\r")) for line in lines)
    assert not any(line.strip() in ("-----", "=====", "* * * *", "──────────", "╔════╗") for line in lines)
    assert all(_longest_blank_run(piece) <= max_blank for piece in _prose(out))
    assert report.chars_removed == len(text) - len(out) >= 0


@given(documents)
def test_switched_off_rules_leave_the_text_alone(text):
    assert strip_noise(text, rules=False, trailing_spaces=False, repeated_lines=False,
                       max_blank_lines=10**6)[0] == text


def test_rules_and_blank_runs():
    out, report = strip_noise("Intro\n\n-----\n\n\n\nBody\n+---+---+\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert out == "Intro\n\n\nBody\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert report.items_dropped == 5  # two rules, three surplus blank lines
    assert strip_noise("a\r\n\r\n\r\n\r\nb  \r\n")[0] == "a\r\n\r\n\r\nb\r\n"


def test_repeated_headers_and_footers_are_kept_once():
    pages = [f"ACME Corp - Annual Report\n\nBody of page {n}, different words {n * 7}.\n\nPage {n} of 4\n"
             for n in range(1, 5)]
    out, report = strip_noise("\f\n".join(pages), max_blank_lines=1)
    assert out.count("ACME Corp - Annual Report") == 1 and out.count("Page ") == 1
    assert all(f"Body of page {n}" in out for n in range(1, 5)) and report.items_dropped >= 6


def test_without_pages_repeated_lines_and_numbered_paragraphs_stay():
    paras = "\n\n".join(f"Revenue in region {n} was {n * 3}M.\n\nThanks!" for n in range(4))
    assert strip_noise(paras)[0] == paras
    paged = paras.replace("Thanks!", "Thanks!\f")
    assert strip_noise(paged)[0].count("Thanks!") == 1 and strip_noise(paged)[0].count("Revenue") == 4


def test_yaml_separators_stay():
    yaml = "---\na: 1\n---\nb: 2\n"
    assert strip_noise(yaml)[0] == yaml


def test_speaker_labels_and_list_items_stay():
    chat = "\n\n".join(f"user:\nquestion {n}\n\nassistant:\nanswer {n}" for n in range(5))
    assert strip_noise(chat)[0] == chat


@pytest.mark.parametrize("kwargs, match", [({"max_blank_lines": -1}, "max_blank_lines=-1"),
                                           ({"min_repeats": 1}, "min_repeats=1")])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        strip_noise("x", **kwargs)
