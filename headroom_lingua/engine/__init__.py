"""The engine: the pipeline's stages and the one budget fit, shared by every front end.

    text --segment--> units (protected spans marked by ``protect``)
         --score----> one score per unit (a ``Scorer``, outside the engine)
         --fit------> keep-masks under one budget, counted exactly (``budget``) on the rendered,
                      assembled output (``select`` searches, ``render`` cuts the original)

Front ends (plain text, documents, messages) turn their input into pieces and call ``fit``; none
of them imports another.
"""

from __future__ import annotations

from .budget import TokenCounter, get_counter
from .fit import as_sent, fit, joined, percentile_keys, summed, text_table, unit_costs, yielded
from .inputs import as_force, check_budget_args, check_text, optional_text, resolve_budget
from .protect import FORCE, PRIORITY, PROTECTORS, find_protected, find_ranked, protected_units
from .render import render
from .segment import Units, segment
from .select import ranking, select

__all__ = ["TokenCounter", "get_counter", "fit", "joined", "summed", "as_sent", "text_table", "unit_costs", "percentile_keys",
           "yielded", "FORCE", "PRIORITY", "find_ranked", "protected_units", "as_force", "check_budget_args", "check_text", "optional_text", "resolve_budget", "PROTECTORS",
           "find_protected", "render", "Units", "segment", "ranking", "select"]
