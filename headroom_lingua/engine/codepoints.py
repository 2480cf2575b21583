"""Per-character classes of a text from a table over all code points, filled lazily.

A class that reads one code point at a time (a regex on a single character) is worked out once
per code point and kept, so classifying a text is one array lookup after the first texts.

Example:
    >>> table = CodepointTable(lambda cp: 1 if chr(cp).isdigit() else 2)
    >>> table.classes("a1").tolist()
    [2, 1]
    >>> table.classes("\\ud800") is None  # a lone surrogate: not valid Unicode
    True
"""

from __future__ import annotations

from typing import Callable

import numpy as np

UNSET = -1


class CodepointTable:
    """``classes(text)``: ``classify(code point)`` (an int8 class, not -1) for each character."""

    def __init__(self, classify: Callable[[int], int]):
        self.classify = classify
        self.table = np.full(0x110000, UNSET, dtype=np.int8)  # writes are idempotent: threads may race

    def classes(self, text: str) -> np.ndarray | None:
        """(len(text),) int8 classes, or None for text that is not valid Unicode (lone surrogates)."""
        try:
            cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        except UnicodeEncodeError:
            return None
        out = self.table[cps]
        unknown = out == UNSET
        if unknown.any():  # characters not seen before: classified once each
            for cp in np.unique(cps[unknown]).tolist():
                self.table[cp] = self.classify(cp)
            out = self.table[cps]
        return out
