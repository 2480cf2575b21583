"""Model-free scorers: baselines for evaluation, and deterministic stand-ins for tests.

``random``: a seeded random drop (the honest floor any learned scorer must beat).
``position``: earlier units score higher, so selection keeps the first tokens (truncation).
``length``: longer units score higher (a crude proxy; handy as a deterministic fake).
"""

from __future__ import annotations

import numpy as np

from ..engine.segment import Units
from .base import Scorer


class RandomScorer(Scorer):
    """Uniform random scores from a seed fixed per text, so a run is reproducible."""

    name = "random"

    def __init__(self, seed: int = 0):
        self.seed = seed

    def score(self, units: Units, rate: float | None = None) -> np.ndarray:
        text_key = int.from_bytes(units.text.encode("utf-8", "surrogatepass")[:64].ljust(8, b"\0")[:8], "little")
        rng = np.random.default_rng([self.seed, len(units.text), text_key])
        return rng.random(len(units))


class PositionScorer(Scorer):
    """Scores fall with position: the selection keeps a prefix (truncation baseline)."""

    name = "position"

    def score(self, units: Units, rate: float | None = None) -> np.ndarray:
        return -np.arange(len(units), dtype=np.float64)


class LengthScorer(Scorer):
    """A unit's score is its length in characters."""

    name = "length"

    def score(self, units: Units, rate: float | None = None) -> np.ndarray:
        return (units.ends - units.starts).astype(np.float64)
