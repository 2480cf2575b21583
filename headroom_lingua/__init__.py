"""headroom-lingua: compress LLM prompts to a token budget by dropping their least informative words.

    >>> from headroom_lingua import compress
    >>> result = compress(prompt, rate=0.33)          # doctest: +SKIP
    >>> result.text, result.compressed_tokens         # doctest: +SKIP

Heavy dependencies (torch, transformers) load lazily, on first use of a model.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from .config import CompressionConfig
from .errors import (BudgetError, ConfigError, HeadroomLinguaError, InputError, ModelNotFoundError,
                     ProvisioningError)
from .result import CompressionResult

_LAZY = {"compress": "compressor", "Compressor": "compressor",
         "compress_documents": "frontends.documents", "DocumentsConfig": "frontends.documents",
         "DocumentsResult": "frontends.documents",
         "compress_messages": "frontends.messages", "MessagesConfig": "frontends.messages",
         "MessagesResult": "frontends.messages",
         "PerplexityConfig": "scorers.perplexity.config"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'headroom_lingua' has no attribute {name!r}")


__all__ = ["compress", "Compressor", "compress_messages", "compress_documents", "CompressionConfig",
           "CompressionResult", "DocumentsConfig", "DocumentsResult", "MessagesConfig", "MessagesResult",
           "PerplexityConfig", "BudgetError", "ConfigError", "HeadroomLinguaError", "InputError",
           "ModelNotFoundError", "ProvisioningError", "__version__"]
