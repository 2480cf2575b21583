"""Fit: pieces (units with scores) -> one keep-mask per piece under one exact token budget.

This is the only place the exact-budget search is driven from. Every front end turns its input
into pieces (one text, the documents of a prompt, the text parts of a conversation), gives the
scores its scorer produced and an assembly rule, ``measure(masks) -> tokens``, that renders the
pieces, assembles them as the output will be (joined by separators, with fixed parts around
them) and counts that in the budget tokenizer. So the budget is exact whatever joins the pieces.

Two ways to make units of different pieces comparable:

- ``weights=None``: the raw scores compete globally (as if the pieces were one text);
- ``weights`` (one positive number per piece): each unit's key is its score *percentile* within
  its piece divided by the piece's weight, so at any budget a piece keeps a share of its units
  proportional to its weight (a dynamic ratio: relevant documents, recent turns keep more).

Example:
    >>> import numpy as np
    >>> from headroom_lingua.engine.budget import get_counter
    >>> from headroom_lingua.engine.segment import segment
    >>> pieces = [segment("alpha beta gamma delta"), segment("one two three four")]
    >>> counter = get_counter("cl100k")
    >>> masks, used = fit(pieces, [np.arange(4.0), np.arange(4.0)], 4, counter,
    ...                   measure=summed(pieces, counter), weights=[3.0, 1.0])
    >>> [int(m.sum()) for m in masks]
    [3, 1]
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..errors import ConfigError
from .budget import TokenCounter
from .protect import FORCE, PRIORITY
from .render import count_rendered, render
from .segment import Units
from .select import ranking, select
from .sentences import SENTENCE_CUTS, SENTENCE_FACTS, coarse, cut_for, sentence_ids

Measure = Callable[[list[np.ndarray]], int]
"""The assembly rule: keep-masks of every piece -> tokens of the output they make."""


def unit_costs(units: Units, counter: TokenCounter, token_starts: np.ndarray | None = None) -> np.ndarray:
    """Additive token-cost estimate per unit: each token is charged to the unit it starts in
    (or the next one). Only seeds the exact search in ``select``. ``token_starts``: the budget
    tokenizer's token starts in ``units.text``, when the caller has them already."""
    if not len(units):
        return np.zeros(0, dtype=np.int64)
    starts = counter.token_starts(units.text) if token_starts is None else token_starts
    owner = np.minimum(np.searchsorted(units.ends, starts, side="right"), len(units) - 1)
    return np.bincount(owner, minlength=len(units))


def percentile_keys(scores: np.ndarray, weight: float) -> np.ndarray:
    """Keys in (-1/weight, 0): the best unit of a piece gets the key nearest 0."""
    n = len(scores)
    keys = np.empty(n, dtype=np.float64)
    order = ranking(np.asarray(scores, dtype=np.float64), np.ones(n, dtype=bool))
    keys[order] = -(np.arange(n) + 0.5) / max(n, 1) / weight
    return keys


def summed(pieces: Sequence[Units], counter: TokenCounter) -> Measure:
    """The assembly rule of pieces counted one by one (each is sent as its own text)."""
    return lambda masks: sum(counter.count(render(p, m)[0]) for p, m in zip(pieces, masks))


def joined(pieces: Sequence[Units], counter: TokenCounter, assemble: Callable[[list[str]], str]) -> Measure:
    """The assembly rule of pieces rendered, assembled into one text by ``assemble`` and counted."""
    return lambda masks: counter.count(assemble([render(p, m)[0] for p, m in zip(pieces, masks)]))


def text_table(counter: TokenCounter, text: str) -> Any:
    """The counter's pre-token table of ``text`` (``pretokens.PretokenTable``: token starts, and
    what ``as_sent`` counts renderings from), or None where the counter has none."""
    table = getattr(counter, "table", None)
    return table(text) if table is not None else None


def as_sent(units: Units, counter: TokenCounter, table: Any = None) -> Measure:
    """The assembly rule of one text sent on its own: its rendering, counted. With the counter's
    ``table`` of the text (``text_table``), counted from the table without building the text
    (``render.count_rendered``, exact)."""
    if table is None:
        return joined([units], counter, "".join)
    return lambda masks: count_rendered(units, masks[0], table, counter.count)


def yielded(units: Units, keep: np.ndarray, width: int = 40) -> list[str]:
    """The protected spans of ``units`` that ``keep`` left out, shortened to ``width`` characters."""
    out = []
    for i in np.flatnonzero(units.protected & ~np.asarray(keep, dtype=bool)).tolist():
        text = " ".join(units.text[units.starts[i]:units.ends[i]].split())
        out.append(text if len(text) <= width else text[:width - 1] + "…")
    return out


