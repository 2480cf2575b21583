"""Compression methods under evaluation, all held to the same budget in the target's tokens.

A method spec is a name with optional config fields: ``perplexity``, ``perplexity:iterative=true``,
``perplexity:reduction=max,protect=numbers+urls``. Names:

- ``none``: the uncompressed context (the reference every method is compared with);
- ``truncate``: keep the first tokens up to the budget (``PositionScorer``, no protected spans);
- ``random``: a seeded random unit drop to the budget (``RandomScorer``, no protected spans);
- any scorer kind of ``headroom_lingua.scorers.SCORER_KINDS`` (model-backed kinds load
  ``model=NAME_OR_FOLDER``, for the causal-LM kinds by default the run's ``scorer_model``; settings
  are fields of ``CompressionConfig`` or of the kind's own config), through the project's own
  pipeline, e.g. ``classifier:model=runs/clf/model``; a scorer that can read the question does
  (a question-aware view, ``Scorer.for_question``) unless the method says ``question=false``; a
  classifier folder's own pipeline settings (``"pipeline"``, e.g. its sentence step) apply under
  the method's (``sentence_slack=null``: words only);
- ``documents``: the project's question-aware compression of the example's documents
  (``headroom_lingua.frontends.documents``: coarse ranking by question perplexity, rank-weighted
  allocation, contrastive word scores); fields of ``DocumentsConfig`` or ``CompressionConfig``
  as settings, e.g. ``documents:fine=surprisal`` or ``documents:order=relevance``;
- ``messages`` and ``truncate-turns``: for the ``chat-history`` suite (see ``chat_methods``);
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

import dataclasses
import functools
import inspect
import json
from typing import Any

from headroom_lingua.config import CompressionConfig
from headroom_lingua.engine.budget import TokenCounter
from headroom_lingua.errors import ConfigError
from headroom_lingua.scorers import (SCORER_KINDS, PositionScorer, RandomScorer, Scorer, get_kind, kind_for_model,
                                     load_scorer)

from .chat_methods import MessagesMethod, TruncateTurns
from .method_base import BASELINE_CONFIG, Compressed, Method, NoCompression, budget_for
from .suites import Example

PEERS = ("llmlingua", "longllmlingua")
PIPELINE_FIELDS = ("protect", "on_overflow", "protect_share", "sentence_slack", "sentence_facts", "sentence_cut")


class ScorerMethod(Method):
    """A project scorer through ``headroom_lingua.Compressor`` with the target's token counter."""

    def __init__(self, name: str, scorer: Scorer, counter: TokenCounter, config: CompressionConfig,
                 question: bool = True):
        from headroom_lingua import Compressor

        self.name, self.question = name, question
        self.compressor = Compressor(scorer, config=config, tokenizer=counter)

    def compress(self, example: Example, rate: float) -> Compressed:
        compressor = self.compressor
        scorer = compressor.scorer
        aware = scorer.for_question(example.question) if example.question and self.question else None
        if aware is not None:  # question-aware scorers
            from headroom_lingua import Compressor

            compressor = Compressor(aware, config=compressor.config, tokenizer=compressor.counter())
        r = compressor.compress(example.context, rate=rate)
        return Compressed(r.text, r.original_tokens, r.compressed_tokens, r.budget, r.seconds)


class DocumentsMethod(Method):
    """``headroom_lingua.documents.compress_documents`` over the example's documents (its context
    as one document when it has none), steered by its question. The question stays out of the
    compressed text and the budget: the suite's template places it, as for every other method."""

    def __init__(self, name: str, compressor: Any, config: Any):
        self.name, self.compressor, self.config = name, compressor, config

    def compress(self, example: Example, rate: float) -> Compressed:
        from headroom_lingua import compress_documents

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
    return sorted({"none", "truncate", "documents", "messages", "truncate-turns", *PEERS, *SCORER_KINDS})


@functools.lru_cache(maxsize=8)
def _model_scorer(name: str, model: str, device: str, settings: tuple) -> Scorer:
    """One loaded scorer per (kind, model, device, settings) in a run: methods that share them
    (``perplexity`` and ``documents`` with default settings) share one copy of the model."""
    return load_scorer(model, scorer=name, device=device, config=dict(settings) or None)


