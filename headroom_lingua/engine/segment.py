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

from .codepoints import CodepointTable

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
    linked: np.ndarray | None = None  # (n,) bool: who-does-what clauses, protected, ranked first in their priority
    needs: np.ndarray | None = None  # (n,) int64: a unit kept whenever this one is (-1: none), see ``with_needs``

    def __post_init__(self) -> None:
        if self.priority is None:  # protected units of unknown origin yield like the lowest protector
            object.__setattr__(self, "priority", np.asarray(self.protected, dtype=np.int8))
        if self.linked is None:
            object.__setattr__(self, "linked", np.zeros(len(self.starts), dtype=bool))
        if self.needs is None:
            object.__setattr__(self, "needs", np.full(len(self.starts), -1, dtype=np.int64))

    def with_needs(self, keep: np.ndarray) -> np.ndarray:
        """``keep`` plus the units that kept units need ("I will send the report" keeps its
        line's "Marcus:", so the clause keeps its owner)."""
        keep = np.asarray(keep, dtype=bool)
        needy = np.flatnonzero(keep & (self.needs >= 0))
        if not len(needy) or keep[self.needs[needy]].all():
            return keep
        keep = keep.copy()
        keep[self.needs[needy]] = True
        return keep

    def __len__(self) -> int:
        return len(self.starts)

    def spans(self) -> list[tuple[int, int]]:
        return list(zip(self.starts.tolist(), self.ends.tolist()))

    def gap(self, i: int) -> str:
        """``gaps[i]`` alone, without building all n + 1 (a rendering reads a few)."""
        text, n = self.text, len(self.starts)
        return text[0 if i == 0 else int(self.ends[i - 1]):len(text) if i == n else int(self.starts[i])]

    @functools.cached_property
    def gaps(self) -> list[str]:
        """The n + 1 whitespace gaps: before unit 0, between units, after the last unit."""
        bounds_s = np.concatenate(([0], self.ends))
        bounds_e = np.concatenate((self.starts, [len(self.text)]))
        text = self.text
        return [text[s:e] for s, e in zip(bounds_s.tolist(), bounds_e.tolist())]


# Texts in which every grapheme cluster is one code point (no combining marks, joiners, emoji
# modifiers, regional indicators, Hangul jamo sequences) and no CJK take a vectorised path that
# gives exactly the units of ``_UNIT`` (tests compare the two): there a unit is a single symbol,
# or the stretch of a whitespace-free run from its first to its last word character.
_COMPLEX = regex.compile(rf"[^\p{{GCB=Other}}\p{{GCB=CR}}\p{{GCB=LF}}\p{{GCB=Control}}]|{_CJK}")
_SPACE, _WORD = regex.compile(r"\s"), regex.compile(r"[\p{L}\p{N}_]")


def _char_class(cp: int) -> int:
    """0 whitespace, 1 word character, 2 anything else, 3 complex (see above): each test reads
    one code point, so a table of them gives the same answers."""
    ch = chr(cp)
    return 3 if _COMPLEX.match(ch) else 0 if _SPACE.match(ch) else 1 if _WORD.match(ch) else 2


_CLASSES = CodepointTable(_char_class)


def _classes(text: str) -> np.ndarray | None:
    """(len(text),) int8 character classes, or None for text that is not valid Unicode or holds
    a complex character (the regex path copes)."""
    cls = _CLASSES.classes(text)
    return None if cls is None or (cls == 3).any() else cls


