"""Punctuation goes with its words: a mark whose clause lost every word is dropped too.

"Priya: Right, right. And we have refunded all of them already?" with every word of the question
dropped must not come out as "Priya:?". ``orphan_marks`` is applied by ``render`` to every
keep-mask, so the budget search counts exactly what is sent.

- A closing mark (``. , ; : ! ? ) ] } …``; a run such as ``?!`` counts as one) belongs to the
  words before it, back to the previous closing mark or the start of its line.
- An opening bracket (``( [ {``) belongs to the words after it, up to the next closing mark or
  the end of its line.
A mark is dropped when its clause has at least one droppable word and none of them is kept.
Protected units neither count as words here nor are ever dropped, so "Priya:" does not keep a
comma alive and "420 ms." keeps its full stop.

Example:
    >>> import numpy as np
    >>> from headroom_lingua.engine.segment import segment
    >>> u = segment("Ok. Right, right. Done?", protected=[])
    >>> words = [u.text[s:e] for s, e in zip(u.starts, u.ends)]
    >>> keep = np.array([w in ("Ok", ".", ",", "?") for w in words])
    >>> [w for w, k in zip(words, orphan_marks(u, keep)) if k]
    ['Ok', '.']
"""

from __future__ import annotations

import numpy as np
import regex

from .codepoints import CodepointTable
from .segment import Units

_CLOSING = regex.compile(r"[.,;:!?)\]}…。，；：！？、）】」]+")
_OPENING = regex.compile(r"[(\[{（【「]")
_WORDLIKE = regex.compile(r"[\p{L}\p{N}]")


def _static(units: Units, line_break: np.ndarray) -> tuple[np.ndarray, ...]:
    """What depends only on the text, cached on ``units``: the droppable word units, the marks
    that can become orphans (a closing mark with words in its clause before it, an opening mark
    with words in its clause after it), and for those marks the first and last unit (exclusive)
    of the words they belong to."""
    cached = units.__dict__.get("_punct")
    if cached is not None:
        return cached
    n = len(units)
    word, closing, opening = _unit_kinds(units)
    word &= ~units.protected
    idx = np.arange(n)
    # The last closing mark of a run ends a clause; a line break (in the gap before unit i) too.
    ends_clause = closing & np.concatenate((~closing[1:], [True]))
    starts_line = line_break[:n]
    after_mark = np.concatenate(([0], np.where(ends_clause, idx + 1, 0)[:-1]))
    line_first = np.where(starts_line, idx, 0)
    first = np.maximum(np.maximum.accumulate(after_mark), np.maximum.accumulate(line_first))
    # For opening marks: clause runs to the next closing mark or the unit before the next line break.
    nxt_mark = np.where(closing, idx, n)
    nxt_break = np.where(np.concatenate((starts_line[1:], [True])), idx, n)
    last = np.minimum(np.minimum.accumulate(nxt_mark[::-1])[::-1], np.minimum.accumulate(nxt_break[::-1])[::-1])
    words = np.concatenate(([0], np.cumsum(word)))
    # closing mark i: its words are units [first[i], i); opening mark i: units (i, last[i]].
    lo = np.where(closing, first, idx + 1)
    hi = np.where(closing, idx, np.minimum(last + 1, n))
    marks = np.flatnonzero((closing | opening) & ~units.protected & (words[hi] > words[lo]))
    cached = (word, marks, lo[marks], hi[marks])
    units.__dict__["_punct"] = cached
    return cached


def orphan_marks(units: Units, keep: np.ndarray, line_break: np.ndarray | None = None) -> np.ndarray:
    """``keep`` without the unprotected punctuation marks whose clause's words were all dropped.
    ``line_break``: (n + 1,) bool, whether gap i holds a line break (computed when not given)."""
    n = len(units)
    if n == 0:
        return keep
    if line_break is None:
        line_break = np.array([("\n" in g or "\r" in g) for g in units.gaps], dtype=bool)
    word, marks, lo, hi = _static(units, line_break)
    if not len(marks):
        return keep
    kept = np.concatenate(([0], np.cumsum(word & keep)))
    orphan = marks[keep[marks] & (kept[hi] == kept[lo])]
    if not len(orphan):
        return keep
    out = keep.copy()
    out[orphan] = False
    return out


def _kind(cp: int) -> int:
    """1 letter or digit, 2 closing mark, 3 opening mark, 4 anything else."""
    ch = chr(cp)
    return 1 if _WORDLIKE.match(ch) else 2 if _CLOSING.fullmatch(ch) else 3 if _OPENING.fullmatch(ch) else 4


_KINDS = CodepointTable(_kind)


def _char_masks(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Per character: a letter or digit, a closing mark, an opening mark (None: not valid Unicode)."""
    per_char = _KINDS.classes(text)
    return None if per_char is None else (per_char == 1, per_char == 2, per_char == 3)


def _unit_kinds(units: Units) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(holds a letter or digit, is made of closing marks only, is one opening mark) per unit."""
    starts, ends, text = units.starts, units.ends, units.text
    masks = _char_masks(text)
    if masks is None:  # lone surrogates: one unit at a time
        pieces = [text[s:e] for s, e in zip(starts.tolist(), ends.tolist())]
        return (np.array([_WORDLIKE.search(p) is not None for p in pieces], dtype=bool),
                np.array([_CLOSING.fullmatch(p) is not None for p in pieces], dtype=bool),
                np.array([_OPENING.fullmatch(p) is not None for p in pieces], dtype=bool))
    within = [np.concatenate(([0], np.cumsum(m))) for m in masks]  # counts before each position
    word = within[0][ends] > within[0][starts]
    closing = (within[1][ends] - within[1][starts]) == ends - starts
    opening = ((within[2][ends] - within[2][starts]) == 1) & (ends - starts == 1)
    return word, closing & (ends > starts), opening
