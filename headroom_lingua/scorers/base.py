"""The scorer interface: units in, one importance score per unit out (higher = keep first).

A scorer implements ``score(units, rate=None)``; ``score_batch`` defaults to a loop and is
overridden where batching pays (one forward pass per batch). ``counter`` is the budget
tokenizer used when the caller names none (``None``: fall back to cl100k).
Token-level scorers share ``reduce_to_units`` to turn per-token scores into per-unit ones.
"""

from __future__ import annotations

import abc
from typing import Sequence

import numpy as np

from ..budget import TokenCounter
from ..segment import Units


class Scorer(abc.ABC):
    """Base class of every scorer."""

    name: str = "scorer"
    counter: TokenCounter | None = None
    uses_rate: bool = False  # scores depend on the keep fraction: score prompts one by one

    @abc.abstractmethod
    def score(self, units: Units, rate: float | None = None) -> np.ndarray:
        """(n_units,) float64 importance scores. ``rate`` is the keep fraction the caller is
        aiming at, for scorers whose scores depend on it (iterative mode); others ignore it."""

    def score_batch(self, batch: Sequence[Units], rate: float | None = None) -> list[np.ndarray]:
        return [self.score(u, rate=rate) for u in batch]


def reduce_to_units(units: Units, tok_starts: np.ndarray, tok_ends: np.ndarray,
                    tok_scores: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """Per-unit scores from per-token scores. A token counts towards every unit its character
    span overlaps (a token spanning two units scores both; byte pieces of one character all
    score that character's unit). Units no token overlaps get the median unit score."""
    n = len(units)
    out = np.zeros(n, dtype=np.float64)
    if n == 0:
        return out
    valid = np.isfinite(tok_scores) & (tok_ends > tok_starts)
    s, e, v = tok_starts[valid], tok_ends[valid], tok_scores[valid].astype(np.float64)
    first = np.searchsorted(units.ends, s, side="right")  # first unit ending after the token starts
    last = np.searchsorted(units.starts, e, side="left") - 1  # last unit starting before it ends
    reps = np.maximum(last - first + 1, 0)
    tok = np.repeat(np.arange(len(s)), reps)
    unit = np.repeat(first, reps) + (np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps))
    vals = v[tok]
    count = np.bincount(unit, minlength=n)
    if reduction == "mean" or reduction == "sum":
        out = np.bincount(unit, weights=vals, minlength=n)
        if reduction == "mean":
            out = np.divide(out, count, out=np.zeros(n), where=count > 0)
    elif reduction == "max":
        out = np.full(n, -np.inf)
        np.maximum.at(out, unit, vals)
    elif reduction == "first":
        out = np.full(n, np.nan)
        order = np.argsort(tok, kind="stable")[::-1]  # later tokens first, so the first one wins
        out[unit[order]] = vals[order]
    else:
        raise ValueError(f"unknown reduction {reduction!r}")
    missing = count == 0
    if missing.any():
        fill = float(np.median(out[~missing])) if (~missing).any() else 0.0
        out[missing] = fill
    return out
