"""Render: a keep-mask over units -> the original text with the dropped units cut out.

Kept units come back byte-identical and in order. Where a run of units is dropped, the
whitespace gaps around it collapse into one gap built only from original characters:
- inside a line, the gap that preceded the next kept unit (so no doubled space and no space
  left dangling before punctuation: "Hello world, friend" minus "world" is "Hello, friend");
- across lines, the line breaks of the gap that had the most of them, followed by the
  indentation of the line the next kept unit sits on (so layout survives);
- at the start of the text, the text's own leading whitespace; at the end, its trailing one.
The result is therefore always a subsequence of the input.

Example:
    >>> import numpy as np
    >>> from headroom_lingua.segment import segment
    >>> u = segment("def f():\\n    very useless words\\n    return 1")
    >>> keep = np.array([t not in ("very", "useless", "words") for t in
    ...                  [u.text[s:e] for s, e in zip(u.starts, u.ends)]])
    >>> print(render(u, keep)[0])
    def f():
        return 1
"""

from __future__ import annotations

import numpy as np

from .segment import Units

_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _last_break(gap: str) -> int:
    return max(gap.rfind(c) for c in _LINE_BREAKS) if gap else -1


def _breaks(gap: str) -> int:
    return sum(gap.count(c) for c in _LINE_BREAKS) - gap.count("\r\n")


def merge_gaps(gaps: list[str], at_start: bool = False) -> str:
    """One gap standing for ``gaps`` (those around a dropped run), see the module docstring."""
    counts = [_breaks(g) for g in gaps]
    with_breaks = [i for i, c in enumerate(counts) if c]
    if at_start:
        later = [i for i in with_breaks if i > 0]
        return gaps[0] + (gaps[later[-1]][_last_break(gaps[later[-1]]) + 1:] if later else "")
    if not with_breaks:
        return gaps[-1]
    most = max(with_breaks, key=lambda i: (counts[i], -i))  # first gap with the most breaks
    last = with_breaks[-1]
    return gaps[most][: _last_break(gaps[most]) + 1] + gaps[last][_last_break(gaps[last]) + 1:]


def render(units: Units, keep: np.ndarray) -> tuple[str, list[tuple[int, int]]]:
    """The compressed text and the kept character spans (runs of adjacent kept units)."""
    text, n = units.text, len(units)
    keep = np.asarray(keep, dtype=bool)
    if n == 0 or keep.all():
        return text, ([(int(units.starts[0]), int(units.ends[-1]))] if n else [])
    idx = np.flatnonzero(keep)
    if not len(idx):
        return "", []
    # Runs of consecutive kept units: [run_first[r], run_last[r]].
    breaks = np.flatnonzero(np.diff(idx) > 1)
    run_first = np.concatenate(([idx[0]], idx[breaks + 1])).tolist()
    run_last = np.concatenate((idx[breaks], [idx[-1]])).tolist()
    starts, ends = units.starts.tolist(), units.ends.tolist()

    def gap(i: int) -> str:  # whitespace before unit i (i == n: after the last unit)
        return text[ends[i - 1] if i else 0: starts[i] if i < n else len(text)]

    first = run_first[0]
    pieces = [gap(0) if first == 0 else merge_gaps([gap(i) for i in range(first + 1)], at_start=True)]
    spans = []
    for r, (a, b) in enumerate(zip(run_first, run_last)):
        if r:
            prev = run_last[r - 1]
            pieces.append(merge_gaps([gap(i) for i in range(prev + 1, a + 1)]))
        pieces.append(text[starts[a]:ends[b]])
        spans.append((starts[a], ends[b]))
    pieces.append(gap(n))
    return "".join(pieces), spans
