"""The report every structure step returns next to its output: sizes, items dropped, time.

Example:
    >>> r = StepReport("noise", chars_before=120, chars_after=90, items_dropped=3, seconds=0.001)
    >>> r.chars_removed, r.items_dropped
    (30, 3)
"""

from __future__ import annotations

import dataclasses
import time


@dataclasses.dataclass(frozen=True)
class StepReport:
    """What one structure step did.

    Attributes:
        step: the step's name (``"dedup"``, ``"noise"``, ``"json"``, ``"logs"``).
        chars_before: characters of the input (summed over a list of texts; of the JSON text).
        chars_after: characters of the output, counted the same way.
        items_dropped: the step's own unit: duplicates replaced, noise lines removed, array items
            omitted, log lines folded into a counted line.
        seconds: wall time of the call.
    """

    step: str
    chars_before: int
    chars_after: int
    items_dropped: int
    seconds: float

    @property
    def chars_removed(self) -> int:
        return self.chars_before - self.chars_after


def make_report(step: str, before: int, after: int, dropped: int, started: float) -> StepReport:
    """A ``StepReport`` whose ``seconds`` run from ``started`` (a ``time.perf_counter()`` value)."""
    return StepReport(step, before, after, dropped, time.perf_counter() - started)
