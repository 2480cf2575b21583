"""Compression methods under evaluation, all held to the same budget in the target's tokens.

A method spec is a name with optional config fields: ``perplexity``, ``perplexity:iterative=true``,
``perplexity:reduction=max,protect=numbers+urls``. Names:

- ``none``: the uncompressed context (the reference every method is compared with);
- ``truncate``: keep the first tokens up to the budget (``PositionScorer``, no protected spans);
- ``random``: a seeded random unit drop to the budget (``RandomScorer``, no protected spans);
- any scorer of ``headroom_lingua.scorers.SCORERS`` (``perplexity`` loads ``scorer_model``),
  through the project's own segment/select/render pipeline;
- ``documents``: the project's question-aware compression of the example's documents
  (``headroom_lingua.documents``: coarse ranking by question perplexity, rank-weighted
  allocation, contrastive word scores); fields of ``DocumentsConfig`` or ``CompressionConfig``
  as settings, e.g. ``documents:fine=surprisal`` or ``documents:order=relevance``;
- ``llmlingua``, ``longllmlingua``: the peers, through the ``llmlingua`` package (see ``peers``).

Example:
    >>> from headroom_lingua_eval.targets import WordCounter
    >>> from headroom_lingua_eval.suites import Example
    >>> m = ScorerMethod("truncate", PositionScorer(), WordCounter(), BASELINE_CONFIG)
    >>> c = m.compress(Example("1", "one two three four", "", ("x",)), rate=0.5)
    >>> c.text, c.budget
    ('one two', 2)
"""

from __future__ import annotations

import abc
import dataclasses
import functools
import json
import math
from typing import Any

from headroom_lingua.budget import TokenCounter
from headroom_lingua.config import CompressionConfig
from headroom_lingua.errors import ConfigError
from headroom_lingua.scorers import SCORERS, PositionScorer, RandomScorer, Scorer, get_scorer

from .suites import Example

BASELINE_CONFIG = CompressionConfig(protect=(), on_overflow="drop")
PEERS = ("llmlingua", "longllmlingua")
MODEL_FREE = ("random", "position", "length")  # scorers that take no model


@dataclasses.dataclass(frozen=True)
class Compressed:
    """A compressed context and its cost, counted in the target's tokenizer."""

    text: str
    original_tokens: int
    compressed_tokens: int
    budget: int
    seconds: float


def budget_for(original_tokens: int, rate: float) -> int:
    """The shared budget: ``floor(rate * original)`` tokens, at least 1.

    >>> budget_for(100, 0.33)
    33
    """
    return max(1, math.floor(rate * original_tokens + 1e-9))


class Method(abc.ABC):
    """Compresses an example's context to ``rate`` of its target tokens."""

    name: str = "method"

    @abc.abstractmethod
    def compress(self, example: Example, rate: float) -> Compressed:
        """The compressed context; ``compressed_tokens`` is measured on the returned text."""


class NoCompression(Method):
    """The uncompressed context."""

    name = "none"

    def __init__(self, counter: TokenCounter):
        self.counter = counter

    def compress(self, example: Example, rate: float) -> Compressed:
        n = self.counter.count(example.context)
        return Compressed(example.context, n, n, n, 0.0)


class ScorerMethod(Method):
    """A project scorer through ``headroom_lingua.Compressor`` with the target's token counter."""

    def __init__(self, name: str, scorer: Scorer, counter: TokenCounter, config: CompressionConfig):
        from headroom_lingua import Compressor

        self.name = name
        self.compressor = Compressor(scorer, config=config, tokenizer=counter)

    def compress(self, example: Example, rate: float) -> Compressed:
        compressor = self.compressor
        scorer = compressor.scorer
        if example.question and callable(getattr(scorer, "conditioned", None)):  # question-aware scorers
            from headroom_lingua import Compressor

            compressor = Compressor(scorer.conditioned(example.question), config=compressor.config,
                                    tokenizer=compressor.counter())
        r = compressor.compress(example.context, rate=rate)
        return Compressed(r.text, r.original_tokens, r.compressed_tokens, r.budget, r.seconds)


