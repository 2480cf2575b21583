"""Validated configuration of a compressor, serialisable with a version stamp.

Example:
    >>> from headroom_lingua import CompressionConfig
    >>> cfg = CompressionConfig(reduction="max", protect=("numbers", "urls"))
    >>> CompressionConfig.from_dict(cfg.to_dict()) == cfg
    True
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from .errors import ConfigError

CONFIG_VERSION = 1
REDUCTIONS = ("mean", "max", "sum", "first")
OVERFLOW_POLICIES = ("raise", "drop")


def _builtin_protectors() -> tuple[str, ...]:
    from .protect import PROTECTORS

    return tuple(PROTECTORS)


def checked_fields(cls: type, data: dict[str, Any], version: int) -> dict[str, Any]:
    """A dataclass's fields from a serialised dict: the version stamp checked and removed, unknown
    fields rejected by name (shared by every versioned config of the project)."""
    data = dict(data)
    found = data.pop("version", version)
    if found != version:
        raise ConfigError(f"config version {found} is not supported (this release reads {version})")
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - fields)
    if unknown:
        raise ConfigError(f"unknown config field(s) {unknown}; known fields are {sorted(fields)}")
    return data


@dataclasses.dataclass(frozen=True)
class CompressionConfig:
    """How a prompt is scored and selected; the budget itself is given per call.

    Attributes:
        reduction: how a unit's (word's) score is made from its tokens' self-information:
            ``mean`` (default), ``max``, ``sum`` or ``first`` (the first token's score).
        protect: names of built-in protectors that are on (see ``headroom_lingua.protect.PROTECTORS``);
            protected spans are always kept whole. Default: all of them.
        on_overflow: what happens when protected text alone exceeds the budget: ``raise``
            a ``BudgetError`` (default) or ``drop`` protected spans too (lowest-scoring first,
            whole spans only, after every unprotected unit) so that the budget still holds.
        protect_share: the largest share of the budget protected text may take for sure (1.0,
            the default: all of it). Below 1, when protected spans would take more, the
            best-scoring ones that fit the share are kept and the rest compete with ordinary
            words on their scores, so that a tight budget is not spent on numbers alone.
        window: most tokens the scorer feeds the model in one forward pass. Longer inputs are
            scored in windows, so memory is bounded by the window, not by the input.
        overlap: tokens of preceding context each later window re-reads, so that no token is
            scored with less than ``overlap`` tokens of context (except at the very start).
        iterative: LLMLingua's iterative mode: score segment by segment, each conditioned
            on the already-compressed prefix through the KV cache (about 1 + rate forwards).
        segment_tokens: segment length of the iterative mode, in scorer tokens.
        batch_size: prompts per forward pass in ``compress_batch``.
    """

    reduction: str = "mean"
    protect: tuple[str, ...] = dataclasses.field(default_factory=_builtin_protectors)
    on_overflow: str = "raise"
    protect_share: float = 1.0
    window: int = 2048
    overlap: int = 128
    iterative: bool = False
    segment_tokens: int = 256
    batch_size: int = 8

    def __post_init__(self) -> None:
        if self.reduction not in REDUCTIONS:
            raise ConfigError(f"reduction={self.reduction!r} is not one of {list(REDUCTIONS)}")
        if self.on_overflow not in OVERFLOW_POLICIES:
            raise ConfigError(f"on_overflow={self.on_overflow!r} is not one of {list(OVERFLOW_POLICIES)}")
        if isinstance(self.protect, str) or not all(isinstance(p, str) for p in self.protect):
            raise ConfigError(f"protect must be a tuple of protector names, got {self.protect!r}")
        object.__setattr__(self, "protect", tuple(self.protect))
        known = _builtin_protectors()
        unknown = [p for p in self.protect if p not in known]
        if unknown:
            raise ConfigError(f"unknown protector(s) {unknown}; built-in protectors are {list(known)}")
        for name in ("window", "segment_tokens", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be a positive int, got {value!r}")
        if self.window < 16:
            raise ConfigError(f"window={self.window} is too small; use at least 16 tokens")
        if not isinstance(self.overlap, int) or not 0 <= self.overlap < self.window // 2:
            raise ConfigError(f"overlap must be an int in [0, window // 2), got {self.overlap!r}")
        if isinstance(self.protect_share, bool) or not isinstance(self.protect_share, (int, float)) \
                or not 0 <= self.protect_share <= 1:
            raise ConfigError(f"protect_share must be a number in [0, 1], got {self.protect_share!r}")
        if not isinstance(self.iterative, bool):
            raise ConfigError(f"iterative must be a bool, got {self.iterative!r}")

    def replace(self, **changes: Any) -> "CompressionConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["protect"] = list(self.protect)
        return {"version": CONFIG_VERSION, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CompressionConfig":
        data = checked_fields(cls, data, CONFIG_VERSION)
        if "protect" in data:
            data["protect"] = tuple(data["protect"])
        return cls(**data)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "CompressionConfig":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
