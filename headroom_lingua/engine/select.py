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

from ..errors import BudgetError
from .protect import FORCE

FILL_TRIES = 8


def ranking(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Indices of ``candidates`` (a bool mask) by descending score; ties keep text order."""
    idx = np.flatnonzero(candidates)
    return idx[np.argsort(-scores[idx], kind="stable")]  # stable: equal scores stay in text order


def select(scores: np.ndarray, costs: np.ndarray, protected: np.ndarray, budget: int,
           count: Callable[[np.ndarray], int], on_overflow: str = "raise",
           fill_tries: int = FILL_TRIES, protect_share: float = 1.0,
           priority: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """The keep-mask with the most top-ranked units whose rendered text fits ``budget`` tokens,
    and that text's token count. When protected units alone exceed the budget:
    ``on_overflow="raise"``: ``BudgetError``; ``"drop"``: protected units become droppable (after
    every unprotected one); ``"yield"``: protected units give way lowest ``priority`` first, then
    lowest score, until the rest fit; units of priority ``FORCE`` (``force=`` items) never yield
    and raise ``BudgetError`` when they alone overflow. ``protect_share < 1``: when protected
    units would take more than that share of the budget, only the top-scoring ones that fit in
    the share are sure to be kept; the others compete with unprotected units on their scores."""
    scores = np.asarray(scores, dtype=np.float64)
    protected = np.asarray(protected, dtype=bool)
    priority = protected.astype(np.int8) if priority is None else np.asarray(priority)
    if protect_share < 1.0 and protected.any():
        protected = _within_share(scores, protected, int(protect_share * budget), count)
    counted = None  # tokens of the protected units, when the yield check counted them already
    if on_overflow == "yield":
        protected, counted = _yield(scores, protected, priority, budget, count, costs)
    base, order, base_count = _base(scores, protected, budget, count, on_overflow, counted)
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
    cum = np.concatenate(([0], np.cumsum(costs[order])))  # estimated tokens of the top-k units
    guess = min(int(np.searchsorted(cum, budget - base_count, side="right")) - 1, total)
    _refine(fits, cache, cum, guess, budget, total)
    lo, hi = _bracket(fits, cache, budget, total)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return _fill(mask(lo), cache[lo], order[lo + 1: lo + 1 + fill_tries], budget, count)


def _base(scores: np.ndarray, protected: np.ndarray, budget: int, count: Callable[[np.ndarray], int],
          on_overflow: str, counted: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """(units kept for sure, the rest in the order they are added, tokens of the first). When the
    protected units alone overflow, they raise or (``drop``) join the ranking after the others.
    ``counted``: the protected units' tokens, when the caller knows them."""
    base = protected.copy()
    order = ranking(scores, ~protected)
    base_count = count(base) if counted is None else counted
    if base_count > budget:
        if on_overflow == "raise":
            raise BudgetError(
                f"protected text alone is {base_count} tokens, {base_count - budget} over the budget "
                f"of {budget}; raise the budget, turn protectors off, or pass on_overflow='drop'"
            )
        order = np.concatenate((ranking(scores, protected), order))
        base = np.zeros_like(protected)
        base_count = count(base)
    return base, order, base_count


def _yield(scores: np.ndarray, protected: np.ndarray, priority: np.ndarray, budget: int,
           count: Callable[[np.ndarray], int], costs: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """The protected units that stay protected: all when they fit, else the ``FORCE`` ones plus
    the longest prefix of the others (highest priority, then highest score) that fits; and their
    tokens. ``costs`` (additive estimates per unit) seed the search for that prefix, as in
    ``select``: a guess scaled to the two ends' exact counts, secant steps, then a gallop."""
    total = count(protected)
    if total <= budget:
        return protected, total
    forced = protected & (priority >= FORCE)
    forced_tokens = count(forced)
    if forced_tokens > budget:
        raise BudgetError(f"force= items alone are {forced_tokens} tokens, {forced_tokens - budget} over the "
                          f"budget of {budget}; raise the budget or force fewer items")
    idx = np.flatnonzero(protected & ~forced)
    order = idx[np.lexsort((idx, -scores[idx], -priority[idx].astype(np.int64)))]

    def top(k: int) -> np.ndarray:
        m = forced.copy()
        m[order[:k]] = True
        return m

    cache: dict[int, int] = {0: forced_tokens, len(order): total}  # top(0) fits, top(len(order)) does not

    def fits(k: int) -> bool:
        if k not in cache:
            cache[k] = count(top(k))
        return cache[k] <= budget

    if costs is not None and len(order):
        cum = np.concatenate(([0], np.cumsum(costs[order])))
        _refine(fits, cache, cum, _guess(cum, cache, budget, len(order)), budget, len(order), steps=2)
    lo, hi = _bracket(fits, cache, budget, len(order) - 1)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return top(lo), cache[lo]


def _guess(cum: np.ndarray, cache: dict[int, int], budget: int, total: int) -> int:
    """The prefix length whose estimated tokens, scaled to the counted ends, fill ``budget``."""
    base, full = cache[0], cache[total]
    scale = (full - base) / max(float(cum[total]), 1.0)
    return min(max(int(np.searchsorted(cum * scale + base, budget, side="right")) - 1, 0), total)


def _fill(keep: np.ndarray, used: int, candidates: np.ndarray, budget: int,
          count: Callable[[np.ndarray], int]) -> tuple[np.ndarray, int]:
    """Try the next few units of the ranking one by one in what the prefix left (greedy fill)."""
    for j in candidates.tolist():
        if used >= budget:
            break
        keep[j] = True
        c = count(keep)
        if c <= budget:
            used = c
        else:
            keep[j] = False
    return keep, used


def _within_share(scores: np.ndarray, protected: np.ndarray, share: int,
                  count: Callable[[np.ndarray], int]) -> np.ndarray:
    """The protected units that stay protected under a token share: all of them if they fit,
    else the longest prefix of their ranking whose rendered text fits ``share`` tokens."""
    if count(protected) <= share:
        return protected
    order = ranking(scores, protected)
    lo, hi = 0, len(order)  # the top ``lo`` fit; the top ``hi`` do not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        m = np.zeros_like(protected)
        m[order[:mid]] = True
        lo, hi = (mid, hi) if count(m) <= share else (lo, mid)
    kept = np.zeros_like(protected)
    kept[order[:lo]] = True
    return kept


def _refine(fits: Callable[[int], bool], cache: dict[int, int], cum: np.ndarray, k: int, budget: int,
            total: int, steps: int = 3) -> None:
    """Secant steps on exact counts: the additive estimate's error is mostly systematic (merged
    whitespace, tokens spanning units), so scaling it by the observed count removes most of it."""
    base = cache[0]
    for _ in range(steps):
        fits(k)
        actual, estimated = cache[k], cum[k] + base
        if actual == budget or actual <= base:
            return
        target = (budget - base) * (estimated - base) / (actual - base)
        nxt = min(max(int(np.searchsorted(cum, target, side="right")) - 1, 0), total)
        if nxt in cache:
            return
        k = nxt


def _bracket(fits: Callable[[int], bool], cache: dict[int, int], budget: int, total: int) -> tuple[int, int]:
    """(lo, hi): fits(lo), and hi == total + 1 or not fits(hi). Gallops from whichever known
    count is closer to the budget, so a good first guess costs only a few more exact counts."""
    lo = max(k for k, c in cache.items() if c <= budget)  # fits(0) holds by now
    above = [k for k, c in cache.items() if c > budget and k > lo]
    hi = min(above) if above else total + 1
    step = 1
    if not above or budget - cache[lo] <= cache[hi] - budget:
        while lo + 1 < hi:
            nxt = min(lo + step, hi - 1)
            if not fits(nxt):
                return lo, nxt
            lo, step = nxt, step * 2
        return lo, hi
    while hi - step > lo:
        cand = hi - step
        if fits(cand):
            return cand, hi
        hi, step = cand, step * 2
    return lo, hi
