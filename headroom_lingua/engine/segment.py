"""Segment: text -> units (words, single CJK characters, punctuation or symbol graphemes).

Units never split a grapheme cluster (so never half a multi-byte character, an emoji sequence
or a letter with its combining marks), and every non-whitespace character belongs to exactly one
unit. What lies between units is whitespace only; ``render`` keeps or merges those gaps.
Protected spans are widened to unit boundaries and become one protected unit each.

Example:
    >>> u = segment("Hello, wörld 日本!", protected=[])
    >>> [u.text[s:e] for s, e in zip(u.starts, u.ends)]
    ['Hello', ',', 'wörld', '日', '本', '!']
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Sequence

import numpy as np
import regex

# One CJK ideograph/kana per unit; otherwise a word: word characters (letters, digits, marks,
# not CJK) joined by any run of symbols or punctuation with no space on either side, as in "don't",
# "state-of-the-art", "3.14", "and/or", "foo(bar" (so removing a unit can never fuse two words);
# otherwise any single non-space grapheme cluster (punctuation, symbols, emoji with modifiers).
# A "character" here is a whole grapheme cluster that starts with such a character, so whatever
# extends it (combining marks, emoji modifiers, zero-width joiners) stays in the same unit.
_CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}]"
_WORD_CHAR = rf"(?:(?!{_CJK})(?=[\p{{L}}\p{{N}}_])\X)"
_UNIT = regex.compile(
    rf"(?={_CJK})\X"
    rf"|{_WORD_CHAR}+(?:[^\s\p{{L}}\p{{N}}_\p{{M}}]+{_WORD_CHAR}+)*"
    r"|(?!\s)\X"
    r"|(?=\p{Zs})\X(?<=\S)"  # a space carrying combining marks is one grapheme: keep it whole
)


@dataclasses.dataclass(frozen=True, eq=False)
class Units:
    """Units of one text as parallel arrays of character offsets (half-open spans)."""

    text: str
    starts: np.ndarray  # (n,) int64, increasing
    ends: np.ndarray  # (n,) int64, ends[i] <= starts[i + 1]
    protected: np.ndarray  # (n,) bool
    priority: np.ndarray | None = None  # (n,) int8: 0 unprotected, else the protector's (protect.PRIORITY)

    def __post_init__(self) -> None:
        if self.priority is None:  # protected units of unknown origin yield like the lowest protector
            object.__setattr__(self, "priority", np.asarray(self.protected, dtype=np.int8))

    def __len__(self) -> int:
        return len(self.starts)

    def spans(self) -> list[tuple[int, int]]:
        return list(zip(self.starts.tolist(), self.ends.tolist()))

    @functools.cached_property
    def gaps(self) -> list[str]:
        """The n + 1 whitespace gaps: before unit 0, between units, after the last unit."""
        bounds_s = np.concatenate(([0], self.ends))
        bounds_e = np.concatenate((self.starts, [len(self.text)]))
        text = self.text
        return [text[s:e] for s, e in zip(bounds_s.tolist(), bounds_e.tolist())]


def _base_units(text: str) -> tuple[np.ndarray, np.ndarray]:
    spans = np.fromiter((x for m in _UNIT.finditer(text) for x in m.span()), dtype=np.int64)
    spans = spans.reshape(-1, 2)
    return spans[:, 0].copy(), spans[:, 1].copy()


def segment(text: str, protected: Sequence[tuple[int, int]] = (), priority: Sequence[int] | None = None) -> Units:
    """Split ``text`` into units; each protected span (sorted, disjoint) becomes one whole unit.
    ``priority``: one per protected span (default 1); a unit made of several takes the highest
    (spans that only touch after widening to word boundaries)."""
    starts, ends = _base_units(text)
    is_protected = np.zeros(len(starts), dtype=bool)
    if not len(protected) or not len(starts):
        return Units(text, starts, ends, is_protected)
    prot = np.asarray(protected, dtype=np.int64).reshape(-1, 2)
    prio = np.ones(len(prot), np.int8) if priority is None else np.asarray(priority, dtype=np.int8)
    # Unit index range [first, last] overlapping each protected span.
    first = np.searchsorted(ends, prot[:, 0], side="right")
    last = np.searchsorted(starts, prot[:, 1], side="left") - 1
    keep = first <= last  # spans made of whitespace only overlap no unit
    prot, first, last, prio = prot[keep], first[keep], last[keep], prio[keep]
    if not len(prot):
        return Units(text, starts, ends, is_protected)
    grp, gprio = _groups(first, last, prio)
    drop = np.zeros(len(starts), dtype=bool)
    cover = np.zeros(len(starts) + 1, dtype=np.int64)
    np.add.at(cover, grp[:, 0] + 1, 1)
    np.add.at(cover, grp[:, 1] + 1, -1)
    drop[np.cumsum(cover)[:-1] > 0] = True  # units after the first one of each group
    new_ends = ends.copy()
    new_ends[grp[:, 0]] = ends[grp[:, 1]]
    is_protected[grp[:, 0]] = True
    unit_prio = np.zeros(len(starts), dtype=np.int8)
    unit_prio[grp[:, 0]] = gprio
    keep_unit = ~drop
    return Units(text, starts[keep_unit], new_ends[keep_unit], is_protected[keep_unit], unit_prio[keep_unit])


def _groups(first: np.ndarray, last: np.ndarray, prio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Widening to unit boundaries can make neighbouring spans share units: merge those ranges
    (a merged range takes the highest priority)."""
    groups = [[int(first[0]), int(last[0]), int(prio[0])]]
    for f, l, p in zip(first[1:].tolist(), last[1:].tolist(), prio[1:].tolist()):
        if f <= groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], l)
            groups[-1][2] = max(groups[-1][2], p)
        else:
            groups.append([f, l, p])
    arr = np.asarray(groups, dtype=np.int64)
    return arr[:, :2], arr[:, 2].astype(np.int8)
