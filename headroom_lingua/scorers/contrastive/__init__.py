"""Question-aware scoring and ranking with a causal LM (LongLLMLingua's two signals)."""

from .scorer import STATEMENT, ContrastiveScorer

__all__ = ["ContrastiveScorer", "STATEMENT"]
