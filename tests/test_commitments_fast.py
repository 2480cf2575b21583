"""Searching for owners only in the few words before each verb finds exactly the clauses a scan
of the whole text finds (the scan is kept here as the reference)."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_lingua.engine import entities
from headroom_lingua.engine.entities import commitment_spans, entity_names


def reference(text: str) -> list[tuple[int, int]]:
    names = entity_names(text)
    owners = [regex.escape(n) for n in sorted(names, key=len, reverse=True)] + [r"\p{Lu}\p{Ll}+", "I", "[Ww]e"]
    pattern = regex.compile(rf"(?<![\p{{L}}\p{{N}}_@\-])(?:{'|'.join(owners)})(?=(?:\s+\p{{Ll}}+)?(?:\s+|(?=')){entities._VERBS}\b)")
    spans = []
    for m in pattern.finditer(text):
        word = m.group()
        if word in entities._NOT_NAMES and word not in ("I", "We"):
            continue
        if word not in names and word not in ("I", "We", "we") and not entities._STRONG.match(text, m.end()):
            continue
        end = entities._CLAUSE_END.search(text, m.end() + 1)
        stop = end.start() if end else len(text)
        if text[m.end():stop].strip():
            spans.append((m.start(), stop))
    return spans


WORDS = st.sampled_from(["Dana", "Marcus", "Priya:", "@sam-ops", "I", "We", "we", "The", "Congress", "owns", "will",
                         "'ll", "takes", "is on", "needs to", "follows up", "quickly", "the", "fix", "refund", "and",
                         "but", ",", ".", ";", "\n", "3.5", "Dana'll", "(Marcus", "willing", "is only", "\x1c", "\u00a0",
                         "Browns", "Wewill", "I'll", "Dana's", "mistakes"])
TEXTS = st.lists(WORDS, max_size=40).map(" ".join)

NAMED = st.lists(st.sampled_from(["Dana", "Dana-Li", "Danas", "@sam-ops", "@sam-ops.x", "@sam.Ops", "@sam.Ops", "Marcus:", "Marcus", "x.Marcus",
                                  "(Dana)", "Dana_", "-Dana", "Priya:", "\n", " ", "will", "owns", "the", "DanaDana",
                                  "Zoë:", "Zoë", "Zoëx", "e\u0301Dana", "Dana\u0301"]), max_size=40).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(TEXTS, NAMED))
def test_windowed_search_equals_the_whole_text_scan(text):
    assert commitment_spans(text) == reference(text)


def test_on_the_meeting_sample():
    from importlib.resources import files

    for name in ("sample_meeting.txt", "sample_transcript.txt"):
        text = files("headroom_lingua").joinpath("data", name).read_text(encoding="utf-8")
        assert commitment_spans(text) == reference(text)


def test_a_verb_inside_a_word_names_no_owner():
    assert commitment_spans("The Cleveland Browns won the game; the Crowns sold out.") == []  # not "Br" + "owns"
    assert [t for t in ("I'll send it", "Dana owns the fix") if t in
            ["I'll send it. Dana owns the fix."[s:e] for s, e in commitment_spans("I'll send it. Dana owns the fix.")]]


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXTS, NAMED))
def test_entity_spans_equal_a_scan_with_the_names_as_one_pattern(text):
    names = entity_names(text)
    alternatives = "|".join(regex.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = regex.compile(rf"(?<![\p{{L}}\p{{N}}_@\-])(?:{alternatives})(?![\p{{L}}\p{{N}}_\-])")
    assert entities.entity_spans(text) == ([m.span() for m in pattern.finditer(text)] if names else [])
