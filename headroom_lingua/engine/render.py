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
A punctuation mark whose clause lost all its words goes too (see ``punctuation``).
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
    counts = [_breaks(g) for g in gaps]
    with_breaks = [i for i, c in enumerate(counts) if c]
    if at_start:
        later = [i for i in with_breaks if i > 0]
        return gaps[0] + (gaps[later[-1]][_last_break_end(gaps[later[-1]]):] if later else "")
    if not with_breaks:
        return gaps[-1]  # callers choose a non-empty gap where words would fuse (see render)
    most = max(with_breaks, key=lambda i: (counts[i], -i))  # first gap with the most breaks
    last = with_breaks[-1]
    return gaps[most][: _last_break_end(gaps[most])] + gaps[last][_last_break_end(gaps[last]):]


def _starts_word(text: str, i: int) -> bool:
    ch = text[i]
    return ch.isalnum() or ch == "_"


def _break_prefix(units: Units) -> np.ndarray:
    """(n + 2,) cumulative count of gaps holding a line break, cached on the Units."""
    cached = units.__dict__.get("_break_prefix")
    if cached is None:
        has = np.fromiter((_BREAK.search(g) is not None if g else False for g in units.gaps), dtype=bool,
                          count=len(units) + 1)
        cached = np.concatenate(([0], np.cumsum(has)))
        units.__dict__["_break_prefix"] = cached
    return cached


def render(units: Units, keep: np.ndarray) -> tuple[str, list[tuple[int, int]]]:
    """The compressed text and the kept character spans (runs of adjacent kept units). A
    punctuation mark whose words were all dropped is dropped too (``punctuation``)."""
    text, n = units.text, len(units)
    keep = np.asarray(keep, dtype=bool)
    if n == 0 or keep.all():
        return text, ([(int(units.starts[0]), int(units.ends[-1]))] if n else [])
    keep = orphan_marks(units, keep, np.diff(_break_prefix(units)) > 0)
    idx = np.flatnonzero(keep)
    if not len(idx):
        return "", []
    # Runs of consecutive kept units: [first[r], last[r]]; run r > 0 follows a dropped stretch
    # whose gaps are gaps[last[r-1] + 1 .. first[r]].
    cut = np.flatnonzero(np.diff(idx) > 1)
    first = np.concatenate(([idx[0]], idx[cut + 1]))
    last = np.concatenate((idx[cut], [idx[-1]]))
    gaps = units.gaps
    prefix = _break_prefix(units)
    # Common case, vectorised: no line break among a stretch's gaps -> the gap before the next kept unit.
    plain = (prefix[first[1:] + 1] - prefix[last[:-1] + 1]) == 0
    seps = [gaps[a] if ok else merge_gaps(gaps[p + 1:a + 1])
            for a, p, ok in zip(first[1:].tolist(), last[:-1].tolist(), plain.tolist())]
    for r, (a, p) in enumerate(zip(first[1:].tolist(), last[:-1].tolist())):
        if not seps[r] and _starts_word(text, int(units.starts[a])):
            seps[r] = next((g for g in reversed(gaps[p + 1:a]) if g), "")  # don't fuse two words
    lead = gaps[0] if first[0] == 0 else merge_gaps(gaps[: first[0] + 1], at_start=True)
    s_list, e_list = units.starts[first].tolist(), units.ends[last].tolist()
    body = [text[s_list[0]:e_list[0]]]
    body += [sep + text[s:e] for sep, s, e in zip(seps, s_list[1:], e_list[1:])]
    return lead + "".join(body) + gaps[n], list(zip(s_list, e_list))
