"""Render: a keep-mask over units -> the original text with the dropped units cut out.

Kept units come back byte-identical and in order. Where a run of units is dropped, the
whitespace gaps around it collapse into one gap built only from original characters:
- inside a line, the gap that preceded the next kept unit (so no doubled space and no space
  left dangling before punctuation: "Hello world, friend" minus "world" is "Hello, friend"),
  unless that gap is empty and the next kept unit starts with a word character: then the last
  non-empty gap of the stretch, so words never fuse ("receptors (VLRs)" minus "receptors (" keeps
  a space before "VLRs");
- across lines, the line breaks of the gap that had the most of them, followed by the
  indentation of the line the next kept unit sits on (so layout survives);
- at the start of the text, the text's own leading whitespace; at the end, its trailing one.
A punctuation mark whose clause lost all its words goes too (see ``punctuation``); a unit that
a kept unit needs (``Units.with_needs``: the speaker label of a kept "I will ..." clause) stays.
The result is therefore always a subsequence of the input.

``count_rendered`` gives the token count of a rendering without building its text, for the
budget search: most pieces of a rendering are slices of the original that start and end where its
pre-tokens do, so their tokens are read off the original's pre-token table.

Example:
    >>> import numpy as np
    >>> from headroom_lingua.engine.segment import segment
    >>> u = segment("def f():\\n    very useless words\\n    return 1")
    >>> keep = np.array([t not in ("very", "useless", "words") for t in
    ...                  [u.text[s:e] for s, e in zip(u.starts, u.ends)]])
    >>> print(render(u, keep)[0])
    def f():
        return 1
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np
import regex

from .punctuation import orphan_marks
from .segment import Units

_BREAK = regex.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _last_break_end(gap: str) -> int:
    """Index just past the last line break in ``gap`` (0 if it has none)."""
    end = 0
    for m in _BREAK.finditer(gap):
        end = m.end()
    return end


def _breaks(gap: str) -> int:
    return len(_BREAK.findall(gap)) if gap else 0


def merge_gaps(gaps: list[str], at_start: bool = False) -> str:
    """One gap standing for ``gaps`` (those around a dropped run), see the module docstring."""
    return _merged(gaps.__getitem__, np.array([_breaks(g) for g in gaps], dtype=np.int64), 0, len(gaps), at_start)


def _merged(gap: Callable[[int], str], counts: np.ndarray, a: int, b: int, at_start: bool = False) -> str:
    """``merge_gaps`` of gaps ``a`` to ``b - 1`` (``gap(i)``), from the gaps' line-break counts
    (only two gaps are read)."""
    with_breaks = np.flatnonzero(counts[a:b]) + a
    if at_start:
        later = with_breaks[with_breaks > a]
        if not len(later):
            return gap(a)
        tail = gap(int(later[-1]))
        return gap(a) + tail[_last_break_end(tail):]
    if not len(with_breaks):
        return gap(b - 1)  # callers choose a non-empty gap where words would fuse (see render)
    most = gap(int(with_breaks[np.argmax(counts[with_breaks])]))  # the first gap with the most breaks
    last = gap(int(with_breaks[-1]))
    return most[: _last_break_end(most)] + last[_last_break_end(last):]


def _starts_word(text: str, i: int) -> bool:
    ch = text[i]
    return ch.isalnum() or ch == "_"


def _break_counts(units: Units) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """((n + 1,) line breaks in each gap, (n + 2,) cumulative count of gaps holding one, (n + 1,)
    whether each gap holds one), cached on the Units (render runs several times on the same units
    during a budget search)."""
    cached = units.__dict__.get("_break_counts")
    if cached is None:
        at = np.fromiter((m.start() for m in _BREAK.finditer(units.text)), dtype=np.int64)
        gap_s = np.concatenate(([0], units.ends))
        gap_e = np.concatenate((units.starts, [len(units.text)]))
        counts = np.searchsorted(at, gap_e) - np.searchsorted(at, gap_s)  # gaps are whitespace only
        cached = counts, np.concatenate(([0], np.cumsum(counts > 0))), counts > 0
        units.__dict__["_break_counts"] = cached
    return cached


MEMO = 8  # renders remembered per Units: the caller renders again what the budget search counted


def render(units: Units, keep: np.ndarray) -> tuple[str, list[tuple[int, int]]]:
    """The compressed text and the kept character spans (runs of adjacent kept units). A
    punctuation mark whose words were all dropped is dropped too (``punctuation``)."""
    text, spans = _remembered(units, "_renders", np.asarray(keep, dtype=bool), _render)
    return text, list(spans)


def _remembered(units: Units, slot: str, keep: np.ndarray, make: Callable[[Units, np.ndarray], Any]) -> Any:
    """``make(units, keep)``, remembered for the last ``MEMO`` masks in ``units.__dict__[slot]``."""
    memo = units.__dict__.setdefault(slot, {})
    key = keep.tobytes()
    if key not in memo:
        if len(memo) >= MEMO:
            memo.pop(next(iter(memo)))
        memo[key] = make(units, keep)
    return memo[key]


class _Layout(NamedTuple):
    """A rendering before its text is built. Piece r is ``seps.get(r, "") + text[piece_s[r]:
    run_e[r]]``; the output is the pieces joined, then the text's trailing whitespace. Piece 0
    holds the leading whitespace; a later piece starts with its separator (the gap before its
    run: one slice with it, in the common case) unless ``seps`` has a built one (merged line
    breaks, or a non-empty gap chosen so that two words do not fuse)."""

    first: np.ndarray  # first and last unit of each run of kept units
    last: np.ndarray
    piece_s: np.ndarray
    run_e: np.ndarray
    seps: dict[int, str]


def _layout(units: Units, keep: np.ndarray) -> _Layout | None:
    """The layout of ``keep`` (after ``with_needs`` and orphaned marks); None when nothing is kept.
    The last few are remembered: the caller renders the mask the budget search counted last."""
    return _remembered(units, "_layouts", keep, _new_layout)


def _new_layout(units: Units, keep: np.ndarray) -> _Layout | None:
    text, starts, ends = units.text, units.starts, units.ends
    counts, prefix, line_break = _break_counts(units)
    keep = orphan_marks(units, units.with_needs(keep), line_break)
    idx = np.flatnonzero(keep)
    if not len(idx):
        return None
    # Runs of consecutive kept units: [first[r], last[r]]; run r > 0 follows a dropped stretch
    # whose gaps are gaps[last[r-1] + 1 .. first[r]].
    cut = np.flatnonzero(np.diff(idx) > 1)
    first = np.concatenate(([idx[0]], idx[cut + 1]))
    last = np.concatenate((idx[cut], [idx[-1]]))
    # Common case, vectorised: no line break among a stretch's gaps -> the gap before the next kept
    # unit, so the separator and the run after it are one slice of the text.
    plain = (prefix[first[1:] + 1] - prefix[last[:-1] + 1]) == 0
    piece_s = starts[first]
    piece_s[1:] = np.where(plain, ends[first[1:] - 1], piece_s[1:])
    seps: dict[int, str] = {}
    # An empty separator (the gap before the next kept unit was empty; a merged one holds a line
    # break) must not fuse two words: take the stretch's last non-empty gap instead.
    fused = np.flatnonzero(plain & (starts[first[1:]] == ends[first[1:] - 1]))
    if len(fused) or not plain.all() or first[0] > 0:
        gap = units.gap
        stretch = np.flatnonzero(~plain)  # stretches whose gaps hold a line break
        lo, hi = last[stretch] + 1, first[stretch + 1] + 1  # their gaps: [lo, hi)
        with_break = np.flatnonzero(line_break)
        one = (prefix[hi] - prefix[lo]) == 1  # one gap with breaks (a paragraph break): it is the separator
        only = with_break[np.searchsorted(with_break, lo[one])]
        seps.update(zip((stretch[one] + 1).tolist(), map(gap, only.tolist())))
        for r, a, b in zip(stretch[~one].tolist(), lo[~one].tolist(), hi[~one].tolist()):
            seps[r + 1] = _merged(gap, counts, a, b)
        for r in fused.tolist():
            a, p = int(first[r + 1]), int(last[r])
            if _starts_word(text, int(starts[a])):
                seps[r + 1] = next((g for g in map(gap, range(a - 1, p, -1)) if g), "")
        if first[0] > 0:
            seps[0] = _merged(gap, counts, 0, int(first[0]) + 1, at_start=True)
    if first[0] == 0:
        piece_s[0] = 0  # the text's own leading whitespace
    return _Layout(first, last, piece_s, ends[last], seps)


def _render(units: Units, keep: np.ndarray) -> tuple[str, list[tuple[int, int]]]:
    text, n = units.text, len(units)
    if n == 0 or keep.all():
        return text, ([(int(units.starts[0]), int(units.ends[-1]))] if n else [])
    lay = _layout(units, keep)
    if lay is None:
        return "", []
    ends = lay.run_e.tolist()
    pieces = [text[a:b] for a, b in zip(lay.piece_s.tolist(), ends)]
    for r, sep in lay.seps.items():
        pieces[r] = sep + pieces[r]
    return "".join(pieces) + text[int(units.ends[-1]):], list(zip(units.starts[lay.first].tolist(), ends))


def count_rendered(units: Units, keep: np.ndarray, table: Any, count: Callable[[str], int]) -> int:
    """``count(render(units, keep)[0])`` without building the text, for a byte-level BPE counter
    (``pretokens``): ``table`` has ``bound`` ((len(text) + 1,) bool: a pre-token starts there, or
    the text ends) and ``before`` (tokens before each such position) of ``units.text``.

    The GPT-2 pre-tokenizer reads forward only and never joins a non-space character with the
    whitespace after it, so text that ends with a non-space followed by text that starts with
    whitespace splits into the pre-tokens of the two. Every piece ends with a unit; a piece that
    starts with whitespace is counted apart from the one before it, and a piece that is a slice
    of the text from one pre-token boundary to another has the tokens of the text's own pre-tokens
    there: ``before[end] - before[start]``. The rest (built separators, pieces joined without
    whitespace) are joined and counted as one string: exact, and tested against counting the
    rendered text.
    """
    text, n, keep = units.text, len(units), np.asarray(keep, dtype=bool)
    if n == 0 or keep.all():
        return int(table.before[len(text)]) if n else count(text)
    lay = _layout(units, keep)
    if lay is None:
        return 0
    piece_s, run_e, seps = lay.piece_s, lay.run_e, lay.seps
    spaced = np.ones(len(piece_s) + 1, dtype=bool)  # piece r starts a new count (trailing: r = R)
    spaced[1:-1] = piece_s[1:] < units.starts[lay.first[1:]]  # a non-empty gap from the text
    aligned = table.bound[piece_s] & table.bound[run_e]
    for r, sep in seps.items():
        aligned[r] = False
        spaced[r] = r == 0 or bool(sep)  # built separators are whitespace
    alone = aligned & spaced[:-1] & spaced[1:]
    total = int(table.before[run_e[alone]].sum() - table.before[piece_s[alone]].sum())
    # The other pieces, joined in order, are one string: where one of them follows a piece counted
    # from the table it starts with whitespace (or that piece would not have been counted alone),
    # so joining them adds no token across the gap; pieces that must be read together stay together.
    rest = np.flatnonzero(~alone).tolist()
    if rest:
        total += count("".join([seps.get(r, "") + text[a:b] for r, a, b in
                                zip(rest, piece_s[rest].tolist(), run_e[rest].tolist())]))
    end = int(units.ends[-1])  # the trailing whitespace: after a unit, so counted apart
    return total + (int(table.before[len(text)] - table.before[end]) if table.bound[end] else count(text[end:]))
