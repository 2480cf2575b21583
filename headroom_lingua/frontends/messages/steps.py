"""Structure steps on a conversation before scoring: repeats across messages first (``dedup``, in
stable mode when the conversation is compressed stably, so earlier turns stay byte-identical),
then structural noise, JSON shrunk by structure (tool outputs and any text part holding JSON; the
words of the last user message and the ``force`` strings are its keep terms) and logs folded.
Verbatim messages (system/developer, the last user message) are never changed but still count
as the earlier copies that later repeats point back to."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable

from ...structure.apply import StepStat, query_terms, run_steps
from .config import MessagesConfig
from .parse import Msg

JSON_SHARE = 0.8  # a text's JSON aims at this part of the text's share of the budget: the words around it,
# and the rest of the conversation (whose verbatim parts are fixed), need room too, and a JSON value that
# does not fit its message yields whole


def apply_steps(msgs: list[Msg], cfg: MessagesConfig, counter: Any, stable: bool, force: Iterable,
                shorten: Callable[[str, int], str] | None = None, share: float | None = None
                ) -> tuple[list[Msg], dict[tuple[int, int | None], str], tuple[StepStat, ...]]:
    """(messages with their text parts after the steps, the changed texts by (message, part), stats).
    ``shorten``: how long JSON strings are shortened (``frontends.strings``); ``share``: the
    budget's share of the conversation: each text's JSON keeps fewer array items until it fits
    ``JSON_SHARE`` of that share of the text's tokens (None: no target)."""
    flat = [(m, j, t) for m in msgs for j, t in m.texts]
    if not cfg.steps or not flat:
        return msgs, {}, ()
    tokens = [n for m in msgs for n in m.text_tokens]  # parallel to ``flat``
    users = [m for m in msgs if m.role == "user"]
    terms = query_terms(" ".join(t for _, t in users[-1].texts) if users else "", force)
    out, stats = run_steps([t for _, _, t in flat], [not m.verbatim for m, _, _ in flat], cfg.steps, counter.count,
                           stable=stable, names=[f"message {m.index + 1}" for m, _, _ in flat], keep_terms=terms,
                           shorten=shorten, json_targets=None if share is None else
                           [max(1, int(JSON_SHARE * share * n)) for n in tokens])
    changed = {(m.index, j): new for (m, j, t), new in zip(flat, out) if new != t}
    if not changed:
        return msgs, {}, stats
    result = []
    for m in msgs:
        if not any((m.index, j) in changed for j, _ in m.texts):
            result.append(m)
            continue
        texts = [(j, changed.get((m.index, j), t)) for j, t in m.texts]
        tokens = [counter.count(changed[(m.index, j)]) if (m.index, j) in changed else n
                  for (j, _), n in zip(m.texts, m.text_tokens)]
        result.append(dataclasses.replace(m, texts=texts, text_tokens=tokens))
    return result, changed, stats
