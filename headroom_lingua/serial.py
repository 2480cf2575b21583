"""Reading versioned config dicts back, shared by every config of the project."""

from __future__ import annotations

import dataclasses
from typing import Any

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
