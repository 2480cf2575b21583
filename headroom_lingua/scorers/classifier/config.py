"""Validated configuration of the keep/drop classifier scorer, serialisable with a version stamp.

Example:
    >>> cfg = ClassifierConfig(window=256, stride=32)
    >>> ClassifierConfig.from_dict(cfg.to_dict()) == cfg
    True
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ...serial import Versioned
from ...errors import ConfigError

CLASSIFIER_CONFIG_VERSION = 1
REDUCTIONS = ("mean", "max", "first")


@dataclasses.dataclass(frozen=True)
class ClassifierConfig(Versioned):
    """How the classifier reads a prompt.

    Attributes:
        window: tokens per forward window, special tokens and question included (the encoder's
            position limit; 512 for MiniLM and MPNet).
        stride: tokens each window shares with the one before it, so that no token is read
            without context on both sides (except at the ends).
        batch_size: windows per forward pass.
        reduction: how a unit's p(keep) is made from its tokens': ``mean`` (default), ``max``
            or ``first``. Units no token covers get the median unit score.
        threshold: the calibrated p(keep) above which a unit is kept at the training keep rate
            (``keep_mask``); None when uncalibrated. The compressor itself works to a budget.
        max_question_tokens: a question longer than this is cut (from its start) before pairing;
            it never takes more than half of what the window leaves beyond the stride.
    """

    VERSION = CLASSIFIER_CONFIG_VERSION  # not a field: no annotation

    window: int = 512
    stride: int = 128
    batch_size: int = 16
    reduction: str = "mean"
    threshold: float | None = None
    max_question_tokens: int = 128

    def __post_init__(self) -> None:
        for name in ("window", "batch_size", "max_question_tokens"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be a positive int, got {value!r}")
        if self.window < 16:
            raise ConfigError(f"window={self.window} is too small; use at least 16 tokens")
        if not isinstance(self.stride, int) or isinstance(self.stride, bool) or not 0 <= self.stride < self.window // 2:
            raise ConfigError(f"stride must be an int in [0, window // 2), got {self.stride!r}")
        if self.reduction not in REDUCTIONS:
            raise ConfigError(f"reduction={self.reduction!r} is not one of {list(REDUCTIONS)}")
        if self.threshold is not None and (isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float))
                                           or not 0 <= self.threshold <= 1):
            raise ConfigError(f"threshold must be None or a number in [0, 1], got {self.threshold!r}")
