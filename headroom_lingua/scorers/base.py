"""The scorer interface: units in, one importance score per unit out (higher = keep first).

A scorer implements ``score(units, rate=None)``; ``score_batch`` defaults to a loop and is
overridden where batching pays (one forward pass per batch). ``counter`` is the budget
tokenizer used when the caller names none (``None``: fall back to cl100k).
Token-level scorers share ``reduce_to_units`` to turn per-token scores into per-unit ones.

Capabilities are asked, not inferred from the class: ``causal_lm()`` is the causal LM a scorer
runs, if any (question-perplexity ranking and question-aware word scores reuse it), and
``for_question(question)`` is a question-aware view of the scorer, if it has one.

Progress: long work reports tokens done through ``report_progress``; a caller that wants a
progress bar wraps its call in ``progress_hook(bar.update)``. The hook lives in a context
variable, so nothing per call is stored on a (shared) scorer and threads do not see each other's.
"""

from __future__ import annotations

import abc
import contextlib
import contextvars
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ..engine.budget import TokenCounter
from ..engine.segment import Units

_PROGRESS: contextvars.ContextVar[Callable[[int], Any] | None] = contextvars.ContextVar("progress", default=None)


@contextlib.contextmanager
def progress_hook(callback: Callable[[int], Any] | None) -> Iterator[None]:
    """Within the block, scorers report tokens done to ``callback`` (None: no reports)."""
    token = _PROGRESS.set(callback)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def report_progress(tokens: int) -> None:
    """Tell the caller's progress hook, if any, that ``tokens`` more tokens were processed."""
    callback = _PROGRESS.get()
    if callback is not None:
        callback(tokens)


class Scorer(abc.ABC):
    """Base class of every scorer."""

    name: str = "scorer"
    counter: TokenCounter | None = None
    uses_rate: bool = False  # scores depend on the keep fraction: score prompts one by one
    pipeline_defaults: dict[str, Any] | None = None
    """``CompressionConfig`` fields the model's own files recommend (a classifier folder's
    ``"pipeline"`` entry); ``Compressor.from_pretrained`` uses them when the caller passes no config."""

    @abc.abstractmethod
    def score(self, units: Units, rate: float | None = None) -> np.ndarray:
        """(n_units,) float64 importance scores. ``rate`` is the keep fraction the caller is
        aiming at, for scorers whose scores depend on it (iterative mode); others ignore it."""

    def score_batch(self, batch: Sequence[Units], rate: float | None = None) -> list[np.ndarray]:
        return [self.score(u, rate=rate) for u in batch]

    def causal_lm(self) -> Any:
        """The ``scorers.lm.CausalLM`` this scorer runs, or None (no causal LM)."""
        return None

    def for_question(self, question: str) -> "Scorer | None":
        """A view of this scorer whose scores take ``question`` into account, or None."""
        return None

    @classmethod
    def from_pretrained(cls, name_or_path: Any = None, device: str = "auto", dtype: Any = "auto",
                        config: Any = None) -> "Scorer":
        """Load the scorer. Model-free scorers take no model: they are built from ``config``
        (a dict of constructor arguments, or None)."""
        return cls(**(config or {}))


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
