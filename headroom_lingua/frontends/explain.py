"""Why each unit was kept or dropped: the data behind ``result.units()``, ``--explain`` and
``--show``. Built only when asked (the closure holds the arrays the compression used anyway).

Reasons:
- ``protected:<name>``: a built-in protector (``numbers``, ``entities``, ...) or ``force`` kept it;
- ``linked``: a who-does-what clause, protected and kept whole;
- ``kept``: its score ranked it within the budget;
- ``dropped``: its score did not;
- ``dropped:punctuation``: a mark whose words were all dropped (``engine.punctuation``);
- ``yielded``: protected or linked, but dropped to fit the budget (``on_overflow="drop"``,
  ``on_overflow="yield"`` when the protected text alone overflows, ``protect_share < 1``, or a
  sentence the sentence step left out, ``sentence_slack``).

Example:
    >>> from headroom_lingua import Compressor
    >>> from headroom_lingua.scorers import LengthScorer
    >>> r = Compressor(LengthScorer(), tokenizer="cl100k").compress("It cost $48.6 million, so sad.", rate=0.7)
    >>> [(u.text, u.kept, u.why) for u in r.units()][:3]
    [('It', False, 'dropped'), ('cost', True, 'kept'), ('$48.6 million', True, 'protected:numbers')]
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence

import numpy as np

from ..engine import Units
from ..engine.protect import PROTECTORS, force_spans
from ..engine.punctuation import orphan_marks


@dataclasses.dataclass(frozen=True)
class UnitInfo:
    """One unit of the input: its text, character span, score, whether it was kept, and why."""

    text: str
    start: int
    end: int
    score: float
    kept: bool
    why: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _protector_names(units: Units, protect: Sequence[str], force: Iterable) -> list[str]:
    """For each unit, the first protector (or ``force``) whose span overlaps it, else ""."""
    names = [""] * len(units)
    sources = [(n, PROTECTORS[n]) for n in protect if n in PROTECTORS] + [("force", lambda t: force_spans(t, force))]
    todo = set(np.flatnonzero(units.protected).tolist())
    for name, find in sources:
        if not todo:
            break
        for s, e in find(units.text):
            lo = int(np.searchsorted(units.ends, s, side="right"))
            hi = int(np.searchsorted(units.starts, e, side="left"))
            for i in range(lo, hi):
                if i in todo:
                    names[i] = name
                    todo.discard(i)
    return names


def explain_units(units: Units, scores: np.ndarray, keep: np.ndarray, protect: Sequence[str],
                  force: Iterable = ()) -> tuple[UnitInfo, ...]:
    """One ``UnitInfo`` per unit; ``keep`` is the selection's mask before rendering."""
    final = orphan_marks(units, units.with_needs(keep)) if len(units) else keep
    names = _protector_names(units, protect, force)
    priority = units.linked
    out = []
    for i, (s, e) in enumerate(units.spans()):
        if units.protected[i] or priority[i]:
            why = ("linked" if priority[i] else f"protected:{names[i] or 'code'}") if final[i] else "yielded"
        elif final[i]:
            why = "kept"
        else:
            why = "dropped:punctuation" if keep[i] else "dropped"
        out.append(UnitInfo(units.text[s:e], s, e, float(scores[i]), bool(final[i]), why))
    return tuple(out)
