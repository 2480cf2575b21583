"""What a run evaluates: the (method, rate) pairs per example, and the key of one record."""

from __future__ import annotations

from typing import Any

Key = tuple[str, str, str, float]
"""(suite, example id, method, rate): one record of a run."""


def plan(config: Any, methods: list[str]) -> list[tuple[str, float]]:
    """(method, rate) pairs per example, ``none`` first (it runs once, at rate 1)."""
    return [("none", 1.0)] + [(m, r) for m in methods if m != "none" for r in config.rates]
