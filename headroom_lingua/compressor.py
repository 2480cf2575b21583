"""The compressor: segment -> score -> select -> render, under one global token budget.

Example:
    >>> from headroom_lingua import Compressor
    >>> from headroom_lingua.scorers import LengthScorer
    >>> c = Compressor(LengthScorer(), tokenizer="cl100k")
    >>> r = c.compress("The quarterly revenue grew by 12% to $4.2M in Q3 2024.", rate=0.7)
    >>> r.compressed_tokens <= r.budget
    True
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from typing import Any, Iterable, Sequence

import numpy as np

from .budget import TokenCounter, get_counter
from .config import CompressionConfig
from .errors import ConfigError, InputError
from .models import DEFAULT_MODEL
from .protect import find_protected
from .render import render
from .result import CompressionResult, make_result
from .scorers.base import Scorer
from .segment import Units, segment
from .select import select


def check_text(text: Any, what: str = "prompt") -> str:
    """The text itself, or a TypeError/InputError naming what is wrong with it."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, got {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"{what} holds a lone surrogate {text[exc.start]!r} at index {exc.start}; it is not valid "
            "Unicode text (decode your bytes with errors='replace' or fix the source)"
        ) from None
    return text


def resolve_budget(original: int, rate: float | None, target_tokens: int | None) -> int:
    """The token budget for an input of ``original`` tokens; exactly one of rate/target_tokens."""
    if (rate is None) == (target_tokens is None):
        raise ValueError(f"give exactly one of rate or target_tokens (got rate={rate!r}, target_tokens={target_tokens!r})")
    if rate is not None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= 1 or math.isnan(rate):
            raise ValueError(f"rate must be a number in (0, 1], got {rate!r}")
        return max(1, math.floor(rate * original + 1e-9))
    if isinstance(target_tokens, bool) or not isinstance(target_tokens, (int, np.integer)) or target_tokens <= 0:
        raise ValueError(f"target_tokens must be a positive int, got {target_tokens!r}")
    return int(target_tokens)


@dataclasses.dataclass
class _Plan:
    """One prompt on its way through the pipeline; ``units`` is None when it passes through."""

    text: str
    original: int
    budget: int
    units: Units | None = None
    token_starts: np.ndarray | None = None  # budget-tokenizer token starts, for the cost estimate


class Compressor:
    """A loaded scorer plus defaults, reusable across calls.

    ``Compressor.from_pretrained()`` loads the default causal-LM scorer; any ``Scorer`` works.
    """

    def __init__(self, scorer: Scorer, config: CompressionConfig | None = None, tokenizer: Any = None):
        self.scorer = scorer
        self.config = config or getattr(scorer, "config", None) or CompressionConfig()
        self._default_tokenizer = tokenizer

    @classmethod
    def from_pretrained(cls, name_or_path: str = DEFAULT_MODEL, device: str = "auto", dtype: str = "auto",
                        config: CompressionConfig | None = None, tokenizer: Any = None) -> "Compressor":
        """Load a causal LM (registered name or local folder) as a perplexity scorer."""
        from .scorers.perplexity import PerplexityScorer

        config = config or CompressionConfig()
        scorer = PerplexityScorer.from_pretrained(name_or_path, device=device, dtype=dtype, config=config)
        return cls(scorer, config=config, tokenizer=tokenizer)

    def counter(self, tokenizer: Any = None) -> TokenCounter:
        """The budget tokenizer: the argument, else this compressor's, else the scorer's, else cl100k."""
        chosen = tokenizer if tokenizer is not None else self._default_tokenizer
        if chosen is not None:
            return get_counter(chosen)
        return self.scorer.counter if self.scorer.counter is not None else get_counter("cl100k")

    def compress(self, prompt: str, *, rate: float | None = None, target_tokens: int | None = None,
                 tokenizer: Any = None, force: Iterable = ()) -> CompressionResult:
        """Compress ``prompt`` to ``rate`` of its tokens or to ``target_tokens`` tokens."""
        return self.compress_batch([prompt], rate=rate, target_tokens=target_tokens,
                                   tokenizer=tokenizer, force=force)[0]

    def compress_batch(self, prompts: Sequence[str], *, rate: float | None = None,
                       target_tokens: int | None = None, tokenizer: Any = None,
                       force: Iterable = ()) -> list[CompressionResult]:
        """Compress several prompts with the same budget rule; scoring runs in padded batches."""
        if isinstance(prompts, str) or not isinstance(prompts, Sequence):
            raise TypeError(f"prompts must be a sequence of str, got {type(prompts).__name__}")
        force = tuple(force) if not isinstance(force, str) else (force,)
        start = time.perf_counter()
        counter = self.counter(tokenizer)
        plans = [self._plan(check_text(p, f"prompts[{i}]"), rate, target_tokens, counter, force)
                 for i, p in enumerate(prompts)]
        todo = [i for i, plan in enumerate(plans) if plan.units is not None]
        if self.scorer.uses_rate:  # e.g. the iterative mode: each prompt at its own keep fraction
            scored = [self.scorer.score(plans[i].units, rate=plans[i].budget / plans[i].original) for i in todo]
        else:
            scored = self.scorer.score_batch([plans[i].units for i in todo]) if todo else []
        scores = dict(zip(todo, scored))
        per_prompt = (time.perf_counter() - start) / max(len(prompts), 1)
        results = []
        for i, plan in enumerate(plans):
            t0 = time.perf_counter()
            if plan.units is None:
                result = make_result(plan.text, plan.original, plan.original,
                                     [(0, len(plan.text))] if plan.text.strip() else [], 0.0, plan.budget,
                                     counter.name)
            else:
                result = self._finish(plan, scores[i], counter)
            results.append(dataclasses.replace(result, seconds=per_prompt + time.perf_counter() - t0))
        return results

    def _plan(self, text: str, rate: float | None, target_tokens: int | None, counter: TokenCounter,
              force: tuple) -> _Plan:
        if not text.strip():  # empty or whitespace-only: returned as is, counted as nothing
            resolve_budget(1, rate, target_tokens)  # still reject bad arguments
            return _Plan(text, 0, 0)
        starts = counter.token_starts(text)
        budget = resolve_budget(len(starts), rate, target_tokens)
        if budget >= len(starts):
            return _Plan(text, len(starts), budget)
        units = segment(text, find_protected(text, self.config.protect, force))
        return _Plan(text, len(starts), budget, units, starts)

    def _finish(self, plan: _Plan, scores: np.ndarray, counter: TokenCounter) -> CompressionResult:
        units = plan.units
        # Additive cost estimate: each token is charged to the unit it starts in, or the next one.
        owner = np.minimum(np.searchsorted(units.ends, plan.token_starts, side="right"), len(units) - 1)
        costs = np.bincount(owner, minlength=len(units))
        keep, used = select(scores, costs, units.protected, plan.budget,
                            count=lambda m: counter.count(render(units, m)[0]),
                            on_overflow=self.config.on_overflow, protect_share=self.config.protect_share)
        text, spans = render(units, keep)
        return make_result(text, plan.original, used, spans, 0.0, plan.budget, counter.name)


