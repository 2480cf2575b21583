"""Settings of the causal-LM (surprisal) scorers: how the model is run and how tokens become units.

Example:
    >>> cfg = PerplexityConfig(window=1024, reduction="max")
    >>> PerplexityConfig.from_dict(cfg.to_dict()) == cfg
    True
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ...serial import Versioned
from ...errors import ConfigError

CONFIG_VERSION = 1
REDUCTIONS = ("mean", "max", "sum", "first")


@dataclasses.dataclass(frozen=True)
class PerplexityConfig(Versioned):
    """How a causal LM scores a prompt.

    Attributes:
        reduction: how a unit's (word's) score is made from its tokens' self-information:
            ``mean`` (default), ``max``, ``sum`` or ``first`` (the first token's score).
        window: most tokens the scorer feeds the model in one forward pass. Longer inputs are
            scored in windows, so memory is bounded by the window, not by the input.
        overlap: tokens of preceding context each later window re-reads, so that no token is
            scored with less than ``overlap`` tokens of context (except at the very start).
        iterative: LLMLingua's iterative mode: score segment by segment, each conditioned
            on the already-compressed prefix through the KV cache (about 1 + rate forwards).
        segment_tokens: segment length of the iterative mode, in scorer tokens.
        batch_size: prompts per forward pass in ``compress_batch``.
    """

    VERSION = CONFIG_VERSION  # not a field: no annotation

    reduction: str = "mean"
    window: int = 2048
    overlap: int = 128
    iterative: bool = False
    segment_tokens: int = 256
    batch_size: int = 8

    def __post_init__(self) -> None:
        if self.reduction not in REDUCTIONS:
            raise ConfigError(f"reduction={self.reduction!r} is not one of {list(REDUCTIONS)}")
        for name in ("window", "segment_tokens", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be a positive int, got {value!r}")
        if self.window < 16:
            raise ConfigError(f"window={self.window} is too small; use at least 16 tokens")
        if not isinstance(self.overlap, int) or not 0 <= self.overlap < self.window // 2:
            raise ConfigError(f"overlap must be an int in [0, window // 2), got {self.overlap!r}")
        if not isinstance(self.iterative, bool):
            raise ConfigError(f"iterative must be a bool, got {self.iterative!r}")

    @classmethod
    def coerce(cls, config: Any) -> "PerplexityConfig":
        """A ``PerplexityConfig`` from None, itself, a dict of fields, or a (deprecated)
        ``CompressionConfig`` carrying causal-LM settings."""
        if config is None:
            return cls()
        if isinstance(config, cls):
            return config
        if isinstance(config, dict):
            return cls(**config)
        options = getattr(config, "scorer_options", None)
        if options is not None:
            return cls(**dict(options))
        raise ConfigError(f"expected a PerplexityConfig, got {type(config).__name__}")
