"""Units of one text as every front end builds them: segmented, protected spans marked, lines
of code and config kept or dropped whole, who-does-what clauses linked, protected and ranked
first among their priority, and each first-person clause tied to its line's speaker label.

Example:
    >>> u = prepare_units("Dana owns the fix, Marcus owns the alerts. Cost: $48.6 million.",
    ...                   ("numbers", "commitments"))
    >>> [u.text[s:e] for s, e, p in zip(u.starts, u.ends, u.linked) if p]
    ['Dana owns the fix', 'Marcus owns the alerts']
    >>> [(u.text[s:e], int(p)) for s, e, p in zip(u.starts, u.ends, u.priority) if p]
    [('Dana owns the fix', 2), ('Marcus owns the alerts', 2), ('$48.6 million', 2)]
    >>> u = prepare_units("Dana: Sure. I will send the report.", ("labels", "commitments"))
    >>> u.text[u.starts[u.needs[3]]:u.ends[u.needs[3]]], u.text[u.starts[3]:u.ends[3]]
    ('Dana:', 'I will send the report')
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence

import numpy as np
import regex

from ..engine import Units, segment
from ..engine.protect import LINKERS, PRIORITY, PROTECTORS, find_ranked, merge_ranked, merge_spans

_FIRST_PERSON = regex.compile(r"(?:I|[Ww]e)\b")

def prepare_units(text: str, protect: Sequence[str], force: Iterable = (), whole: Iterable[tuple[int, int]] = (),
                  alerts: Iterable[tuple[int, int]] = ()) -> Units:
    """``segment`` with the protected spans of ``protect`` and ``force`` at their priorities
    (``engine.protect.PRIORITY``; ``whole``: more spans kept or yielded whole, at the priority of
    code and JSON; ``alerts``: a log's error lines, kept or yielded whole at the priority of names),
    code-line groups, and the spans of the linkers named in ``protect`` (``engine.protect.LINKERS``)
    as linked units."""
    from ..structure.code_lines import code_line_groups  # lazily: the structure package is wide

    ranked = find_ranked(text, protect, force)
    more = [(s, e, PRIORITY["json"]) for s, e in whole] + [(s, e, PRIORITY["identifiers"]) for s, e in alerts]
    if more:
        ranked = merge_ranked(ranked + more)
    linked = merge_spans(s for name in protect if name in LINKERS for s in LINKERS[name](text))
    units = segment(text, [(s, e) for s, e, _ in ranked], [p for _, _, p in ranked], code_line_groups(text), linked)
    return _with_speakers(units) if units.linked.any() and "labels" in protect else units


def _with_speakers(units: Units) -> Units:
    """A first-person clause ("I will send the report") needs its line's speaker label: the
    label is who "I" is, so the two are kept together (``Units.with_needs``)."""
    text, needs = units.text, units.needs.copy()
    first_person = [i for i in np.flatnonzero(units.linked).tolist() if _FIRST_PERSON.match(text, int(units.starts[i]))]
    if not first_person:
        return units
    labels = PROTECTORS["labels"](text)
    label_starts = np.array([s for s, _ in labels], dtype=np.int64)
    for i in first_person:
        start = int(units.starts[i])
        line = text.rfind("\n", 0, start) + 1
        k = int(np.searchsorted(label_starts, line))  # the first label at or after the line's start
        if k < len(labels) and labels[k][1] <= start:
            j = int(np.searchsorted(units.ends, labels[k][0], side="right"))  # the unit holding it
            if j < i and units.protected[j]:
                needs[i] = j
    return dataclasses.replace(units, needs=needs)


def prioritised(units: Units, scores: np.ndarray) -> np.ndarray:
    """Scores with every linked unit ranked above every other unit (among protected units of its
    priority, a clause yields last), and those a named owner takes on ("Dana owns ...") above those
    of the speaker ("I will ..."); within a level their own scores order them."""
    scores = np.asarray(scores, dtype=np.float64)
    if not units.linked.any() or not len(scores):
        return scores
    finite = scores[np.isfinite(scores)]
    top = (finite.max() - finite.min() + 1.0) if len(finite) else 1.0
    text = units.text
    level = np.zeros(len(scores))
    for i in np.flatnonzero(units.linked).tolist():
        level[i] = 1.0 if _FIRST_PERSON.match(text, int(units.starts[i])) else 2.0
    return scores + level * top
