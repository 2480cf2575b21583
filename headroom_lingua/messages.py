"""Compress OpenAI-style chat message lists under one budget, prefix-cache friendly.

Every message keeps its role, keys, key order and position; only text is cut (a ``str`` content or
the ``text`` of ``{"type": "text"}`` parts). Images, audio, other parts, ``tool_calls`` and every
other key come back untouched. Token accounting, in the budget tokenizer: a message costs its role,
its text, and the JSON of its other keys and non-text parts; the budget holds over the whole list.

Policy: ``system``/``developer`` messages and the last user message stay verbatim; the other turns
and tool outputs are compressed, tool outputs harder (``tool_weight``).

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
import json
import math
import time
from collections.abc import Mapping
from typing import Any, Iterable, Sequence

import numpy as np

from .errors import BudgetError, ConfigError, InputError
from .multiselect import render, select_pieces
from .protect import find_protected
from .segment import Units, segment

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
PROGRESS_MIN_TOKENS = 4096


@dataclasses.dataclass(frozen=True)
class MessagesConfig:
    """Which messages are compressed and how hard.

    Attributes:
        verbatim_roles: roles never compressed (default system and developer).
        keep_last_user: keep the last user message verbatim.
        tool_weight: keep weight of tool outputs relative to other turns (< 1: compressed harder).
        age_decay: ``stable=False`` only: keep weight multiplies by this for each later user turn.
        headroom: ``stable=True``: the account keeps ``headroom x (1 - rate)`` x the longest user
            message so far in reserve, for the verbatim last user message (higher: fewer
            fallbacks, a little more compression).
        payback: ``stable=True``: share of the balance's distance to the reserve each turn settles.
        min_share: ``stable=True``: a turn keeps at least this share of its allowance, however
            deep the account is in deficit (e.g. after a long system prompt).
        rate_step: ``stable=True`` with ``target_tokens``: the stable rate is a power of this.
    """

    verbatim_roles: tuple[str, ...] = ("system", "developer")
    keep_last_user: bool = True
    tool_weight: float = 0.6
    age_decay: float = 0.75
    headroom: float = 1.5
    payback: float = 0.5
    min_share: float = 0.25
    rate_step: float = 0.8

    def __post_init__(self) -> None:
        if isinstance(self.verbatim_roles, str) or any(r not in ROLES for r in self.verbatim_roles):
            raise ConfigError(f"verbatim_roles must be a tuple of roles from {list(ROLES)}, got {self.verbatim_roles!r}")
        object.__setattr__(self, "verbatim_roles", tuple(self.verbatim_roles))
        for name in ("tool_weight", "age_decay", "rate_step"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise ConfigError(f"{name} must be a number in (0, 1], got {value!r}")
        for name in ("payback", "min_share"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ConfigError(f"{name} must be a number in [0, 1], got {value!r}")
        if not isinstance(self.headroom, (int, float)) or not 0 <= self.headroom <= 10:
            raise ConfigError(f"headroom must be a number in [0, 10], got {self.headroom!r}")
        if self.rate_step == 1:
            raise ConfigError("rate_step must be below 1 (it is the ratio between stable rates)")

    def replace(self, **changes: Any) -> "MessagesConfig":
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True)
class MessageStat:
    """Figures for one message: its tokens before and after, and whether it was kept verbatim."""

    index: int
    role: str
    original_tokens: int
    compressed_tokens: int
    verbatim: bool


@dataclasses.dataclass(frozen=True)
class MessagesResult:
    """What ``compress_messages`` returns.

    Attributes:
        messages: the compressed list (new dicts; same roles, keys, key order and positions).
        original_tokens / compressed_tokens: the whole list, counted as described in the module.
        rate, ratio: compressed / original and original / compressed.
        budget: the token budget; tokenizer: the budget tokenizer's name; seconds: wall time.
        stable: True when every message's form depends only on the messages up to it.
        stable_rate: the per-turn rate of the stable account (None with ``stable=False``).
        stats: per-message figures.
    """

    messages: list[dict[str, Any]]
    original_tokens: int
    compressed_tokens: int
    rate: float
    ratio: float
    budget: int
    tokenizer: str
    seconds: float
    stable: bool
    stable_rate: float | None
    stats: tuple[MessageStat, ...]

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["stats"] = [dataclasses.asdict(s) for s in self.stats]
        return data


@dataclasses.dataclass
class _Msg:
    """One parsed message: its fixed cost and its text parts (part index None: str content)."""

    index: int
    role: str
    fixed: int
    texts: list[tuple[int | None, str]]
    verbatim: bool
    text_tokens: list[int] = dataclasses.field(default_factory=list)

    @property
    def tokens(self) -> int:
        return self.fixed + sum(self.text_tokens)


# -- parsing ---------------------------------------------------------------------------------------
def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _text_parts(i: int, content: Any) -> tuple[list[tuple[int | None, str]], list[Any]]:
    """(text parts, other parts) of message i's content, or a clear error naming the field."""
    from .compressor import check_text

    if content is None:
        return [], []
    if isinstance(content, str):
        return [(None, check_text(content, f"messages[{i}].content"))], []
    if not isinstance(content, (list, tuple)):
        raise TypeError(f"messages[{i}].content must be a str, a list of parts or None, got {type(content).__name__}")
    texts, other = [], []
    for j, part in enumerate(content):
        where = f"messages[{i}].content[{j}]"
        if not isinstance(part, Mapping):
            raise TypeError(f"{where} must be a dict with a 'type' key, got {type(part).__name__}")
        if "type" not in part:
            raise InputError(f"{where} has no 'type' key (e.g. {{'type': 'text', 'text': ...}})")
        if part["type"] == "text":
            if not isinstance(part.get("text"), str):
                raise TypeError(f"{where}.text must be a str, got {type(part.get('text')).__name__}")
            texts.append((j, check_text(part["text"], f"{where}.text")))
        else:
            other.append(part)
    return texts, other


