"""Scorer kinds by name: what loads a scorer, which config it takes, which models it reads.

A scorer kind is one entry here; its code is one file or folder under ``scorers/``. A model
folder says which kind reads it: ``headroom_lingua.json`` with ``{"scorer": "<kind>"}`` if it has
one, else its ``config.json`` architecture (``...ForCausalLM``: a causal LM, read by
``perplexity``; ``...ForTokenClassification``: a token classifier, read by ``classifier``). A
registered model name says it through ``ModelSpec.kind``.

Example:
    >>> get_kind("perplexity").model_kind
    'causal-lm'
    >>> sorted(k for k, v in SCORER_KINDS.items() if v.model_kind is None)
    ['length', 'position', 'random']
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import threading
from pathlib import Path
from typing import Any, Callable

from ..errors import ConfigError, ModelNotFoundError
from .base import Scorer

MODEL_KINDS = {"causal-lm": "perplexity", "token-classifier": "classifier"}
"""The scorer kind that reads a model of each kind by default."""
FOLDER_CONFIG = "headroom_lingua.json"


@dataclasses.dataclass(frozen=True)
class ScorerKind:
    """A kind of scorer.

    Attributes:
        name: the kind's name (``perplexity``, ``contrastive``, ``random``, ...).
        factory: the scorer class (or ``"module:Class"``, imported on first use); its
            ``from_pretrained(name_or_path, device=, dtype=, config=)`` loads it.
        model_kind: the kind of model it reads (``causal-lm``, ``token-classifier``), None if none.
        config: its config class (or ``"module:Class"``), None if it takes none.
        description: one line for listings.
    """

    name: str
    factory: Any
    model_kind: str | None = None
    config: Any = None
    description: str = ""

    def scorer_class(self) -> type[Scorer]:
        return _resolve(self.factory)

    def config_class(self) -> type | None:
        return None if self.config is None else _resolve(self.config)


def _resolve(target: Any) -> Any:
    if isinstance(target, str):
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)
    return target


_P = "headroom_lingua.scorers"
SCORER_KINDS: dict[str, ScorerKind] = {
    "perplexity": ScorerKind("perplexity", f"{_P}.perplexity:PerplexityScorer", "causal-lm",
                             f"{_P}.perplexity:PerplexityConfig", "causal-LM self-information (LLMLingua)"),
    "contrastive": ScorerKind("contrastive", f"{_P}.contrastive:ContrastiveScorer", "causal-lm",
                              f"{_P}.perplexity:PerplexityConfig", "question-conditioned surprisal (LongLLMLingua)"),
    "classifier": ScorerKind("classifier", f"{_P}.classifier.scorer:ClassifierScorer", "token-classifier",
                             f"{_P}.classifier.config:ClassifierConfig", "keep/drop token classifier (LLMLingua-2 style)"),
    "random": ScorerKind("random", f"{_P}.baselines:RandomScorer", description="seeded random drop (a floor)"),
    "position": ScorerKind("position", f"{_P}.baselines:PositionScorer", description="keeps a prefix (truncation)"),
    "length": ScorerKind("length", f"{_P}.baselines:LengthScorer", description="longer units first (a fake)"),
}
_LOCK = threading.Lock()


def register_scorer(kind: ScorerKind, replace: bool = False) -> ScorerKind:
    """Add a scorer kind; ``replace=True`` to overwrite one of the same name."""
    with _LOCK:
        if kind.name in SCORER_KINDS and not replace:
            raise ConfigError(f"scorer kind {kind.name!r} is registered already; pass replace=True to overwrite it")
        SCORER_KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> ScorerKind:
    if name not in SCORER_KINDS:
        raise ConfigError(f"unknown scorer {name!r}; available scorers are {sorted(SCORER_KINDS)}")
    return SCORER_KINDS[name]


def kind_for_model(name_or_path: Any) -> str:
    """The scorer kind that reads a registered model name or a local model folder."""
    from ..models import MODELS

    if isinstance(name_or_path, str) and name_or_path in MODELS:
        spec = MODELS[name_or_path]
        return spec.scorer or MODEL_KINDS.get(spec.kind, "perplexity")
    folder = Path(str(name_or_path)).expanduser()
    if (folder / FOLDER_CONFIG).is_file():
        data = json.loads((folder / FOLDER_CONFIG).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("scorer"), str):
            raise ConfigError(f"{folder / FOLDER_CONFIG} needs a \"scorer\" name, one of {sorted(SCORER_KINDS)}")
        return data["scorer"]
    if (folder / "config.json").is_file():
        arch = " ".join(json.loads((folder / "config.json").read_text(encoding="utf-8")).get("architectures") or [])
        return MODEL_KINDS["token-classifier"] if "ForTokenClassification" in arch else MODEL_KINDS["causal-lm"]
    raise ModelNotFoundError(f"{str(name_or_path)!r} is neither a registered model ({sorted(MODELS)}) "
                             "nor a local model folder")


def load_scorer(name_or_path: Any = None, scorer: str | None = None, device: str = "auto", dtype: Any = "auto",
                config: Any = None) -> Scorer:
    """A loaded scorer: ``scorer`` names its kind (default: the kind that reads the model)."""
    kind = get_kind(scorer or kind_for_model(name_or_path))
    if kind.model_kind is None:
        return kind.scorer_class().from_pretrained(None, config=config)
    return kind.scorer_class().from_pretrained(name_or_path, device=device, dtype=dtype, config=config)
