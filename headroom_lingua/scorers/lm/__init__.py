"""Running causal LMs, for every scorer (and ranker, and label maker) that needs one.

``CausalLM`` holds a loaded model and its tokenizer and computes token surprisal: whole inputs,
windowed inputs, and ``rows`` (independent sequences whose surprisal is wanted on a slice) run
one by one on CPU or as right-padded batches on an accelerator, with the LM head run lazily a
chunk at a time so memory stays bounded.
"""

from __future__ import annotations

from .rows import Lazy, Row, resolve, run_rows, windows
from .runtime import HEAD_CHUNK, CausalLM

__all__ = ["CausalLM", "HEAD_CHUNK", "Lazy", "Row", "resolve", "run_rows", "windows"]
