"""Allocation of a budget over ranked documents: pure functions on numbers, no model.

- ``coarse``: which documents are admitted at all (most relevant first, up to a slack);
- ``within_gap``: which documents are relevant enough to be admitted at all, budget aside;
- ``rank_weights``: keep weights falling linearly with rank (the dynamic ratio);
- ``whole_documents``: which admitted documents the weighted allocation will keep whole (so that
  their fine-level scores are not worth a forward pass);
- ``output_order``: where the kept documents go in the prompt.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def coarse(rank_order: Sequence[int], doc_tokens: Sequence[int], room: int, slack: float) -> list[int]:
    """Documents admitted most relevant first until they hold ``room * (1 + slack)`` tokens.

    >>> coarse([2, 0, 1], [100, 100, 100], room=120, slack=0.3)
    [2, 0]
    """
    kept, total = [], 0
    for i in rank_order:
        if total >= room * (1 + slack):
            break
        kept.append(i)
        total += doc_tokens[i]
    return kept


def within_gap(rank_order: Sequence[int], relevance: Sequence[float], gap: float | None) -> list[int]:
    """The documents of ``rank_order`` whose relevance is at most ``gap`` below the best one's
    (all of them when ``gap`` is None).

    >>> within_gap([2, 0, 1], [-1.5, -3.0, -1.0], gap=0.6)
    [2, 0]
    """
    if gap is None or not len(rank_order):
        return list(rank_order)
    best = max(relevance[i] for i in rank_order)
    return [i for i in rank_order if relevance[i] >= best - gap]


def rank_weights(n: int, spread: float) -> list[float]:
    """Keep weights by rank, linear from ``1 + spread`` (rank 0) to ``1 - spread`` (last).

    >>> rank_weights(3, 0.5)
    [1.5, 1.0, 0.5]
    """
    if n == 1:
        return [1.0]
    return [1.0 + spread * (1 - 2 * k / (n - 1)) for k in range(n)]


def output_order(rank_order: Sequence[int], order: str) -> list[int]:
    """Indices in output order; ``rank_order`` lists them most relevant first.

    >>> output_order([3, 1, 0, 2], "both_ends")
    [3, 0, 2, 1]
    """
    if order == "original":
        return sorted(rank_order)
    if order == "relevance":
        return list(rank_order)
    return list(rank_order[0::2]) + list(rank_order[1::2])[::-1]


def whole_documents(kept: Sequence[int], doc_tokens: Sequence[int], weights: Sequence[float], room: int) -> set[int]:
    """Documents the weighted allocation is expected to keep whole: with keep shares
    ``min(1, theta * weight)`` and ``theta`` solving sum(share * tokens) = room (additive estimate).

    >>> sorted(whole_documents([0, 1, 2], [100, 100, 100], [1.5, 1.0, 0.5], room=200))
    [0]
    """
    tokens, w = np.array([doc_tokens[i] for i in kept], float), np.array(weights, float)
    if not len(kept) or tokens.sum() <= room:
        return set(kept)
    lo, hi = 0.0, 1.0 / w.min()
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if (np.minimum(1.0, mid * w) * tokens).sum() <= room else (lo, mid)
    return {i for i, share in zip(kept, lo * w) if share >= 1.0 - 1e-6}
