"""Duplicate removal: never the only copy, earlier texts stable, references that can be followed."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_lingua.engine.budget import get_counter
from headroom_lingua.errors import ConfigError
from headroom_lingua.structure import dedup_text, dedup_texts
from headroom_lingua.structure.dedup import normalize_lines

from .structure_samples import orders, transcript, transcript_pasted_twice
from .structure_strategies import document_lists

REPORT = "\n".join(f"line {k}: order ORD-{10400 + k} shipped to the customer on time, tracking attached"
                   for k in range(8))


def _lines(texts) -> set[str]:
    return {line for text in texts for line in normalize_lines(text)}


@settings(max_examples=150, deadline=None)
@given(document_lists, st.sampled_from(["first", "last"]), st.sampled_from([0.5, 0.8, 1.0]), st.integers(8, 80))
def test_no_line_is_lost(texts, keep, threshold, min_chars):
    out, report = dedup_texts(texts, keep=keep, threshold=threshold, min_chars=min_chars)
    assert len(out) == len(texts) and _lines(texts) <= _lines(out)
    assert report.chars_after == sum(map(len, out)) <= report.chars_before == sum(map(len, texts))
    assert (report.items_dropped == 0) == (out == texts)


@settings(max_examples=100, deadline=None)
@given(document_lists)
def test_stable_mode_never_changes_an_earlier_text(texts):
    full, _ = dedup_texts(texts, stable=True, min_chars=20)
    for k in range(1, len(texts)):
        assert dedup_texts(texts[:k], stable=True, min_chars=20)[0] == full[:k]


@settings(max_examples=60, deadline=None)
@given(document_lists)
def test_keep_last_decides_a_text_from_the_texts_after_it(texts):
    names = [f"m{i}" for i in range(len(texts))]
    full, _ = dedup_texts(texts, keep="last", names=names, min_chars=20)
    for k in range(1, len(texts)):
        assert dedup_texts(texts[k:], keep="last", names=names[k:], min_chars=20)[0] == full[k:]


def test_unique_texts_and_short_repeats_come_back_unchanged():
    texts = ["Thanks!", "Thanks!", "ok", transcript(), "A different document about the quarterly figures."]
    assert dedup_texts(texts)[0] == texts


def test_a_transcript_pasted_twice_is_sent_once():
    counter = get_counter("cl100k")
    texts = [m["content"] for m in transcript_pasted_twice()]
    out, report = dedup_texts(texts)
    assert out[0] == texts[0] and out[1] == texts[1] and out[3] == texts[3]
    assert out[2] == "[same as message 1 above, except for these lines:]\nSorry, pasting it again in case it got cut:"
    assert sum(map(counter.count, out)) <= 0.55 * sum(map(counter.count, texts)) and report.items_dropped == 1
    last, _ = dedup_texts(texts, keep="last")
    assert last[2] == texts[2] and last[0].startswith("[same as message 3 below, except for these lines:]")


def test_a_tool_result_fetched_again_and_a_near_copy():
    result = json.dumps(orders(5, failed=2), indent=1)
    changed = result.replace('"status": "failed"', '"status": "refunded"')
    texts = ["Show my orders.", result, "And again please.", result, "Once more.", changed]
    out, _ = dedup_texts(texts, label="message")
    assert out[1] == result and out[3] == "[same as message 2 above]"
    assert out[5] == '[same as message 2 above, except for these lines:]\n"status": "refunded",'


def test_repeated_paragraphs_quotes_and_boilerplate():
    note = "Reminder: the export runs nightly at 02:15 UTC and writes to the analytics bucket."
    reply = f"Sounds good, see below.\n\n> {note}\n\nI will check tonight."
    out, report = dedup_texts([f"Hi team.\n\n{note}", reply], label="document")
    assert out[1] == ('Sounds good, see below.\n\n> [same as "Reminder: the export runs nightly at..." '
                      'in document 1 above]\n\nI will check tonight.')
    text = f"{REPORT}\n\nSummary first.\n\n{REPORT}\n\nThe end."
    single, report = dedup_text(text)
    assert single.count("ORD-10403") == 1
    assert single.endswith('[same as "line 0: order ORD-10400 shipped to..." above]\n\nThe end.')


def test_consecutive_repeated_paragraphs_become_one_reference():
    paras = [f"Paragraph {k} of the pasted policy text, long enough to be worth a back-reference." for k in range(5)]
    out, report = dedup_texts(["\n\n".join(paras), "Pasted again:\n\n" + "\n\n".join(paras[1:4]) + "\n\nMy question?"])
    assert out[1] == ('Pasted again:\n\n[same as the 3 paragraphs from "Paragraph 1 of the pasted policy..." '
                      'to "...enough to be worth a back-reference." in message 1 above]\n\nMy question?')
    assert report.items_dropped == 3


def test_copies_of_one_paragraph_in_a_row_become_one_reference():
    para = "The same status paragraph, pasted again and again by a chat client that retries its sends."
    out, report = dedup_text("\n\n".join([para] * 5) + "\n\nDone.")
    assert out == f'{para}\n\n[same as "The same status paragraph, pasted again..." above, 4 times]\n\nDone.'
    assert report.items_dropped == 4


def test_fenced_code_is_one_block_and_text_names_can_be_given():
    code = ("```python\ndef export(job):\n\n    job.configure(batch_size=5000, compression=True)\n"
            "    return job.run(timeout=900)  # the fix we agreed on\n```")
    reply = f"The same fix, which the on-call engineer tested on staging yesterday evening:\n\n{code}"
    out, _ = dedup_texts([f"Fix:\n\n{code}", reply], names=["the ticket", "the reply"])
    reference = ('[same as "```python def export(job): job.configure(batch_size=5000, compression=True) return..."'
                 ' in the ticket above]')
    assert out[1] == reply.replace(code, reference)


def test_a_json_text_stays_json():
    value = '"a long string value that also appears, as a paragraph, in the message before this one"'
    texts = [f"Note:\n\n{value}\n\nThe rest of this message talks about something else entirely, at length.",
             f"[\n\n{value}\n\n, 1]"]
    out, _ = dedup_texts(texts)
    assert out == texts and json.loads(out[1])[1] == 1
    assert dedup_texts([texts[1], texts[1]])[0][1] == "[same as message 1 above]"


@pytest.mark.parametrize("kwargs, match", [
    ({"keep": "middle"}, "keep='middle'"), ({"stable": True, "keep": "last"}, "keep='last'"),
    ({"threshold": 0}, "threshold=0"), ({"min_chars": 0}, "min_chars=0"), ({"names": ["a"]}, "names has 1"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        dedup_texts(["a", "b"], **kwargs)
    with pytest.raises(TypeError, match="list of str"):
        dedup_texts("a single string")
