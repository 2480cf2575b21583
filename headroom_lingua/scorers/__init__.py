"""Scorers are peers behind one interface (``Scorer.score``); a new one is a file (or folder) plus
an entry in ``registry.SCORER_KINDS`` (or a ``register_scorer`` call)."""

from __future__ import annotations

from typing import Any

from .base import Scorer, progress_hook, reduce_to_units, report_progress
from .baselines import LengthScorer, PositionScorer, RandomScorer
from .registry import SCORER_KINDS, ScorerKind, get_kind, kind_for_model, load_scorer, register_scorer


def get_scorer(name: str, **kwargs: Any) -> Scorer:
    """A scorer of kind ``name``: model-backed kinds take ``name_or_path``, ``device``, ``dtype``,
    ``config``; model-free ones their own arguments (``random``: ``seed``)."""
    kind = get_kind(name)
    if kind.model_kind is None:
        return kind.scorer_class()(**kwargs)
    return kind.scorer_class().from_pretrained(**kwargs)


__all__ = ["Scorer", "ScorerKind", "SCORER_KINDS", "get_scorer", "get_kind", "kind_for_model", "load_scorer",
           "register_scorer", "reduce_to_units", "progress_hook", "report_progress", "RandomScorer",
           "PositionScorer", "LengthScorer"]
