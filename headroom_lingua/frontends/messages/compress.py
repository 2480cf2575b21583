"""Compress OpenAI-style chat message lists under one budget, prefix-cache friendly.

Every message keeps its role, keys, key order and position; only text is cut (a ``str`` content or
the ``text`` of ``{"type": "text"}`` parts). Images, audio, other parts, ``tool_calls`` and every
other key come back untouched. Token accounting, in the budget tokenizer: a message costs its role,
its text, and the JSON of its other keys and non-text parts; the budget holds over the whole list.

Policy: ``system``/``developer`` messages and the last user message stay verbatim; the other turns
and tool outputs are compressed, tool outputs harder (``tool_weight``). A valid conversation never
raises for its budget (unless ``CompressionConfig(on_overflow="raise")``): protected spans in the
compressible turns yield by priority (see ``engine.protect.PRIORITY``), and when the verbatim parts
alone exceed the budget, every compressible turn goes to its minimum (its ``force=`` items only)
and ``MessagesResult.over_budget`` says by how many tokens the result is over.

``stable=True`` (default): a message's compressed form depends only on itself and the messages
before it, so a conversation compressed again with more turns appended keeps its earlier turns
byte-identical and provider prefix caches keep hitting. Each turn gets a budget from a running
account over the prefix: its allowance (``rate`` x its tokens, x ``tool_weight`` for tool outputs)
plus a share (``payback``) of the account's balance above a reserve. The balance is what earlier
turns saved (negative after a verbatim system prompt); the reserve, ``headroom x (1 - rate) x`` the
longest user message so far, is kept for the verbatim last user message. The last user message
is accounted as if compressed (as it will be once it is no longer last), so nothing in the account
depends on which message is last. If the total still exceeds the budget (a last user message much
longer than any before it), the call falls back to the global selection below and reports
``stable=False``; the cache then misses once. With ``target_tokens`` the stable
rate is the largest power of ``rate_step`` under ``target_tokens / original``, so it changes (and
the cache misses once) only when the conversation outgrows a step.

``stable=False``: one global selection over all compressible text, older turns harder: a turn's
keep weight is ``age_decay ** (user turns after it)``. It fills the budget (>= 97%) but any new turn
may change every earlier one.

Example:
    >>> from headroom_lingua import Compressor
    >>> from headroom_lingua.scorers import LengthScorer
    >>> msgs = [{"role": "system", "content": "Be brief."},
    ...         {"role": "user", "content": "Tell me about the quarterly revenue figures of our team please."},
    ...         {"role": "assistant", "content": "Revenue grew strongly, mostly thanks to the new product line."},
    ...         {"role": "user", "content": "Why?"}]
    >>> r = compress_messages(msgs, rate=0.7, model=Compressor(LengthScorer(), tokenizer="cl100k"))
    >>> [m["role"] for m in r.messages], r.messages[-1]["content"], r.compressed_tokens <= r.budget
    (['system', 'user', 'assistant', 'user'], 'Why?', True)
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from collections.abc import Mapping
from typing import Any, Iterable, Sequence


from ...engine import as_force, check_budget_args, resolve_budget
from ...errors import BudgetError
from ...loading import resolve
from ...structure.apply import engine_spans
from ..prepare import prepare_units, prioritised
from .config import MessagesConfig, MessagesResult, MessageStat
from .fit import Piece, global_texts, stable_texts, text_cost
from .parse import Msg, parse_messages
from ..strings import scored_shortener
from .steps import apply_steps

PROGRESS_MIN_TOKENS = 4096


def compress_messages(messages: Any, *, target_tokens: int | None = None, rate: float | None = None,
                      model: Any = None, tokenizer: Any = None, stable: bool = True, force: Iterable = (),
                      config: MessagesConfig | None = None, progress: bool = False) -> MessagesResult:
    """Compress an OpenAI-style message list to ``rate`` of its tokens or to ``target_tokens``.

    ``model``: a name, folder or ``Compressor`` (its scorer, budget tokenizer and protection are
    used); ``stable``: see the module docstring; ``progress``: a progress bar for long inputs.

    Example:
        >>> r = compress_messages(history, rate=0.5)  # doctest: +SKIP
        >>> client.chat.completions.create(model=..., messages=r.messages)  # doctest: +SKIP
    """
    start = time.perf_counter()
    check_budget_args(rate, target_tokens)
    force = as_force(force)
    cfg = config or MessagesConfig()
    if not isinstance(stable, bool):
        raise TypeError(f"stable must be a bool, got {stable!r}")
    compressor = resolve(model)
    counter = compressor.counter(tokenizer)
    msgs = parse_messages(messages, counter, cfg)
    original = sum(m.tokens for m in msgs)
    budget = resolve_budget(max(original, 1), rate, target_tokens)
    stepped, step_stats = {}, ()
    if budget < original:
        msgs, stepped, step_stats = apply_steps(msgs, cfg, counter, stable, force,
                                                scored_shortener(compressor, counter, force), budget / original)
    fixed = _check_fixed(_fixed(msgs), budget, compressor.config.on_overflow)
    pieces = _pieces(msgs, cfg, compressor.config.protect, force, with_last_user=stable)
    original_texts = {(m.index, j): t for m in msgs for j, t in m.texts}
    texts: dict[tuple[int, int | None], str] = {}
    gave_way: list[str] = []
    stable_rate = None
    if budget < original and any(not msgs[p.msg].verbatim for p in pieces):
        _score(compressor.scorer, pieces, batched=not stable, progress=progress)
        if stable:
            stable_rate = rate if rate is not None else _step_rate(target_tokens / original, cfg.rate_step)
            texts = stable_texts(msgs, pieces, stable_rate, cfg, counter, compressor.config)
            if fixed + text_cost(msgs, texts, counter) > budget:
                stable, stable_rate = False, None
        if not stable:
            own = [p for p in pieces if not msgs[p.msg].verbatim]
            texts, gave_way = global_texts(msgs, own, max(budget - fixed, 0), cfg, counter, compressor.config)
    texts = {**stepped, **texts}
    result = _result(messages, msgs, {k: v for k, v in texts.items() if v != original_texts.get(k) or k in stepped},
                     counter, original, budget, stable, stable_rate, time.perf_counter() - start, tuple(gave_way))
    return dataclasses.replace(result, steps=step_stats)


def _fixed(msgs: list[Msg]) -> int:
    """Tokens nothing can cut: roles, other keys and parts, verbatim and blank texts."""
    return sum(m.fixed for m in msgs) + sum(n for m in msgs for (_, t), n in zip(m.texts, m.text_tokens)
                                            if m.verbatim or not t.strip())


def _check_fixed(fixed: int, budget: int, on_overflow: str) -> int:
    """``fixed``; over the budget it raises only under ``on_overflow="raise"`` (otherwise
    ``over_budget`` says by how much)."""
    if fixed > budget and on_overflow == "raise":
        raise BudgetError(f"verbatim content (system/developer messages, the last user message, roles, tool "
                          f"calls and non-text parts) is {fixed} tokens, {fixed - budget} over the budget of "
                          f"{budget}; raise the budget or set MessagesConfig(keep_last_user=False)")
    return fixed


def _pieces(msgs: list[Msg], cfg: MessagesConfig, protect: tuple[str, ...], force: Iterable,
            with_last_user: bool) -> list[Piece]:
    """Segmented text parts of the compressible messages. The stable account also needs the last
    user message's would-be cost (so that it does not depend on which message is last); that
    message is output verbatim all the same."""
    def units(m: Msg, t: str) -> Any:
        return prepare_units(t, protect, force, *engine_spans(t, protect, () if m.verbatim else cfg.steps))

    return [Piece(m.index, j, units(m, t), n)
            for m in msgs if not m.verbatim or (with_last_user and m.role not in cfg.verbatim_roles)
            for (j, t), n in zip(m.texts, m.text_tokens) if t.strip()]


def _step_rate(ratio: float, step: float) -> float:
    """The largest power of ``step`` at or below ``ratio`` (ratio in (0, 1)).

    >>> _step_rate(0.5, 0.8)
    0.4096
    """
    k = math.ceil(math.log(ratio) / math.log(step) - 1e-9)
    return round(step ** max(k, 0), 12)


def _score(scorer: Any, pieces: list[Piece], batched: bool, progress: bool) -> None:
    """Scores for every piece. Stable mode scores each piece alone, so that its scores (and so its
    compressed form) cannot depend on which other messages share a padded batch."""
    bar = None
    if progress and sum(len(p.units) for p in pieces) >= PROGRESS_MIN_TOKENS:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(pieces), desc="scoring messages", unit="part", leave=False)
    step = 8 if batched else 1
    try:
        for a in range(0, len(pieces), step):
            group = pieces[a:a + step]
            for p, s in zip(group, scorer.score_batch([p.units for p in group])):
                p.scores = prioritised(p.units, s)
            if bar is not None:
                bar.update(len(group))
    finally:
        if bar is not None:
            bar.close()


def _rebuild(msg: Mapping, texts: dict[int | None, str]) -> dict[str, Any]:
    out = copy.deepcopy(dict(msg))
    for part, text in texts.items():
        if part is None:
            out["content"] = text
        else:
            out["content"][part] = {**out["content"][part], "text": text}
    return out


def _result(raw: Sequence[Mapping], msgs: list[Msg], texts: dict[tuple[int, int | None], str], counter: Any,
            original: int, budget: int, stable: bool, stable_rate: float | None, seconds: float,
            gave_way: tuple[str, ...]) -> MessagesResult:
    out, stats, total = [], [], 0
    for m in msgs:
        own = {j: texts[(m.index, j)] for j, _ in m.texts if (m.index, j) in texts}
        out.append(_rebuild(raw[m.index], own))
        tokens = m.fixed + sum(counter.count(own[j]) if j in own else n for (j, _), n in zip(m.texts, m.text_tokens))
        stats.append(MessageStat(m.index, m.role, m.tokens, tokens, m.verbatim))
        total += tokens
    rate = total / original if original else 1.0
    ratio = original / total if total else (1.0 if not original else float("inf"))
    return MessagesResult(out, original, total, rate, ratio, budget, counter.name, seconds, stable,
                          stable_rate, tuple(stats), gave_way, max(total - budget, 0))
