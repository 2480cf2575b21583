"""How a conversation's compressible text parts are fitted to the budget: the stable running
account (each message alone, to a budget from the messages before it) or one global selection
with older turns harder. Both call the engine's ``fit``."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ...engine import FORCE, Units, fit, render, summed, yielded
from ...errors import BudgetError
from .config import MessagesConfig
from .parse import Msg


@dataclasses.dataclass
class Piece:
    """One compressible text part: owning message, part index, units and scores."""

    msg: int
    part: int | None
    units: Units
    tokens: int
    scores: np.ndarray | None = None


def _count_pieces(pieces: list[Piece], masks: list[np.ndarray], counter: Any) -> int:
    return sum(counter.count(render(p.units, m)[0]) for p, m in zip(pieces, masks))


def stable_texts(msgs: list[Msg], pieces: list[Piece], rate: float, cfg: MessagesConfig, counter: Any,
                 compression: Any = None) -> dict[tuple[int, int | None], str]:
    """Each message compressed alone, to a budget from the running account over the messages
    before it (see the module docstring). Returns the compressed text of every piece.
    ``compression``: the ``CompressionConfig`` whose sentence step applies (None: none)."""
    by_msg: dict[int, list[Piece]] = {}
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
            masks = _fit_soft(own, math.floor(target) - rest, counter, compression)
            if not m.verbatim:
                texts.update({(p.msg, p.part): render(p.units, k)[0] for p, k in zip(own, masks)})
            cost = rest + _count_pieces(own, masks, counter)
        balance += allowance - cost
    return texts


def _fit_soft(own: list[Piece], room: int, counter: Any, compression: Any = None) -> list[np.ndarray]:
    """Best masks for one message's pieces within ``room`` text tokens; when its protected text
    alone is over, that protected text is kept (the overspend goes to the running account)."""
    try:
        units = [p.units for p in own]
        masks, _ = fit(units, [p.scores for p in own], room, counter, summed(units, counter), on_overflow="raise",
                       **({} if compression is None else compression.sentence_step))
        return masks
    except BudgetError:
        return [p.units.protected.copy() for p in own]


def global_texts(msgs: list[Msg], pieces: list[Piece], room: int, cfg: MessagesConfig, counter: Any,
            compression: Any) -> tuple[dict[tuple[int, int | None], str], list[str]]:
    """One selection over all pieces; keep weights fall with the user turns after each message.
    Returns the compressed text of every piece and the protected spans that yielded."""
    users_after = np.cumsum([m.role == "user" for m in msgs][::-1])[::-1]  # users at or after each index
    weights = []
    for p in pieces:
        m = msgs[p.msg]
        age = int(users_after[p.msg]) - (m.role == "user")
        weights.append(cfg.age_decay ** age * (cfg.tool_weight if m.role == "tool" else 1.0))
    units = [p.units for p in pieces]
    if room <= 0 and compression.on_overflow != "raise":  # the verbatim parts alone are over: the minimum
        masks = [u.priority >= FORCE for u in units]
    else:
        masks, _ = fit(units, [p.scores for p in pieces], room, counter, summed(units, counter), weights=weights,
                       on_overflow=compression.on_overflow, protect_share=compression.protect_share,
                       **compression.sentence_step)
    texts = {(p.msg, p.part): render(p.units, k)[0] for p, k in zip(pieces, masks)}
    return texts, [t for p, k in zip(pieces, masks) for t in yielded(p.units, k)]


def text_cost(msgs: list[Msg], texts: dict[tuple[int, int | None], str], counter: Any) -> int:
    """Tokens of the compressible messages' text after compression (verbatim ones excluded)."""
    total = 0
    for m in msgs:
        if not m.verbatim:
            total += sum(counter.count(texts.get((m.index, j), t)) if t.strip() else n
                         for (j, t), n in zip(m.texts, m.text_tokens))
    return total
