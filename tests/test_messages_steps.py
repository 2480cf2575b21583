"""Structure steps in conversations: repeats go first (stably), noise next, JSON tool outputs shrink
by structure and stay valid JSON with every key path, logs fold, code and references stay whole;
what each step removed is reported; the budget still holds."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from headroom_lingua import Compressor, ConfigError, compress_messages
from headroom_lingua.frontends.messages import MessagesConfig
from headroom_lingua.scorers import RandomScorer
from headroom_lingua.structure import key_paths
from headroom_lingua.structure.apply import alert_spans, run_steps, whole_spans
from headroom_lingua.structure.logs import collapse_logs

from .helpers import is_subsequence
from .structure_samples import chat_with_tool_result, orders, service_log, transcript, transcript_pasted_twice
from .test_messages import conversation, long_sentence, sentence

STEPS = ("dedup", "noise", "json", "logs")


@pytest.fixture(scope="module")
def fake():
    return Compressor(RandomScorer(seed=5), tokenizer="cl100k")


def _stat(r, step):
    return next(s for s in r.steps if s.step == step)


def test_json_tool_output_shrinks_stays_json_and_keeps_every_key_path(fake):
    msgs = chat_with_tool_result(100)
    r = compress_messages(msgs, rate=0.5, model=fake)
    value = json.loads(r.messages[3]["content"])
    assert key_paths(value) >= key_paths(json.loads(msgs[3]["content"]))
    assert "PAYMENT_DECLINED" in r.messages[3]["content"]  # the failed order: "failed" is a keep term
    assert r.compressed_tokens <= r.budget and _stat(r, "json").tokens_removed > 0


def test_long_json_strings_are_shortened_by_the_scorer_not_cut(fake):
    note = ("Customer called twice about the duplicate charge of $48.60 on card ending 4242; the bank "
            "file for batch BATCH-7781 arrived late, so the refund was only issued on Friday. ") * 4
    rows = [{"id": i, "status": "ok", "note": note.replace("$48.60", f"${i}.60")} for i in range(12)]
    msgs = [{"role": "user", "content": "Show me the orders."},
            {"role": "tool", "content": json.dumps(rows)},
            {"role": "assistant", "content": "Here they are."},
            {"role": "user", "content": "Which order was refunded late?"}]
    r = compress_messages(msgs, rate=0.6, model=fake, stable=False)  # room for the shrunk JSON, kept whole
    out = json.loads(r.messages[1]["content"])  # still valid JSON
    notes = [row["note"] for row in out if isinstance(row, dict)]
    assert notes and "chars]" not in r.messages[1]["content"]  # no truncation marker
    for row in (row for row in out if isinstance(row, dict)):
        original = rows[row["id"]]["note"]
        assert len(row["note"]) < len(original) and is_subsequence(row["note"], original)  # words removed
        assert row["status"] == "ok"  # keys and other values untouched
    assert r.compressed_tokens <= r.budget


@pytest.mark.parametrize("rate", [0.5, 0.2, 0.05])
def test_json_tool_output_is_kept_or_dropped_whole(fake, rate):
    msgs = chat_with_tool_result(60)
    msgs.append({"role": "assistant", "content": "Order ORD-10457 failed: the card issuer declined the charge."})
    msgs.append({"role": "user", "content": "And the amount?"})
    r = compress_messages(msgs, rate=rate, model=fake, stable=False)
    content = r.messages[3]["content"]
    assert content == "" or key_paths(json.loads(content)) >= key_paths(json.loads(msgs[3]["content"]))
    assert r.compressed_tokens <= r.budget


def test_logs_fold_in_a_tool_message(fake):
    msgs = [{"role": "user", "content": "Why did the service fail at 10:20?"},
            {"role": "tool", "tool_call_id": "c", "content": service_log(400)},
            {"role": "user", "content": "Summarise the errors."}]
    r = compress_messages(msgs, rate=0.3, model=fake)
    assert _stat(r, "logs").items_dropped > 300 and r.compressed_tokens <= r.budget
    assert _stat(r, "logs").tokens_removed > 0.8 * r.stats[1].original_tokens


@pytest.mark.parametrize("rate", [0.5, 0.2])
def test_a_logs_error_lines_are_kept_whole_not_cut_to_their_timestamps(fake, rate):
    log = service_log(1300, seed=3)
    errors = [line for line in log.split("\n") if " ERROR " in line]
    msgs = [{"role": "user", "content": "Why did the service fail?"},
            {"role": "assistant", "content": "Let me read the log."},
            {"role": "tool", "tool_call_id": "c", "content": log},
            {"role": "user", "content": "What error did the database report?"}]
    r = compress_messages(msgs, rate=rate, model=fake)  # stable: the folded log is cut at the turn's rate
    assert all(e in r.messages[2]["content"] for e in errors)  # not just their timestamps
    assert r.compressed_tokens <= r.budget


def test_alert_spans_are_a_logs_error_lines_folded_or_not():
    log = service_log(800)
    folded, _ = collapse_logs(log)
    for text in (log, folded):
        lines = [text[s:e] for s, e in alert_spans(text)]
        assert lines and all(" ERROR " in line or " WARN" in line for line in lines)
    assert alert_spans("The error was in prose.\nNot a log at all.\n" * 5) == []


def test_repeats_go_first_and_references_stay_whole(fake):
    msgs = transcript_pasted_twice()
    msgs.insert(3, {"role": "assistant", "content": "Noted."})
    r = compress_messages(msgs, rate=0.5, model=fake)
    assert _stat(r, "dedup").items_dropped >= 1 and _stat(r, "dedup").tokens_removed > 500
    assert re.search(r"\[same as message 1 above[^\]]*\]", r.messages[2]["content"])  # kept whole


def test_steps_can_be_turned_off_and_are_checked(fake):
    r = compress_messages(transcript_pasted_twice(), rate=0.5, model=fake, config=MessagesConfig(steps=()))
    assert r.steps == () and "[same as" not in r.messages[2]["content"]
    with pytest.raises(ConfigError, match="unknown structure step"):
        MessagesConfig(steps=("dedup", "bogus"))


def test_nothing_runs_when_the_budget_holds_the_conversation(fake):
    msgs = transcript_pasted_twice()
    r = compress_messages(msgs, rate=1.0, model=fake)
    assert r.messages == msgs and r.steps == ()


def test_whole_spans_cover_json_code_and_references():
    text = 'Result: {"rows": [1, 2, 3], "ok": true}\n[same as message 2 above]\n'
    spans = [text[s:e] for s, e in whole_spans(text)]
    assert '{"rows": [1, 2, 3], "ok": true}' in spans and "[same as message 2 above]" in spans
    code = "Try this:\n\ndef f(x):\n    y = x + 1\n    return y\n\nThen run it."
    assert any("return y" in code[s:e] for s, e in whole_spans(code))


def test_run_steps_reports_tokens_per_step_and_leaves_inactive_texts():
    texts = [transcript(), "again:\n\n" + transcript(), json.dumps(orders(60))]
    out, stats = run_steps(texts, [False, True, True], STEPS, count=lambda t: len(t.split()))
    assert out[0] == texts[0] and [s.step for s in stats] == list(STEPS)
    assert stats[0].tokens_removed > 0 and stats[2].items_dropped >= 45
    assert key_paths(json.loads(out[2])) >= key_paths(orders(60))


dup_sentence = st.sampled_from(["Please check the quarterly revenue report for the team before Friday. " * 3,
                                "The deploy failed on server 42 because the database migration timed out. " * 3])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(msgs=conversation(min_turns=2, sentence=st.one_of(long_sentence, dup_sentence)),
       extra=st.lists(st.fixed_dictionaries({"role": st.sampled_from(["assistant", "tool"]),
                                             "content": st.one_of(dup_sentence, sentence)}), max_size=2),
       rate=st.sampled_from([0.5, 0.7]))
def test_stable_steps_keep_earlier_turns_byte_identical_when_turns_are_appended(fake, msgs, extra, rate):
    last = {"role": "user", "content": "What next?"}
    before = compress_messages(msgs, rate=rate, model=fake)
    after = compress_messages(msgs + extra + [last], rate=rate, model=fake)
    assume(before.stable and after.stable and before.budget < before.original_tokens)
    prev_last = max(i for i, m in enumerate(msgs) if m["role"] == "user")
    for i in range(len(msgs)):
        if i != prev_last:
            assert after.messages[i] == before.messages[i], i


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(msgs=conversation(sentence=st.one_of(sentence, long_sentence, dup_sentence)), rate=st.floats(0.1, 1.0),
       stable=st.booleans())
def test_budget_holds_with_steps_on(fake, msgs, rate, stable):
    r = compress_messages(msgs, rate=rate, model=fake, stable=stable)
    assert [m["role"] for m in r.messages] == [m["role"] for m in msgs]
    assert r.over_budget == max(r.compressed_tokens - r.budget, 0)
    last = max(i for i, m in enumerate(msgs) if m["role"] == "user")
    for i, (a, b) in enumerate(zip(msgs, r.messages)):
        if a["role"] in ("system", "developer") or i == last:
            assert a == b