def _fast_units(text: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The units of ``_UNIT`` for simple text, vectorised; None where the text is not simple."""
    cls = _classes(text)
    if cls is None:
        return None
    filled = cls != 0
    edges = np.diff(np.concatenate(([0], filled.view(np.int8), [0])))
    run_start, run_end = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # runs [start, end)
    word = cls == 1
    before = np.concatenate(([0], np.cumsum(word)))  # word characters before each position
    where = np.flatnonzero(word)
    has = before[run_end] > before[run_start]
    first, last = where[before[run_start[has]]], where[before[run_end[has]] - 1]
    mark = np.zeros(len(text) + 1, dtype=np.int64)
    mark[first] += 1
    mark[last + 1] -= 1  # runs are apart, so no two of these positions coincide
    single = np.flatnonzero(filled & (np.cumsum(mark[:-1]) == 0))
    starts, ends = np.concatenate((single, first)), np.concatenate((single + 1, last + 1))
    order = np.argsort(starts, kind="stable")
    return starts[order].astype(np.int64), ends[order].astype(np.int64)


def _regex_units(text: str) -> tuple[np.ndarray, np.ndarray]:
    spans = np.fromiter((x for m in _UNIT.finditer(text) for x in m.span()), dtype=np.int64)
    spans = spans.reshape(-1, 2)
    return spans[:, 0].copy(), spans[:, 1].copy()


def _base_units(text: str) -> tuple[np.ndarray, np.ndarray]:
    fast = _fast_units(text)
    return fast if fast is not None else _regex_units(text)


STRICT = 4
"""The protection level that never yields (``force=`` items, ``protect.FORCE``): a linked clause
holding such a unit stays protected at that level."""
LINKED = 2
"""The protection level of a linked clause (that of numbers), or the highest of what it holds."""


def segment(text: str, protected: Sequence[tuple[int, int]] = (), priority: Sequence[int] | None = None,
            groups: Sequence[tuple[int, int]] = (), linked: Sequence[tuple[int, int]] = ()) -> Units:
    """Split ``text`` into units; each protected span (sorted, disjoint) becomes one whole unit,
    at its ``priority`` (one per span, default 1; a unit made of several takes the highest).
    Each of ``groups`` (sorted, disjoint spans: a line of code) becomes one unit too, kept or
    dropped whole, at the highest priority of what it holds. Each of ``linked`` (sorted,
    disjoint: a clause that states who does what) becomes one unit marked ``linked``, protected
    spans inside it included, at ``LINKED`` or the highest priority of what it holds: it goes
    whole or not at all, and front ends rank it above every other unit of its priority.

    Example:
        >>> u = segment("Dana owns the fix. Ok.", protected=[(0, 4)], priority=[3], linked=[(0, 17)])
        >>> [u.text[s:e] for s, e in zip(u.starts, u.ends)], u.linked.tolist(), u.priority.tolist()
        (['Dana owns the fix', '.', 'Ok', '.'], [True, False, False, False], [3, 0, 0, 0])
    """
    starts, ends = _base_units(text)
    levels = np.zeros(len(starts), dtype=np.int8)
    span_levels = np.ones(len(protected), np.int8) if priority is None else np.asarray(priority, dtype=np.int8)
    starts, ends, levels = _merge(starts, ends, levels, protected, span_levels)
    starts, ends, levels = _merge(starts, ends, levels, groups, None)
    if not len(linked):
        return Units(text, starts, ends, levels > 0, levels)
    _, _, held = _merge(starts, ends, levels, linked, None)  # the highest level inside each clause
    starts, ends, mark = _merge(starts, ends, np.zeros(len(starts), dtype=np.int8), linked,
                                np.ones(len(linked), np.int8))
    is_linked = (mark > 0) & (held < STRICT)
    levels = np.where(is_linked, np.maximum(held, LINKED), held).astype(np.int8)
    return Units(text, starts, ends, levels > 0, levels, is_linked)


def _merge(starts: np.ndarray, ends: np.ndarray, levels: np.ndarray, spans: Sequence[tuple[int, int]],
           span_levels: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge the units each span overlaps into one; the merged unit's level is the highest of its
    members' and of its spans' (``span_levels``; None: the spans add no level)."""
    if not len(spans) or not len(starts):
        return starts, ends, levels
    prot = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    add = np.zeros(len(prot), np.int8) if span_levels is None else np.asarray(span_levels, np.int8)
    # Unit index range [first, last] overlapping each span.
    first = np.searchsorted(ends, prot[:, 0], side="right")
    last = np.searchsorted(starts, prot[:, 1], side="left") - 1
    keep = first <= last  # spans made of whitespace only overlap no unit
    first, last, add = first[keep], last[keep], add[keep]
    if not len(first):
        return starts, ends, levels
    # Widening to unit boundaries can make neighbouring spans share units: merge those ranges
    # (a range opens a new group where it starts after every earlier range has ended).
    opens = np.concatenate(([True], first[1:] > np.maximum.accumulate(last)[:-1]))
    at = np.flatnonzero(opens)
    g_first, g_last = first[at], np.maximum.reduceat(last, at)
    g_add = np.maximum.reduceat(add, at)
    cover = np.zeros(len(starts) + 1, dtype=np.int64)
    cover[g_first + 1] += 1  # groups are disjoint: no index repeats within one assignment
    cover[g_last + 1] -= 1
    drop = np.cumsum(cover)[:-1] > 0  # units after the first one of each group
    new_ends, new_levels = ends.copy(), levels.copy()
    new_ends[g_first] = ends[g_last]
    bounds = np.ravel(np.column_stack((g_first, g_last + 1)))
    members = np.maximum.reduceat(np.concatenate((levels, [0])), bounds)[::2]  # highest member level
    new_levels[g_first] = np.maximum(members, g_add)
    keep_unit = ~drop
    return starts[keep_unit], new_ends[keep_unit], new_levels[keep_unit]
