"""Units of one text as every front end builds them: segmented, protected spans marked, lines
of code and config kept or dropped whole, who-does-what clauses linked and ranked first.

Example:
    >>> u = prepare_units("Dana owns the fix, Marcus owns the alerts. Cost: $48.6 million.",
    ...                   ("numbers", "commitments"))
    >>> [u.text[s:e] for s, e, p in zip(u.starts, u.ends, u.linked) if p]
    ['Dana owns the fix', 'Marcus owns the alerts']
    >>> [u.text[s:e] for s, e, p in zip(u.starts, u.ends, u.protected) if p]
    ['$48.6 million']
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import regex

from ..engine import Units, segment
from ..engine.protect import LINKERS, PRIORITY, find_ranked, merge_ranked, merge_spans

_FIRST_PERSON = regex.compile(r"(?:I|[Ww]e)\b")

def prepare_units(text: str, protect: Sequence[str], force: Iterable = (), whole: Iterable[tuple[int, int]] = ()
                  ) -> Units:
    """``segment`` with the protected spans of ``protect`` and ``force`` at their priorities
    (``engine.protect.PRIORITY``; ``whole``: more spans kept or yielded whole, at the priority of
    code and JSON), code-line groups, and the spans of the linkers named in ``protect``
    (``engine.protect.LINKERS``) as linked units."""
    from ..structure.code_lines import code_line_groups  # lazily: the structure package is wide

    ranked = find_ranked(text, protect, force)
    whole = list(whole)
    if whole:
        ranked = merge_ranked(ranked + [(s, e, PRIORITY["json"]) for s, e in whole])
    linked = merge_spans(s for name in protect if name in LINKERS for s in LINKERS[name](text))
    return segment(text, [(s, e) for s, e, _ in ranked], [p for _, _, p in ranked], code_line_groups(text), linked)


def prioritised(units: Units, scores: np.ndarray) -> np.ndarray:
    """Scores with every linked unit ranked above every other droppable unit, and those a named
    owner takes on ("Dana owns ...") above those of the speaker ("I will ..."); within a level
    their own scores order them."""
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
