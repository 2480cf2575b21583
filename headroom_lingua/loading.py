"""Model resolution, once for every front end, and the one visible cache of loaded models.

A ``Backend`` is what a front end needs from a model: a loaded scorer, the pipeline config
(protection) and the default budget tokenizer. ``resolve(model)`` turns what users pass as
``model=`` (None for the default, a registered name, a local folder, or a ``Compressor``) into
one. Models loaded by name are kept in ``MODEL_CACHE`` (least recently used out after four), so
the module-level ``compress`` functions load each model once per process; ``MODEL_CACHE.clear()``
frees them.

Example:
    >>> from headroom_lingua.scorers import LengthScorer
    >>> backend = Backend(LengthScorer(), tokenizer="cl100k")
    >>> resolve(backend) is backend, backend.counter().name
    (True, 'cl100k')
"""

from __future__ import annotations

import collections
import threading
from typing import Any

from .config import CompressionConfig
from .engine.budget import TokenCounter, get_counter
from .errors import ConfigError
from .models import DEFAULT_MODEL
from .scorers.base import Scorer
from .scorers.registry import load_scorer


class Backend:
    """A loaded scorer plus the pipeline config and default budget tokenizer (what ``Compressor``
    is made of; front ends take any ``Backend``)."""

    def __init__(self, scorer: Scorer, config: CompressionConfig | None = None, tokenizer: Any = None):
        if not isinstance(scorer, Scorer):
            raise TypeError(f"scorer must be a headroom_lingua Scorer, got {type(scorer).__name__}")
        if config is not None and not isinstance(config, CompressionConfig):
            raise TypeError(f"config must be a CompressionConfig, got {type(config).__name__}")
        self.scorer = scorer
        self.config = config or CompressionConfig()
        self._default_tokenizer = tokenizer

    @classmethod
    def from_pretrained(cls, name_or_path: Any = DEFAULT_MODEL, device: str = "auto", dtype: Any = "auto",
                        config: CompressionConfig | None = None, tokenizer: Any = None, scorer: str | None = None,
                        scorer_config: Any = None):
        """Load a registered model or a local folder with the scorer kind that reads it (a causal
        LM: ``perplexity``; a token classifier: ``classifier``; ``scorer=`` names another kind).
        ``scorer_config``: that kind's config (e.g. ``PerplexityConfig``). Without ``config``, the
        model's recommended pipeline settings apply (``Scorer.pipeline_defaults``, from a
        classifier folder's ``"pipeline"`` entry), else ``CompressionConfig()``."""
        if scorer_config is None and config is not None and config.scorer_options:
            scorer_config = dict(config.scorer_options)  # deprecated: causal-LM settings on CompressionConfig
        loaded = load_scorer(name_or_path, scorer=scorer, device=device, dtype=dtype, config=scorer_config)
        if config is None:  # the model's own settings, when none are given
            config = CompressionConfig().with_settings_of(loaded, name_or_path)
        return cls(loaded, config=config, tokenizer=tokenizer)

    def counter(self, tokenizer: Any = None) -> TokenCounter:
        """The budget tokenizer: the argument, else this backend's, else the scorer's, else cl100k."""
        chosen = tokenizer if tokenizer is not None else self._default_tokenizer
        if chosen is not None:
            return get_counter(chosen)
        return self.scorer.counter if self.scorer.counter is not None else get_counter("cl100k")


class ModelCache:
    """Backends loaded by name, least recently used out first; safe to use from several threads
    (a model is loaded once even when threads ask for it at the same time)."""

    def __init__(self, size: int = 4):
        self.size = size
        self._items: collections.OrderedDict[str, Backend] = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, name_or_path: str) -> Backend:
        with self._lock:
            if name_or_path in self._items:
                self._items.move_to_end(name_or_path)
                return self._items[name_or_path]
            backend = Backend.from_pretrained(name_or_path)
            self._items[name_or_path] = backend
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return backend

    def __contains__(self, name_or_path: str) -> bool:
        return name_or_path in self._items

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


MODEL_CACHE = ModelCache()


def resolve(model: Any) -> Backend:
    """A ``Backend`` from None (the default model), a registered name or folder, or a ``Backend``
    (a ``Compressor`` is one)."""
    if model is None or isinstance(model, str):
        return MODEL_CACHE.get(model or DEFAULT_MODEL)
    if isinstance(model, Backend):
        return model
    raise ConfigError(f"model must be a name, a folder path or a Compressor, got {type(model).__name__}")
