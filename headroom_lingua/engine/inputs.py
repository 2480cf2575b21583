"""Checks every front end runs on its input before any model is touched: the text itself, the
budget rule and the ``force`` items, each with an error that names what is wrong.

Example:
    >>> resolve_budget(100, rate=0.33, target_tokens=None)
    33
    >>> as_force("ACME Corp")
    ('ACME Corp',)
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterable

import numpy as np
import regex

from ..errors import ConfigError, InputError


def check_text(text: Any, what: str = "prompt") -> str:
    """The text itself, or a TypeError/InputError naming what is wrong with it."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, got {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"{what} holds a lone surrogate {text[exc.start]!r} at index {exc.start}; it is not valid "
            "Unicode text (decode your bytes with errors='replace' or fix the source)"
        ) from None
    return text


def optional_text(value: Any, what: str) -> str | None:
    """None for None or "", else the checked text."""
    return None if value is None or value == "" else check_text(value, what)


def check_budget_args(rate: float | None, target_tokens: int | None) -> None:
    """Exactly one of rate/target_tokens, each in range; raised before any work is done."""
    if (rate is None) == (target_tokens is None):
        raise ValueError(f"give exactly one of rate or target_tokens (got rate={rate!r}, target_tokens={target_tokens!r})")
    if rate is not None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or math.isnan(rate) or not 0 < rate <= 1:
            raise ValueError(f"rate must be a number in (0, 1], got {rate!r}")
    elif isinstance(target_tokens, bool) or not isinstance(target_tokens, (int, np.integer)) or target_tokens <= 0:
        raise ValueError(f"target_tokens must be a positive int, got {target_tokens!r}")


def resolve_budget(original: int, rate: float | None, target_tokens: int | None) -> int:
    """The token budget for an input of ``original`` tokens; exactly one of rate/target_tokens."""
    check_budget_args(rate, target_tokens)
    if rate is not None:
        return max(1, math.floor(rate * original + 1e-9))
    return int(target_tokens)  # type: ignore[arg-type]


def as_force(force: Iterable | str | None) -> tuple:
    """``force`` as a tuple of strings and compiled patterns (one str is one item), checked."""
    if force is None:
        return ()
    items = (force,) if isinstance(force, (str, re.Pattern, regex.Pattern)) else tuple(force)
    for item in items:
        if isinstance(item, str):
            if not item:
                raise ConfigError("force= contains an empty string; remove it")
        elif not isinstance(item, (re.Pattern, regex.Pattern)):
            raise ConfigError(
                f"force= items must be strings or compiled regex patterns, got {type(item).__name__}: {item!r}")
    return items
