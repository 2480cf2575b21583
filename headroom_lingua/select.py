"""Select: scores -> keep-mask under one global budget counted on the rendered text.

Pure numpy; the only outside call is ``count(mask)``, which renders and counts the candidate.
Units are ranked by score (ties: earlier first); protected units are always kept. An additive
per-unit cost estimate gives a first guess of how many ranked units fit, then a galloping and
binary search on exact counts finds the largest prefix of the ranking whose rendered text fits,
and a short greedy pass tries a few more units to fill what is left.

Example:
    >>> import numpy as np
    >>> keep, used = select(np.array([3., 1., 2.]), np.array([1, 1, 1]), np.zeros(3, bool),
    ...                     budget=2, count=lambda m: int(m.sum()))
    >>> keep.tolist(), used
    ([True, False, True], 2)
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .errors import BudgetError

FILL_TRIES = 8


def ranking(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Indices of ``candidates`` (a bool mask) by descending score; ties keep text order."""
    idx = np.flatnonzero(candidates)
    return idx[np.lexsort((idx, -scores[idx]))]


def select(scores: np.ndarray, costs: np.ndarray, protected: np.ndarray, budget: int,
           count: Callable[[np.ndarray], int], on_overflow: str = "raise",
           fill_tries: int = FILL_TRIES) -> tuple[np.ndarray, int]:
    """The keep-mask with the most top-ranked units whose rendered text fits ``budget`` tokens,
    and that text's token count. Raises ``BudgetError`` when protected units alone exceed the
    budget and ``on_overflow == "raise"``; with ``"drop"`` protected units become droppable
    (after every unprotected one)."""
    scores = np.asarray(scores, dtype=np.float64)
    protected = np.asarray(protected, dtype=bool)
    base = protected.copy()
    order = ranking(scores, ~protected)
    base_count = count(base)
    if base_count > budget:
        if on_overflow == "raise":
            raise BudgetError(
                f"protected text alone is {base_count} tokens, {base_count - budget} over the budget "
                f"of {budget}; raise the budget, turn protectors off, or pass on_overflow='drop'"
            )
        order = np.concatenate((ranking(scores, protected), order))
        base = np.zeros_like(protected)
        base_count = count(base)
    cache: dict[int, int] = {0: base_count}

    def mask(k: int) -> np.ndarray:
        m = base.copy()
        m[order[:k]] = True
        return m

    def fits(k: int) -> bool:
        if k not in cache:
            cache[k] = count(mask(k))
        return cache[k] <= budget

    total = len(order)
    guess = int(np.searchsorted(np.cumsum(costs[order]), budget - base_count, side="right"))
    lo, hi = _bracket(fits, min(guess, total), total)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    keep, used = mask(lo), cache[lo]
    for j in order[lo + 1: lo + 1 + fill_tries].tolist():  # fill the rest greedily
        if used >= budget:
            break
        keep[j] = True
        c = count(keep)
        if c <= budget:
            used = c
        else:
            keep[j] = False
    return keep, used


def _bracket(fits: Callable[[int], bool], guess: int, total: int) -> tuple[int, int]:
    """(lo, hi) with fits(lo) true and hi == total + 1 or fits(hi) false, found by galloping."""
    step = 1
    if fits(guess):
        lo = guess
        while lo < total:
            nxt = min(lo + step, total)
            if not fits(nxt):
                return lo, nxt
            lo, step = nxt, step * 2
        return lo, total + 1
    hi = guess
    while True:
        cand = max(hi - step, 0)
        if fits(cand):  # fits(0) holds: protected text alone fits by now
            return cand, hi
        hi, step = cand, step * 2
