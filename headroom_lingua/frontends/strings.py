"""Long strings inside JSON (a tool result's descriptions, logged messages) shortened by the
scorer instead of cut at their end: the JSON step (``structure.json_shrink``) hands every string
longer than its limit to ``scored_shortener``'s function, which keeps the string's most
informative words, with their protected spans (numbers with units, ids, names), to about the
limit's share of its tokens. What comes back is the original with words removed, so the JSON
around it stays valid and its keys and numbers are untouched.

Example:
    >>> from headroom_lingua.loading import Backend
    >>> from headroom_lingua.scorers import LengthScorer
    >>> backend = Backend(LengthScorer(), tokenizer="cl100k")
    >>> shorten = scored_shortener(backend, backend.counter(None))
    >>> shorten("The refund of $700,000 for order ORD-10457 was delayed because the bank file "
    ...         "arrived late on Friday and nobody noticed until Monday morning.", 60)
    '$700,000 ORD-10457 delayed because arrived noticed'
"""

from __future__ import annotations

from typing import Callable, Iterable

from ..engine import TokenCounter, fit, render, summed
from ..loading import Backend
from .prepare import prepare_units, prioritised


def scored_shortener(backend: Backend, counter: TokenCounter, force: Iterable = ()) -> Callable[[str, int], str]:
    """``shorten(text, max_chars)`` for ``structure.json_shrink``: ``text`` compressed by
    ``backend``'s scorer to ``max_chars / len(text)`` of its tokens (at least one token), protected
    spans first; the budget yields protected spans as the engine does."""
    force = tuple(force)

    def shorten(text: str, max_chars: int) -> str:
        original = counter.count(text)
        budget = max(1, int(original * max_chars / max(len(text), 1)))
        if not text.strip() or budget >= original:
            return text
        units = prepare_units(text, backend.config.protect, force)
        scores = backend.scorer.score(units)
        [keep], _ = fit([units], [prioritised(units, scores)], budget, counter, summed([units], counter),
                        on_overflow="drop")
        return render(units, keep)[0]

    return shorten
