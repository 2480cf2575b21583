"""Settings and results of chat-message compression."""

from __future__ import annotations

import dataclasses
from typing import Any

from ...errors import ConfigError
from ...structure.apply import STEPS, StepStat, check_steps

ROLES = ("system", "developer", "user", "assistant", "tool", "function")


@dataclasses.dataclass(frozen=True)
class MessagesConfig:
    """Which messages are compressed and how hard.

    Attributes:
        verbatim_roles: roles never compressed (default system and developer).
        keep_last_user: keep the last user message verbatim.
        tool_weight: keep weight of tool outputs relative to other turns (< 1: compressed harder).
        age_decay: ``stable=False`` only: keep weight multiplies by this for each later user turn.
        headroom: ``stable=True``: the account keeps ``headroom x (1 - rate)`` x the longest user
            message so far in reserve, for the verbatim last user message (higher: fewer
            fallbacks, a little more compression).
        payback: ``stable=True``: share of the balance's distance to the reserve each turn settles.
        min_share: ``stable=True``: a turn keeps at least this share of its allowance, however
            deep the account is in deficit (e.g. after a long system prompt).
        rate_step: ``stable=True`` with ``target_tokens``: the stable rate is a power of this.
        steps: structure steps run on the compressible messages before scoring, from
            ``structure.apply.STEPS`` (default all: ``dedup``, ``noise``, ``json``, ``logs``);
            ``()`` turns them off. JSON values and unfenced code blocks are then kept or
            dropped whole. Skipped when the budget already holds the conversation.
    """

    verbatim_roles: tuple[str, ...] = ("system", "developer")
    keep_last_user: bool = True
    tool_weight: float = 0.6
    age_decay: float = 0.75
    headroom: float = 1.5
    payback: float = 0.5
    min_share: float = 0.25
    rate_step: float = 0.8
    steps: tuple[str, ...] = STEPS

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", check_steps(self.steps))
        if isinstance(self.verbatim_roles, str) or any(r not in ROLES for r in self.verbatim_roles):
            raise ConfigError(f"verbatim_roles must be a tuple of roles from {list(ROLES)}, got {self.verbatim_roles!r}")
        object.__setattr__(self, "verbatim_roles", tuple(self.verbatim_roles))
        for name in ("tool_weight", "age_decay", "rate_step"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise ConfigError(f"{name} must be a number in (0, 1], got {value!r}")
        for name in ("payback", "min_share"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ConfigError(f"{name} must be a number in [0, 1], got {value!r}")
        if not isinstance(self.headroom, (int, float)) or not 0 <= self.headroom <= 10:
            raise ConfigError(f"headroom must be a number in [0, 10], got {self.headroom!r}")
        if self.rate_step == 1:
            raise ConfigError("rate_step must be below 1 (it is the ratio between stable rates)")

    def replace(self, **changes: Any) -> "MessagesConfig":
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True)
class MessageStat:
    """Figures for one message: its tokens before and after, and whether it was kept verbatim."""

    index: int
    role: str
    original_tokens: int
    compressed_tokens: int
    verbatim: bool


@dataclasses.dataclass(frozen=True)
class MessagesResult:
    """What ``compress_messages`` returns.

    Attributes:
        messages: the compressed list (new dicts; same roles, keys, key order and positions).
        original_tokens / compressed_tokens: the whole list, counted as described in the module.
        rate, ratio: compressed / original and original / compressed.
        budget: the token budget; tokenizer: the budget tokenizer's name; seconds: wall time.
        stable: True when every message's form depends only on the messages up to it.
        stable_rate: the per-turn rate of the stable account (None with ``stable=False``).
        stats: per-message figures.
        yielded: protected spans of compressible turns that gave way (shortened to 40 characters).
        steps: what each structure step removed (tokens, items, seconds), in the order they ran.
        over_budget: tokens over the budget (0 normally; above 0 only when the verbatim parts,
            system/developer messages and the last user message, alone exceed it: the
            compressible turns are then at their minimum).
    """

    messages: list[dict[str, Any]]
    original_tokens: int
    compressed_tokens: int
    rate: float
    ratio: float
    budget: int
    tokenizer: str
    seconds: float
    stable: bool
    stable_rate: float | None
    stats: tuple[MessageStat, ...]
    yielded: tuple[str, ...] = ()
    over_budget: int = 0
    steps: tuple[StepStat, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["stats"] = [dataclasses.asdict(s) for s in self.stats]
        data["steps"] = [dataclasses.asdict(s) for s in self.steps]
        return data
