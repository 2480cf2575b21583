"""Validated configuration of the pipeline, serialisable with a version stamp.

``CompressionConfig`` holds what every scorer shares: protection and what happens when protected
text overflows. Settings of one scorer kind live in that kind's own config (for the causal-LM
scorer, ``headroom_lingua.scorers.perplexity.PerplexityConfig``: window, overlap, reduction,
iterative mode, batch size).

Example:
    >>> from headroom_lingua import CompressionConfig
    >>> cfg = CompressionConfig(on_overflow="drop", protect=("numbers", "urls"))
    >>> CompressionConfig.from_dict(cfg.to_dict()) == cfg
    True
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .serial import checked_fields

CONFIG_VERSION = 6  # 3: on_overflow defaults to 'yield' (a version 1-2 file without it reads 'raise'); 4: sentence_slack;
# 5: sentence_facts; 6: sentence_cut
OVERFLOW_POLICIES = ("yield", "raise", "drop")
SCORER_FIELDS = ("reduction", "window", "overlap", "iterative", "segment_tokens", "batch_size")
"""Causal-LM settings that ``CompressionConfig`` took before version 2; still accepted (with a
``DeprecationWarning``) and handed to the causal-LM scorer's own config."""


def _builtin_protectors() -> tuple[str, ...]:
    from .engine.protect import LINKERS, PROTECTORS

    return tuple(PROTECTORS) + tuple(LINKERS)


