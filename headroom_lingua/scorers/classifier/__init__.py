"""The keep/drop classifier scorer: ``ClassifierConfig`` (config.py) and ``ClassifierScorer`` (scorer.py).

Train one with ``headroom-lingua train`` (the ``training`` package); load it with
``ClassifierScorer.from_pretrained(folder)``.
"""

from __future__ import annotations

from typing import Any

from .config import ClassifierConfig


def __getattr__(name: str) -> Any:  # the scorer pulls in torch: load it on first use
    if name == "ClassifierScorer":
        from .scorer import ClassifierScorer

        return ClassifierScorer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ClassifierConfig", "ClassifierScorer"]