def parse_messages(messages: Any, counter: Any, cfg: MessagesConfig) -> list[_Msg]:
    """Validate an OpenAI-style list and count each message's parts; errors name the index."""
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        raise TypeError(f"messages must be a list of dicts, got {type(messages).__name__}")
    parsed = []
    for i, msg in enumerate(messages):
        if not isinstance(msg, Mapping):
            raise TypeError(f"messages[{i}] must be a dict with 'role' and 'content', got {type(msg).__name__}")
        if "role" not in msg:
            raise InputError(f"messages[{i}] has no 'role'; use one of {list(ROLES)}")
        role = msg["role"]
        if role not in ROLES:
            raise InputError(f"messages[{i}].role={role!r} is not one of {list(ROLES)}")
        texts, other = _text_parts(i, msg.get("content"))
        rest = {k: v for k, v in msg.items() if k not in ("role", "content")}
        fixed = counter.count(role) + (counter.count(_json(rest)) if rest else 0)
        fixed += sum(counter.count(_json(p)) for p in other)
        parsed.append(_Msg(i, role, fixed, texts, role in cfg.verbatim_roles,
                           [counter.count(t) for _, t in texts]))
    users = [m.index for m in parsed if m.role == "user"]
    if cfg.keep_last_user and users:
        parsed[users[-1]].verbatim = True
    return parsed


# -- the call --------------------------------------------------------------------------------------
@dataclasses.dataclass
class _Piece:
    """One compressible text part: owning message, part index, units and scores."""

    msg: int
    part: int | None
    units: Units
    tokens: int
    scores: np.ndarray | None = None


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
    from .compressor import resolve_budget
    from .documents import resolve_compressor

    start = time.perf_counter()
    cfg = config or MessagesConfig()
    if not isinstance(stable, bool):
        raise TypeError(f"stable must be a bool, got {stable!r}")
    compressor = resolve_compressor(model)
    counter = compressor.counter(tokenizer)
    msgs = parse_messages(messages, counter, cfg)
    original = sum(m.tokens for m in msgs)
    budget = resolve_budget(max(original, 1), rate, target_tokens)
    fixed = sum(m.fixed for m in msgs) + sum(n for m in msgs for (_, t), n in zip(m.texts, m.text_tokens)
                                             if m.verbatim or not t.strip())
    if fixed > budget:
        raise BudgetError(f"verbatim content (system/developer messages, the last user message, roles, tool "
                          f"calls and non-text parts) is {fixed} tokens, {fixed - budget} over the budget of "
                          f"{budget}; raise the budget or set MessagesConfig(keep_last_user=False)")
    pieces = _pieces(msgs, cfg, compressor.config.protect, force, with_last_user=stable)
    texts: dict[tuple[int, int | None], str] = {}
    stable_rate = None
    if budget < original and any(not msgs[p.msg].verbatim for p in pieces):
        _score(compressor.scorer, pieces, batched=not stable, progress=progress)
        if stable:
            stable_rate = rate if rate is not None else _step_rate(target_tokens / original, cfg.rate_step)
            texts = _stable(msgs, pieces, stable_rate, cfg, counter)
            if fixed + _text_cost(msgs, texts, counter) > budget:
                stable, stable_rate = False, None
        if not stable:
            own = [p for p in pieces if not msgs[p.msg].verbatim]
            texts = _global(msgs, own, budget - fixed, cfg, counter, compressor.config)
    return _result(messages, msgs, texts, counter, original, budget, stable, stable_rate,
                   time.perf_counter() - start)


def _pieces(msgs: list[_Msg], cfg: MessagesConfig, protect: tuple[str, ...], force: Iterable,
            with_last_user: bool) -> list[_Piece]:
    """Segmented text parts of the compressible messages. The stable account also needs the last
    user message's would-be cost (so that it does not depend on which message is last); that
    message is output verbatim all the same."""
    force = tuple(force) if not isinstance(force, str) else (force,)
    return [_Piece(m.index, j, segment(t, find_protected(t, protect, force)), n)
            for m in msgs if not m.verbatim or (with_last_user and m.role not in cfg.verbatim_roles)
            for (j, t), n in zip(m.texts, m.text_tokens) if t.strip()]


