"""The causal-LM self-information scorer (LLMLingua's token-level signal) and its config."""

from .config import PerplexityConfig
from .scorer import PerplexityScorer

__all__ = ["PerplexityConfig", "PerplexityScorer"]
