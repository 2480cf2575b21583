"""The plain-text front end: one prompt (or a batch of prompts) is one piece each.

Example:
    >>> from headroom_lingua.loading import Backend
    >>> from headroom_lingua.scorers import LengthScorer
    >>> [r] = compress_texts(Backend(LengthScorer(), tokenizer="cl100k"),
    ...                      ["The quarterly revenue grew by 12% to $4.2M in Q3 2024."], rate=0.7)
    >>> r.compressed_tokens <= r.budget
    True
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Any, Iterable, Sequence

import numpy as np

from ..engine import (TokenCounter, Units, as_force, as_sent, check_budget_args, check_text, fit, render,
                      resolve_budget, text_table, unit_costs, yielded)
from ..loading import Backend
from .explain import explain_units
from .prepare import prepare_units, prioritised
from ..result import CompressionResult, make_result, with_explainer


@dataclasses.dataclass
class _Plan:
    """One prompt on its way through the pipeline; ``units`` is None when it passes through."""

    text: str
    original: int
    budget: int
    units: Units | None = None
    token_starts: np.ndarray | None = None  # budget-tokenizer token starts, for the cost estimate
    table: Any = None  # the counter's pre-token table of the text, where it has one (engine.text_table)


def _plan(backend: Backend, text: str, rate: float | None, target_tokens: int | None, counter: TokenCounter,
          force: tuple) -> _Plan:
    if not text.strip():  # empty or whitespace-only: returned as is, counted as nothing
        return _Plan(text, 0, 0)
    table = text_table(counter, text)
    starts = counter.token_starts(text) if table is None else table.starts
    budget = resolve_budget(len(starts), rate, target_tokens)
    if budget >= len(starts):
        return _Plan(text, len(starts), budget)
    return _Plan(text, len(starts), budget, prepare_units(text, backend.config.protect, force), starts, table)


def _score(backend: Backend, plans: list[_Plan]) -> dict[int, np.ndarray]:
    todo = [i for i, plan in enumerate(plans) if plan.units is not None]
    scorer = backend.scorer
    if scorer.uses_rate:  # e.g. the iterative mode: each prompt at its own keep fraction
        scored = [scorer.score(plans[i].units, rate=plans[i].budget / plans[i].original) for i in todo]
    else:
        scored = scorer.score_batch([plans[i].units for i in todo]) if todo else []
    return dict(zip(todo, scored))


def _finish(backend: Backend, plan: _Plan, scores: np.ndarray, counter: TokenCounter,
            force: tuple = ()) -> tuple[CompressionResult, Any]:
    """The result, and the function that explains it unit by unit (``result.units()``)."""
    units = plan.units
    [keep], used = fit([units], [prioritised(units, scores)], plan.budget, counter, as_sent(units, counter, plan.table),
                       on_overflow=backend.config.on_overflow, protect_share=backend.config.protect_share,
                       costs=[unit_costs(units, counter, plan.token_starts)],
                       **backend.config.sentence_step)
    text, spans = render(units, keep)
    explainer = functools.partial(explain_units, units, scores, keep, backend.config.protect, force)
    return make_result(text, plan.original, used, spans, 0.0, plan.budget, counter.name,
                       yielded(units, keep)), explainer


def compress_texts(backend: Backend, prompts: Sequence[str], *, rate: float | None = None,
                   target_tokens: int | None = None, tokenizer: Any = None,
                   force: Iterable = ()) -> list[CompressionResult]:
    """Compress each prompt to ``rate`` of its tokens or to ``target_tokens``; the scorer runs
    once over all of them (padded batches where it batches)."""
    if isinstance(prompts, str) or not isinstance(prompts, Sequence):
        raise TypeError(f"prompts must be a sequence of str, got {type(prompts).__name__}")
    check_budget_args(rate, target_tokens)
    force = as_force(force)
    start = time.perf_counter()
    counter = backend.counter(tokenizer)
    plans = [_plan(backend, check_text(p, f"prompts[{i}]"), rate, target_tokens, counter, force)
             for i, p in enumerate(prompts)]
    scores = _score(backend, plans)
    per_prompt = (time.perf_counter() - start) / max(len(prompts), 1)
    results = []
    for i, plan in enumerate(plans):
        t0 = time.perf_counter()
        explainer = None
        if plan.units is None:
            result = make_result(plan.text, plan.original, plan.original,
                                 [(0, len(plan.text))] if plan.text.strip() else [], 0.0, plan.budget, counter.name)
        else:
            result, explainer = _finish(backend, plan, scores[i], counter, force)
        result = dataclasses.replace(result, seconds=per_prompt + time.perf_counter() - t0)
        results.append(with_explainer(result, explainer) if explainer is not None else result)
    return results