def _split_settings(spec: str, name: str, overrides: dict[str, Any], extra: tuple[str, ...] = ()
                    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(pipeline settings, scorer-config settings, ``extra`` settings) of a method spec."""
    config_cls = get_kind(name).config_class()
    scorer_fields = {f.name for f in dataclasses.fields(config_cls)} if config_cls else set()
    known = set(PIPELINE_FIELDS) | scorer_fields | set(extra)
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ConfigError(f"method {spec!r}: unknown field(s) {unknown}; fields are {sorted(known)}")
    pick = lambda keys: {k: v for k, v in overrides.items() if k in keys}  # noqa: E731
    return pick(PIPELINE_FIELDS), pick(scorer_fields), pick(extra)


def _documents_method(spec: str, overrides: dict[str, Any], counter: TokenCounter, config: Any) -> Method:
    """``documents[:field=value,...]``: fields of ``DocumentsConfig``, ``CompressionConfig`` and the
    scorer's config (``PerplexityConfig``; ``ClassifierConfig`` with ``model=`` a classifier folder,
    ranked by BM25 unless ``ranker=`` says otherwise, read with the question when it was trained on them)."""
    from headroom_lingua import Compressor, DocumentsConfig

    doc_fields = tuple(f.name for f in dataclasses.fields(DocumentsConfig))
    model = overrides.get("model") or config.scorer_model
    kind = kind_for_model(model)
    pipeline, scorer_cfg, doc = _split_settings(spec, kind, overrides, doc_fields + ("model",))
    doc.pop("model", None)
    scorer = _model_scorer(kind, model, config.device, tuple(sorted(scorer_cfg.items())))
    cfg = CompressionConfig(on_overflow="drop").with_settings_of(scorer).replace(**pipeline)
    return DocumentsMethod(spec, Compressor(scorer, config=cfg, tokenizer=counter), DocumentsConfig().replace(**doc))


def _messages_method(spec: str, overrides: dict[str, Any], counter: TokenCounter, config: Any) -> Method:
    """``messages[:field=value,...]``: fields of ``MessagesConfig``, ``stable``, ``CompressionConfig``
    and ``PerplexityConfig``; the default pipeline config (protected spans yield by priority)."""
    from headroom_lingua import Compressor
    from headroom_lingua.frontends.messages import MessagesConfig

    fields = tuple(f.name for f in dataclasses.fields(MessagesConfig)) + ("stable",)
    pipeline, scorer_cfg, msg = _split_settings(spec, "perplexity", overrides, fields)
    stable = bool(msg.pop("stable", True))
    if "steps" in msg:
        msg["steps"] = tuple(msg["steps"])
    scorer = _model_scorer("perplexity", config.scorer_model, config.device, tuple(sorted(scorer_cfg.items())))
    compressor = Compressor(scorer, config=CompressionConfig().replace(**pipeline), tokenizer=counter)
    return MessagesMethod(spec, compressor, MessagesConfig().replace(**msg), stable=stable)


def _scorer(name: str, scorer_cfg: dict[str, Any], config: Any, model: str | None = None) -> Scorer:
    kind = get_kind(name)
    if kind.model_kind is not None:  # model-backed scorers load their model: model=... or the run's scorer model
        model = model or config.scorer_model
        if get_kind(kind_for_model(model)).model_kind != kind.model_kind:
            raise ConfigError(f"method {name!r} reads a {kind.model_kind} model and {model!r} is not one: "
                              f"give it its own, {name}:model=PATH (or --scorer-model PATH)")
        return _model_scorer(name, model, config.device, tuple(sorted(scorer_cfg.items())))
    if model is not None:
        raise ConfigError(f"method {name!r} loads no model; drop model={model!r}")
    cls = kind.scorer_class()
    takes_seed = "seed" in inspect.signature(cls).parameters
    return cls(**({"seed": config.seed} if takes_seed else {}), **scorer_cfg)


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
    if name == "messages":
        return _messages_method(spec, overrides, counter, config)
    if name == "truncate-turns":
        return TruncateTurns(counter)
    if name not in SCORER_KINDS and name != "truncate":
        raise ConfigError(f"unknown method {name!r} (from {spec!r}); known methods are {known_methods()}")
    pipeline, scorer_cfg, extra = _split_settings(spec, "position" if name == "truncate" else name, overrides,
                                                  ("model", "question"))
    base = BASELINE_CONFIG if name in ("truncate", "random") else CompressionConfig(on_overflow="drop")
    if name in ("truncate", "random") and "model" in extra:
        raise ConfigError(f"method {name!r} loads no model; drop model={extra['model']!r}")
    if name == "truncate":
        scorer: Scorer = PositionScorer()
    elif name == "random":
        scorer = RandomScorer(seed=config.seed)
    else:
        scorer = _scorer(name, scorer_cfg, config, extra.get("model"))
    cfg = base.with_settings_of(scorer).replace(**pipeline)  # the model as users get it, the method's fields on top
    return ScorerMethod(spec, scorer, counter, cfg, question=bool(extra.get("question", True)))