@dataclasses.dataclass(frozen=True, init=False)
class CompressionConfig:
    """How units are protected and what happens when protected text overflows the budget.

    Attributes:
        protect: names of built-in protectors that are on (see ``headroom_lingua.engine.protect.PROTECTORS``);
            protected spans are always kept whole. Default: all of them.
        on_overflow: what happens when protected text alone exceeds the budget: ``yield``
            (default): protected spans give way, whole, lowest priority first (code and JSON,
            then numbers and labels, then e-mails, URLs, paths and identifiers; see
            ``engine.protect.PRIORITY``), lowest score first within a priority, until the rest
            fits; ``force=`` items never yield (``BudgetError`` when they alone overflow).
            ``raise``: a ``BudgetError`` for any protector (the behaviour before version 3).
            ``drop``: every protected span, forced ones included, becomes droppable (lowest
            score first, after every unprotected unit).
        protect_share: the largest share of the budget protected text may take for sure (1.0,
            the default: all of it). Below 1, when protected spans would take more, the
            best-scoring ones that fit the share are kept and the rest compete with ordinary
            words on their scores, so that a tight budget is not spent on numbers alone.
        sentence_slack: None (the default): words are selected directly. A number s >= 0: a
            coarse sentence step runs first (``headroom_lingua.engine.sentences``): sentences,
            ranked by the mean score of their words, are admitted best first until they hold
            (1 + s) x the budget, and the word step cuts only within them. Small s keeps nearly
            whole sentences, which a small target LLM reads better at low rates.
        sentence_facts: how the sentence step treats protected facts. ``keep`` (the default):
            sentences holding numbers, names, identifiers or who-does-what clauses rank before
            the others, and a sentence left out keeps its numbers (with their units) and its
            who-does-what clauses, protected as in the word step. ``follow``: sentences rank by
            their scores alone and go whole, facts included; for question-aware scorers, whose
            scores already say what the question needs. Names, identifiers, labels and code
            always go with their sentence.
        sentence_cut: where the word step cuts after the sentence step. ``spread`` (the default):
            the lowest-scoring words of every admitted sentence. ``last``: sentences fill the
            budget best first and only the last one reached loses words, so the others stay whole
            (what ``minilm-questions`` uses: the sentence its question needs is read intact).
            ``auto``: ``spread`` for line-structured text (a transcript, a chat: at least as many
            sentences end at a line break as at punctuation), ``last`` for prose (what
            ``minilm-transcripts`` uses).
        scorer_options: deprecated causal-LM settings passed here (``window=``, ``iterative=``, ...)
            as sorted ``(name, value)`` pairs; pass a ``PerplexityConfig`` instead.
    """

    protect: tuple[str, ...]
    on_overflow: str
    protect_share: float
    sentence_slack: float | None
    sentence_facts: str
    sentence_cut: str
    scorer_options: tuple[tuple[str, Any], ...]

    def __init__(self, protect: Any = None, on_overflow: str = "yield", protect_share: float = 1.0,
                 sentence_slack: float | None = None, sentence_facts: str = "keep", sentence_cut: str = "spread",
                 scorer_options: Any = (), **legacy: Any):
        unknown = sorted(set(legacy) - set(SCORER_FIELDS))
        if unknown:
            raise TypeError(f"CompressionConfig got unexpected field(s) {unknown}")
        if legacy:
            warnings.warn(f"CompressionConfig({', '.join(sorted(legacy))}=...) is deprecated: these are causal-LM "
                          "settings; pass PerplexityConfig(...) as scorer_config instead", DeprecationWarning,
                          stacklevel=2)
        options = dict(scorer_options, **legacy)
        set_ = object.__setattr__
        set_(self, "protect", _builtin_protectors() if protect is None else protect)
        set_(self, "on_overflow", on_overflow)
        set_(self, "protect_share", protect_share)
        set_(self, "sentence_slack", sentence_slack)
        set_(self, "sentence_facts", sentence_facts)
        set_(self, "sentence_cut", sentence_cut)
        set_(self, "scorer_options", tuple(sorted(options.items())))
        self._validate()

    def _validate(self) -> None:
        if self.on_overflow not in OVERFLOW_POLICIES:
            raise ConfigError(f"on_overflow={self.on_overflow!r} is not one of {list(OVERFLOW_POLICIES)}")
        if isinstance(self.protect, str) or not all(isinstance(p, str) for p in self.protect):
            raise ConfigError(f"protect must be a tuple of protector names, got {self.protect!r}")
        object.__setattr__(self, "protect", tuple(self.protect))
        known = _builtin_protectors()
        unknown = [p for p in self.protect if p not in known]
        if unknown:
            raise ConfigError(f"unknown protector(s) {unknown}; built-in protectors are {list(known)}")
        if isinstance(self.protect_share, bool) or not isinstance(self.protect_share, (int, float)) \
                or not 0 <= self.protect_share <= 1:
            raise ConfigError(f"protect_share must be a number in [0, 1], got {self.protect_share!r}")
        slack = self.sentence_slack
        if slack is not None and (isinstance(slack, bool) or not isinstance(slack, (int, float)) or not 0 <= slack < 100):
            raise ConfigError(f"sentence_slack must be None or a number in [0, 100), got {slack!r}")
        from .engine.sentences import SENTENCE_CUTS, SENTENCE_FACTS

        if self.sentence_facts not in SENTENCE_FACTS:
            raise ConfigError(f"sentence_facts={self.sentence_facts!r} is not one of {list(SENTENCE_FACTS)}")
        if self.sentence_cut not in SENTENCE_CUTS:
            raise ConfigError(f"sentence_cut={self.sentence_cut!r} is not one of {list(SENTENCE_CUTS)}")
        if self.scorer_options:  # validated by the scorer's config, so errors come early
            from .scorers.perplexity.config import PerplexityConfig

            PerplexityConfig(**dict(self.scorer_options))

    def __getattr__(self, name: str) -> Any:  # deprecated reads: config.window, config.iterative, ...
        if name in SCORER_FIELDS:
            from .scorers.perplexity.config import PerplexityConfig

            return getattr(PerplexityConfig(**dict(self.__dict__.get("scorer_options", ()))), name)
        raise AttributeError(f"'CompressionConfig' object has no attribute {name!r}")

    @property
    def sentence_step(self) -> dict[str, Any]:
        """The sentence step's settings as ``engine.fit`` takes them (``fit(..., **config.sentence_step)``)."""
        return {"sentence_slack": self.sentence_slack, "sentence_facts": self.sentence_facts,
                "sentence_cut": self.sentence_cut}

    def with_settings_of(self, scorer: Any, name: Any = None) -> "CompressionConfig":
        """This config with a model's own pipeline settings on top (``Scorer.pipeline_defaults``:
        a classifier folder's ``"pipeline"`` entry); ``name`` names the model in the error a bad
        entry raises."""
        settings = getattr(scorer, "pipeline_defaults", None) or {}
        try:
            return self.replace(**settings)
        except (TypeError, ConfigError) as exc:
            raise ConfigError(f"{name or getattr(scorer, 'model_name', 'the model')}: its pipeline settings "
                              f"{settings!r} are not valid CompressionConfig fields: {exc}") from None

    def replace(self, **changes: Any) -> "CompressionConfig":
        """A copy with some fields changed (validated again)."""
        fields = self._fields()
        legacy = {k: changes.pop(k) for k in list(changes) if k in SCORER_FIELDS}
        fields.update(changes)
        if legacy:
            fields["scorer_options"] = tuple({**dict(self.scorer_options), **legacy}.items())
        return CompressionConfig(**fields)

    def _fields(self) -> dict[str, Any]:
        """Every field by name, as the constructor takes them."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def to_dict(self) -> dict[str, Any]:
        data = self._fields()
        data["protect"] = list(self.protect)
        options = data.pop("scorer_options")
        if options:
            data["scorer_options"] = dict(options)
        return {"version": CONFIG_VERSION, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CompressionConfig":
        data = dict(data)
        if data.get("version") == 1:  # version 1 held the causal-LM settings among its fields
            data["version"] = 2
            data["scorer_options"] = {k: data.pop(k) for k in SCORER_FIELDS if k in data}
        if data.get("version") == 2:  # the default was 'raise' then
            data["version"] = CONFIG_VERSION
            data.setdefault("on_overflow", "raise")
        if data.get("version") in (3, 4, 5):  # 4 added sentence_slack (off when absent), 5 sentence_facts,
            # 6 sentence_cut (each at its default when absent)
            data["version"] = CONFIG_VERSION
        data = checked_fields(cls, data, CONFIG_VERSION)
        if "protect" in data:
            data["protect"] = tuple(data["protect"])
        data["scorer_options"] = tuple(dict(data.get("scorer_options", {})).items())
        return cls(**data)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "CompressionConfig":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
