"""What every compression method under evaluation is: a context in, a compressed context and its
cost out, held to the shared budget."""

from __future__ import annotations

import abc
import dataclasses
import math

from headroom_lingua.config import CompressionConfig
from headroom_lingua.engine.budget import TokenCounter

from .suite_base import Example

BASELINE_CONFIG = CompressionConfig(protect=(), on_overflow="drop")
"""Baselines (truncation, random drop) protect nothing: they are what they say."""


@dataclasses.dataclass(frozen=True)
class Compressed:
    """A compressed context and its cost, counted in the target's tokenizer."""

    text: str
    original_tokens: int
    compressed_tokens: int
    budget: int
    seconds: float


def budget_for(original_tokens: int, rate: float) -> int:
    """The shared budget: ``floor(rate * original)`` tokens, at least 1.

    >>> budget_for(100, 0.33)
    33
    """
    return max(1, math.floor(rate * original_tokens + 1e-9))


class Method(abc.ABC):
    """Compresses an example's context to ``rate`` of its target tokens."""

    name: str = "method"

    @abc.abstractmethod
    def compress(self, example: Example, rate: float) -> Compressed:
        """The compressed context; ``compressed_tokens`` is measured on the returned text."""


class NoCompression(Method):
    """The uncompressed context."""

    name = "none"

    def __init__(self, counter: TokenCounter):
        self.counter = counter

    def compress(self, example: Example, rate: float) -> Compressed:
        n = self.counter.count(example.context)
        return Compressed(example.context, n, n, n, 0.0)
