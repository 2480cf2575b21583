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
    return _merged(gaps, np.array([_breaks(g) for g in gaps], dtype=np.int64), 0, len(gaps), at_start)


def _merged(gaps: list[str], counts: np.ndarray, a: int, b: int, at_start: bool = False) -> str:
    """``merge_gaps(gaps[a:b])`` from the gaps' line-break counts (only two gaps are read)."""
    with_breaks = np.flatnonzero(counts[a:b]) + a
    if at_start:
        later = with_breaks[with_breaks > a]
        return gaps[a] + (gaps[later[-1]][_last_break_end(gaps[later[-1]]):] if len(later) else "")
    if not len(with_breaks):
        return gaps[b - 1]  # callers choose a non-empty gap where words would fuse (see render)
    most = int(with_breaks[np.argmax(counts[with_breaks])])  # first gap with the most breaks
    last = int(with_breaks[-1])
    return gaps[most][: _last_break_end(gaps[most])] + gaps[last][_last_break_end(gaps[last]):]


def _starts_word(text: str, i: int) -> bool:
    ch = text[i]
    return ch.isalnum() or ch == "_"


def _break_counts(units: Units) -> tuple[np.ndarray, np.ndarray]:
    """((n + 1,) line breaks in each gap, (n + 2,) cumulative count of gaps holding one), cached
    on the Units (render runs several times on the same units during a budget search)."""
    cached = units.__dict__.get("_break_counts")
    if cached is None:
        at = np.fromiter((m.start() for m in _BREAK.finditer(units.text)), dtype=np.int64)
        gap_s = np.concatenate(([0], units.ends))
        gap_e = np.concatenate((units.starts, [len(units.text)]))
        counts = np.searchsorted(at, gap_e) - np.searchsorted(at, gap_s)  # gaps are whitespace only
        cached = counts, np.concatenate(([0], np.cumsum(counts > 0)))
        units.__dict__["_break_counts"] = cached
    return cached


MEMO = 8  # renders remembered per Units: the caller renders again what the budget search counted


def render(units: Units, keep: np.ndarray) -> tuple[str, list[tuple[int, int]]]:
    """The compressed text and the kept character spans (runs of adjacent kept units). A
    punctuation mark whose words were all dropped is dropped too (``punctuation``)."""
    keep = np.asarray(keep, dtype=bool)
    memo = units.__dict__.setdefault("_renders", {})
    key = keep.tobytes()
    if key not in memo:
        if len(memo) >= MEMO:
            memo.pop(next(iter(memo)))
        memo[key] = _render(units, keep)
    text, spans = memo[key]
    return text, list(spans)


def _render(units: Units, keep: np.ndarray) -> tuple[str, list[tuple[int, int]]]:
    text, n = units.text, len(units)
    if n == 0 or keep.all():
        return text, ([(int(units.starts[0]), int(units.ends[-1]))] if n else [])
    keep = orphan_marks(units, units.with_needs(keep), _break_counts(units)[0] > 0)
    idx = np.flatnonzero(keep)
    if not len(idx):
        return "", []
    # Runs of consecutive kept units: [first[r], last[r]]; run r > 0 follows a dropped stretch
    # whose gaps are gaps[last[r-1] + 1 .. first[r]].
    cut = np.flatnonzero(np.diff(idx) > 1)
    first = np.concatenate(([idx[0]], idx[cut + 1]))
    last = np.concatenate((idx[cut], [idx[-1]]))
    gaps = units.gaps
    counts, prefix = _break_counts(units)
    # Common case, vectorised: no line break among a stretch's gaps -> the gap before the next kept unit.
    plain = (prefix[first[1:] + 1] - prefix[last[:-1] + 1]) == 0
    after, before = first[1:].tolist(), last[:-1].tolist()
    seps = [gaps[a] if ok else _merged(gaps, counts, p + 1, a + 1) for a, p, ok in zip(after, before, plain.tolist())]
    # An empty separator (the gap before the next kept unit was empty; a merged one holds a line
    # break) must not fuse two words: take the stretch's last non-empty gap instead.
    for r in np.flatnonzero(plain & (units.starts[first[1:]] == units.ends[first[1:] - 1])).tolist():
        a, p = after[r], before[r]
        if _starts_word(text, int(units.starts[a])):
            seps[r] = next((g for g in reversed(gaps[p + 1:a]) if g), "")
    lead = gaps[0] if first[0] == 0 else _merged(gaps, counts, 0, int(first[0]) + 1, at_start=True)
    s_list, e_list = units.starts[first].tolist(), units.ends[last].tolist()
    body = [text[s_list[0]:e_list[0]]]
    body += [sep + text[s:e] for sep, s, e in zip(seps, s_list[1:], e_list[1:])]
    return lead + "".join(body) + gaps[n], list(zip(s_list, e_list))