@functools.lru_cache(maxsize=4)
def _cached_compressor(name_or_path: str) -> Compressor:
    return Compressor.from_pretrained(name_or_path)


def compress(prompt: str | Sequence[str], *, rate: float | None = None, target_tokens: int | None = None,
             tokenizer: Any = None, model: Any = None, force: Iterable = (), question: str | None = None,
             instruction: str | None = None, order: str | None = None, ranker: Any = None,
             relevance_gap: float | None = None) -> CompressionResult:
    """Compress one prompt to a token budget; the model is loaded once per process and reused.

    ``model``: a registered name (default ``"smollm2-135m"``), a local model folder, or a
    ``Compressor``. ``tokenizer``: the budget tokenizer (default: the scorer's; ``"cl100k"``
    counts like GPT-4/GPT-3.5). ``force``: strings or compiled regexes to keep verbatim.

    Multi-document prompts: ``prompt`` may be a list of documents; with ``question`` and/or
    ``instruction`` (kept byte-identical, inside the budget) the call is question-aware and
    returns a ``DocumentsResult`` (see ``headroom_lingua.documents``; ``order``: ``original``,
    ``relevance`` or ``both_ends``; ``ranker``: ``question_perplexity`` (default with a causal LM),
    ``overlap`` or ``bm25`` (the fast mode: no ranking pass), ``bm25_qp`` or a ``Ranker``;
    ``relevance_gap``: also drop documents that much less relevant than the best one, even when
    the budget has room for them).

    Example:
        >>> from headroom_lingua import compress
        >>> r = compress(open("prompt.txt").read(), rate=0.33)  # doctest: +SKIP
        >>> print(r.compressed_tokens, r.ratio)  # doctest: +SKIP
    """
    # -- multi-document / question-aware dispatch (headroom_lingua.documents) --
    if (question is not None or instruction is not None or order is not None or ranker is not None
            or relevance_gap is not None or not isinstance(prompt, str)):
        from .documents import compress_documents

        return compress_documents(prompt, question=question, instruction=instruction, rate=rate,
                                  target_tokens=target_tokens, tokenizer=tokenizer, model=model, force=force,
                                  order=order, ranker=ranker, relevance_gap=relevance_gap)
    # -- end of dispatch --
    if model is None:
        compressor = _cached_compressor(DEFAULT_MODEL)
    elif isinstance(model, Compressor):
        compressor = model
    elif isinstance(model, str):
        compressor = _cached_compressor(model)
    else:
        raise ConfigError(f"model must be a name, a folder path or a Compressor, got {type(model).__name__}")
    return compressor.compress(prompt, rate=rate, target_tokens=target_tokens, tokenizer=tokenizer, force=force)
