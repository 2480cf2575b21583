"""Scorers are peers behind one interface (``Scorer.score``); a new one is a file plus an entry here."""

from __future__ import annotations

from typing import Any, Callable

from .base import Scorer, reduce_to_units
from .baselines import LengthScorer, PositionScorer, RandomScorer


def _perplexity(**kwargs: Any) -> Scorer:
    from .perplexity import PerplexityScorer

    return PerplexityScorer.from_pretrained(**kwargs)


def _contrastive(**kwargs: Any) -> Scorer:
    from .contrastive import ContrastiveScorer

    return ContrastiveScorer.from_pretrained(**kwargs)


def _classifier(name_or_path: str = "", config: Any = None, **kwargs: Any) -> Scorer:
    from .classifier.config import ClassifierConfig
    from .classifier.scorer import ClassifierScorer

    # A CompressionConfig (what callers such as the eval harness pass) belongs to the Compressor.
    own = config if isinstance(config, ClassifierConfig) else None
    return ClassifierScorer.from_pretrained(name_or_path, config=own, **kwargs)


SCORERS: dict[str, Callable[..., Scorer]] = {
    "perplexity": _perplexity,
    "contrastive": _contrastive,  # question-aware; takes question=..., or use .conditioned(question)
    "classifier": _classifier,  # a folder trained by `headroom-lingua train` (keep/drop p(keep))
    "random": lambda **kw: RandomScorer(seed=kw.get("seed", 0)),
    "position": lambda **kw: PositionScorer(),
    "length": lambda **kw: LengthScorer(),
}
"""Scorer factories by name; model-backed ones take ``name_or_path``, ``device``, ``dtype``, ``config``."""


def get_scorer(name: str, **kwargs: Any) -> Scorer:
    if name not in SCORERS:
        raise ValueError(f"unknown scorer {name!r}; available scorers are {sorted(SCORERS)}")
    return SCORERS[name](**kwargs)


__all__ = ["Scorer", "SCORERS", "get_scorer", "reduce_to_units", "RandomScorer", "PositionScorer", "LengthScorer"]
