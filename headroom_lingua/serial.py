"""Reading versioned config dicts back, shared by every config of the project."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from .errors import ConfigError


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


class Versioned:
    """``replace``, ``to_dict`` (with the ``VERSION`` stamp) and ``from_dict`` (checked by
    ``checked_fields``) for a frozen config dataclass that sets ``VERSION``."""

    VERSION: ClassVar[int] = 1

    def replace(self, **changes: Any) -> Any:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.VERSION, **dataclasses.asdict(self)}  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        return cls(**checked_fields(cls, data, cls.VERSION))