class DocumentsMethod(Method):
    """``headroom_lingua.documents.compress_documents`` over the example's documents (its context
    as one document when it has none), steered by its question. The question stays out of the
    compressed text and the budget: the suite's template places it, as for every other method."""

    def __init__(self, name: str, compressor: Any, config: Any):
        self.name, self.compressor, self.config = name, compressor, config

    def compress(self, example: Example, rate: float) -> Compressed:
        from headroom_lingua.documents import compress_documents

        counter = self.compressor.counter()
        docs = list(example.documents) or [example.context]
        original = counter.count(example.context)
        budget = budget_for(original, rate)
        r = compress_documents(docs, question=example.question or None, target_tokens=budget,
                               model=self.compressor, config=self.config, question_in_prompt=False)
        # The assembly of the documents is the context itself, so the result's counts are the context's.
        return Compressed(r.text, original, r.compressed_tokens, budget, r.seconds)


def parse_method(spec: str) -> tuple[str, dict[str, Any]]:
    """(name, config overrides) of ``name[:field=value,...]``; values are JSON where they parse,
    ``protect`` takes names joined by ``+`` (empty: none).

    >>> parse_method("perplexity:iterative=true,protect=numbers+urls")
    ('perplexity', {'iterative': True, 'protect': ('numbers', 'urls')})
    """
    name, _, rest = spec.partition(":")
    overrides: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise ConfigError(f"method {spec!r}: expected field=value after ':', got {item!r}")
        if key == "protect":
            overrides[key] = tuple(filter(None, value.split("+")))
            continue
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    return name, overrides


def known_methods() -> list[str]:
    return sorted({"none", "truncate", "random", "documents", *PEERS, *SCORERS})


@functools.lru_cache(maxsize=8)
def _model_scorer(name: str, model: str, device: str, cfg: CompressionConfig) -> Scorer:
    """One loaded scorer per (name, model, device, config) in a run: methods that share them
    (``perplexity`` and ``documents`` with default settings) share one copy of the model."""
    return get_scorer(name, name_or_path=model, device=device, config=cfg)


def _documents_method(spec: str, overrides: dict[str, Any], counter: TokenCounter, config: Any) -> Method:
    """``documents[:field=value,...]``: fields of ``DocumentsConfig`` and ``CompressionConfig``."""
    from headroom_lingua import Compressor
    from headroom_lingua.documents import DocumentsConfig

    doc_fields = {f.name for f in dataclasses.fields(DocumentsConfig)}
    comp_fields = set(CompressionConfig().to_dict())
    unknown = sorted(set(overrides) - doc_fields - comp_fields)
    if unknown:
        raise ConfigError(f"method {spec!r}: unknown field(s) {unknown}; fields are "
                          f"{sorted(doc_fields | comp_fields)}")
    doc_cfg = DocumentsConfig().replace(**{k: v for k, v in overrides.items() if k in doc_fields})
    cfg = CompressionConfig(on_overflow="drop").replace(**{k: v for k, v in overrides.items() if k in comp_fields})
    scorer = _model_scorer("perplexity", config.scorer_model, config.device, cfg)
    return DocumentsMethod(spec, Compressor(scorer, config=cfg, tokenizer=counter), doc_cfg)


def make_method(spec: str, counter: TokenCounter, config: Any) -> Method:
    """Build the method ``spec`` names for an ``EvalConfig`` (``scorer_model``, ``device``, ``seed``)."""
    name, overrides = parse_method(spec)
    if name == "none":
        if overrides:
            raise ConfigError(f"method 'none' takes no settings, got {spec!r}")
        return NoCompression(counter)
    if name in PEERS:
        from .peers import LLMLinguaMethod

        return LLMLinguaMethod.from_pretrained(name, config.scorer_model, counter, retries=config.peer_retries,
                                               device=config.device, **overrides)
    if name == "documents":
        return _documents_method(spec, overrides, counter, config)
    base = BASELINE_CONFIG if name in ("truncate", "random") else CompressionConfig(on_overflow="drop")
    try:
        cfg = base.replace(**overrides)
    except TypeError as exc:
        raise ConfigError(f"method {spec!r}: {exc}; fields are {sorted(CompressionConfig().to_dict())}") from None
    if name == "truncate":
        scorer: Scorer = PositionScorer()
    elif name == "random":
        scorer = RandomScorer(seed=config.seed)
    elif name in MODEL_FREE:
        scorer = get_scorer(name, seed=config.seed)
    elif name in SCORERS:  # model-backed scorers load the scorer model
        scorer = _model_scorer(name, config.scorer_model, config.device, cfg)
    else:
        raise ConfigError(f"unknown method {name!r} (from {spec!r}); known methods are {known_methods()}")
    return ScorerMethod(spec, scorer, counter, cfg)
