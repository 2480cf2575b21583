"""Methods for the ``chat-history`` suite, whose context is a JSON message list:

- ``messages``: ``headroom_lingua.compress_messages`` (stable by default; settings are fields of
  ``MessagesConfig`` plus ``stable``, e.g. ``messages:stable=false`` or ``messages:steps=[]``);
- ``truncate-turns``: drop the oldest turns (system messages stay) until the history fits, what
  chat apps do.

Both are held to ``floor(rate x history tokens)``, counted as ``compress_messages`` counts a list
(role, text, other keys) in the target's tokenizer. ``messages`` sees the question as the last
user message (kept verbatim, outside the budget), as a chat app would send it.

Example:
    >>> from headroom_lingua_eval.targets import WordCounter
    >>> from headroom_lingua_eval.suites import Example
    >>> hist = [{"role": "user", "content": "one two three"}, {"role": "assistant", "content": "four five"}]
    >>> c = TruncateTurns(WordCounter()).compress(Example("1", json.dumps(hist), "q?", ()), rate=0.5)
    >>> json.loads(c.text), c.compressed_tokens <= c.budget
    ([{'role': 'assistant', 'content': 'four five'}], True)
"""

from __future__ import annotations

import json
import time
from typing import Any

from headroom_lingua.engine.budget import TokenCounter

from .method_base import Compressed, Method, budget_for
from .suite_base import Example


def message_tokens(msg: dict, counter: TokenCounter) -> int:
    """A message's tokens as ``compress_messages`` counts them (str content)."""
    rest = {k: v for k, v in msg.items() if k not in ("role", "content")}
    return (counter.count(msg["role"]) + (counter.count(json.dumps(rest, ensure_ascii=False)) if rest else 0)
            + counter.count(msg.get("content") or ""))


class TruncateTurns(Method):
    """Oldest non-system turns dropped until the history fits the budget."""

    name = "truncate-turns"

    def __init__(self, counter: TokenCounter):
        self.counter = counter

    def compress(self, example: Example, rate: float) -> Compressed:
        start = time.perf_counter()
        history = json.loads(example.context)
        costs = [message_tokens(m, self.counter) for m in history]
        original = sum(costs)
        budget = budget_for(original, rate)
        keep = [True] * len(history)
        total = original
        for i, m in enumerate(history):
            if total <= budget:
                break
            if m["role"] not in ("system", "developer"):
                keep[i], total = False, total - costs[i]
        kept = [m for m, k in zip(history, keep) if k]
        return Compressed(json.dumps(kept, ensure_ascii=False), original, total, budget, time.perf_counter() - start)


class MessagesMethod(Method):
    """``compress_messages`` over the history plus the question as the last user message."""

    def __init__(self, name: str, compressor: Any, config: Any, stable: bool = True):
        self.name, self.compressor, self.config, self.stable = name, compressor, config, stable

    def compress(self, example: Example, rate: float) -> Compressed:
        from headroom_lingua import compress_messages

        counter = self.compressor.counter()
        history = json.loads(example.context)
        question = {"role": "user", "content": example.question}
        original = sum(message_tokens(m, counter) for m in history)
        budget = budget_for(original, rate)
        asked = message_tokens(question, counter)
        r = compress_messages(history + [question], target_tokens=budget + asked, model=self.compressor,
                              stable=self.stable, config=self.config)
        return Compressed(json.dumps(r.messages[:-1], ensure_ascii=False), original, r.compressed_tokens - asked,
                          budget, r.seconds)