def fit(pieces: Sequence[Units], scores: Sequence[np.ndarray], budget: int, counter: TokenCounter,
        measure: Measure, weights: Sequence[float] | None = None, on_overflow: str = "raise",
        protect_share: float = 1.0, costs: Sequence[np.ndarray] | None = None,
        sentence_slack: float | None = None, sentence_facts: str = "keep",
        sentence_cut: str = "spread") -> tuple[list[np.ndarray], int]:
    """One keep-mask per piece, jointly the most top-ranked units whose assembled output
    (``measure(masks)``) fits ``budget``, and that count. Protected units are kept; when they
    alone exceed the budget, ``BudgetError`` (``on_overflow="raise"``), they become droppable
    (``"drop"``) or they give way by priority (``"yield"``, see ``select``); ``protect_share``
    as in ``select``. ``costs``: per-piece additive estimates,
    when the caller has them (else ``unit_costs``). ``sentence_slack``: None, or the slack of
    the coarse sentence step run first (``engine.sentences``; the sentences of every piece
    compete on the same keys as their units). ``sentence_facts``: ``keep``: sentences holding
    facts (protected units of priority ``numbers`` or higher) rank first, and numbers and
    who-does-what clauses stay protected in every sentence; ``follow``: sentences rank by their
    scores alone and every protected unit stays protected only in admitted sentences. Names,
    identifiers, labels and code count only in admitted sentences either way; ``force=`` items
    everywhere. ``sentence_cut``: ``spread``: the word step cuts the lowest-scoring words of every
    admitted sentence; ``last``: sentences fill the budget best first and only the last one
    reached loses words; ``auto``: ``spread`` for line-structured text, ``last`` for prose
    (``engine.sentences``)."""
    _check(pieces, scores, weights, sentence_facts, sentence_cut)
    bounds = np.cumsum([0] + [len(p) for p in pieces])
    if weights is None:
        key = np.concatenate([np.asarray(s, dtype=np.float64) for s in scores] or [np.zeros(0)])
    else:
        key = np.concatenate([percentile_keys(s, w) for s, w in zip(scores, weights)] or [np.zeros(0)])
    if costs is None:
        costs = [unit_costs(p, counter) for p in pieces]
    cost = np.concatenate(list(costs) or [np.zeros(0, np.int64)])
    protected = np.concatenate([p.protected for p in pieces] or [np.zeros(0, bool)])
    priority = np.concatenate([p.priority for p in pieces] or [np.zeros(0, np.int8)])
    if sentence_slack is not None:  # protection holds within the admitted sentences, and as sentence_facts says
        key, protected = _sentences_first(pieces, key, cost, budget, protected, priority, sentence_slack,
                                          sentence_facts == "keep", sentence_cut)

    def split(mask: np.ndarray) -> list[np.ndarray]:
        return [mask[bounds[i]:bounds[i + 1]] for i in range(len(pieces))]

    keep, used = select(key, cost, protected, budget, count=lambda m: measure(split(m)), on_overflow=on_overflow,
                        protect_share=protect_share, priority=priority)
    return [p.with_needs(m) for p, m in zip(pieces, split(keep))], used  # as rendered and counted


def _check(pieces: Sequence[Units], scores: Sequence[np.ndarray], weights: Sequence[float] | None,
           sentence_facts: str, sentence_cut: str) -> None:
    """``fit``'s arguments: one score array per piece, of the piece's length; positive weights;
    known sentence settings."""
    if len(scores) != len(pieces) or (weights is not None and len(weights) != len(pieces)):
        raise ValueError(f"got {len(pieces)} pieces, {len(scores)} score arrays and "
                         f"{'no' if weights is None else len(weights)} weights; they must match")
    if sentence_facts not in SENTENCE_FACTS:
        raise ConfigError(f"sentence_facts={sentence_facts!r} is not one of {list(SENTENCE_FACTS)}")
    if sentence_cut not in SENTENCE_CUTS:
        raise ConfigError(f"sentence_cut={sentence_cut!r} is not one of {list(SENTENCE_CUTS)}")
    if weights is not None and not all(w > 0 for w in weights):
        raise ConfigError(f"piece weights must be positive, got {list(weights)}")
    for p, s in zip(pieces, scores):
        if np.shape(s) != (len(p),):
            raise ValueError(f"a scorer returned {np.shape(s)} scores for a piece of {len(p)} units")


def _sentences_first(pieces: Sequence[Units], key: np.ndarray, cost: np.ndarray, budget: int,
                     protected: np.ndarray, priority: np.ndarray, slack: float,
                     keep: bool, cut: str = "spread") -> tuple[np.ndarray, np.ndarray]:
    """The coarse sentence step of ``fit``: keys raised for the admitted sentences, and what stays
    protected: the admitted sentences' protected units, ``force=`` items, and with ``keep`` the
    numbers and who-does-what clauses of every sentence (``keep`` also ranks sentences holding
    facts first: protected units of priority ``numbers`` or higher, not labels or code)."""
    ids = [sentence_ids(p) for p in pieces]
    offsets = np.cumsum([0] + [int(i.max()) + 1 if len(i) else 0 for i in ids])
    tier = protected & (priority >= PRIORITY["numbers"]) if keep else None
    cut = cut_for([p.text for p in pieces]) if cut == "auto" else cut
    key, admitted = coarse(key, np.concatenate([i + o for i, o in zip(ids, offsets)] or [np.zeros(0, np.int64)]),
                           cost, budget, slack, tier=tier, cut=cut)
    stays = admitted | (priority >= FORCE)
    if keep:  # as in the word step; names and ids (in most sentences of prose) go with their sentence
        stays |= (priority == PRIORITY["numbers"]) | np.concatenate([p.linked for p in pieces] or [np.zeros(0, bool)])
    return key, protected & stays