def _step_rate(ratio: float, step: float) -> float:
    """The largest power of ``step`` at or below ``ratio`` (ratio in (0, 1)).

    >>> _step_rate(0.5, 0.8)
    0.4096
    """
    k = math.ceil(math.log(ratio) / math.log(step) - 1e-9)
    return round(step ** max(k, 0), 12)


def _score(scorer: Any, pieces: list[_Piece], batched: bool, progress: bool) -> None:
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
                p.scores = np.asarray(s, dtype=np.float64)
            if bar is not None:
                bar.update(len(group))
    finally:
        if bar is not None:
            bar.close()


def _count_pieces(pieces: list[_Piece], masks: list[np.ndarray], counter: Any) -> int:
    return sum(counter.count(render(p.units, m)[0]) for p, m in zip(pieces, masks))


def _stable(msgs: list[_Msg], pieces: list[_Piece], rate: float, cfg: MessagesConfig, counter: Any
            ) -> dict[tuple[int, int | None], str]:
    """Each message compressed alone, to a budget from the running account over the messages
    before it (see the module docstring). Returns the compressed text of every piece."""
    by_msg: dict[int, list[_Piece]] = {}
    for p in pieces:
        by_msg.setdefault(p.msg, []).append(p)
    texts, balance, longest_user = {}, 0.0, 0
    for m in msgs:
        allowance = rate * m.tokens * (cfg.tool_weight if m.role == "tool" else 1.0)
        longest_user = max(longest_user, m.tokens if m.role == "user" else 0)
        reserve = cfg.headroom * (1 - rate) * longest_user
        own = by_msg.get(m.index, [])
        cost = m.tokens
        if own:  # a compressible message, or the last user message (its would-be form is not output)
            target = max(allowance + cfg.payback * (balance - reserve), cfg.min_share * allowance)
            rest = m.tokens - sum(p.tokens for p in own)  # role, other keys, parts, blank text
            masks = _fit_soft(own, math.floor(target) - rest, counter)
            if not m.verbatim:
                texts.update({(p.msg, p.part): render(p.units, k)[0] for p, k in zip(own, masks)})
            cost = rest + _count_pieces(own, masks, counter)
        balance += allowance - cost
    return texts


def _fit_soft(own: list[_Piece], room: int, counter: Any) -> list[np.ndarray]:
    """Best masks for one message's pieces within ``room`` text tokens; when its protected text
    alone is over, that protected text is kept (the overspend goes to the running account)."""
    try:
        masks, _ = select_pieces([p.units for p in own], [p.scores for p in own], room, counter,
                                 count=lambda ms: _count_pieces(own, ms, counter))
        return masks
    except BudgetError:
        return [p.units.protected.copy() for p in own]


def _global(msgs: list[_Msg], pieces: list[_Piece], room: int, cfg: MessagesConfig, counter: Any,
            compression: Any) -> dict[tuple[int, int | None], str]:
    """One selection over all pieces; keep weights fall with the user turns after each message."""
    users_after = np.cumsum([m.role == "user" for m in msgs][::-1])[::-1]  # users at or after each index
    weights = []
    for p in pieces:
        m = msgs[p.msg]
        age = int(users_after[p.msg]) - (m.role == "user")
        weights.append(cfg.age_decay ** age * (cfg.tool_weight if m.role == "tool" else 1.0))
    masks, _ = select_pieces([p.units for p in pieces], [p.scores for p in pieces], room, counter,
                             count=lambda ms: _count_pieces(pieces, ms, counter), weights=weights,
                             on_overflow=compression.on_overflow, protect_share=compression.protect_share)
    return {(p.msg, p.part): render(p.units, k)[0] for p, k in zip(pieces, masks)}


def _text_cost(msgs: list[_Msg], texts: dict[tuple[int, int | None], str], counter: Any) -> int:
    """Tokens of the compressible messages' text after compression (verbatim ones excluded)."""
    total = 0
    for m in msgs:
        if not m.verbatim:
            total += sum(counter.count(texts.get((m.index, j), t)) if t.strip() else n
                         for (j, t), n in zip(m.texts, m.text_tokens))
    return total


def _rebuild(msg: Mapping, texts: dict[int | None, str]) -> dict[str, Any]:
    out = copy.deepcopy(dict(msg))
    for part, text in texts.items():
        if part is None:
            out["content"] = text
        else:
            out["content"][part] = {**out["content"][part], "text": text}
    return out


def _result(raw: Sequence[Mapping], msgs: list[_Msg], texts: dict[tuple[int, int | None], str], counter: Any,
            original: int, budget: int, stable: bool, stable_rate: float | None, seconds: float) -> MessagesResult:
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
                          stable_rate, tuple(stats))
