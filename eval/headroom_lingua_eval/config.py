"""The run configuration: one validated dataclass, saved as ``config.json`` next to the results.

Example:
    >>> cfg = EvalConfig(suites=("squad",), methods=("none", "truncate"), rates=(0.5,), out="runs/x")
    >>> EvalConfig.from_dict(cfg.to_dict()) == cfg
    True
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from headroom_lingua.config import checked_fields
from headroom_lingua.errors import ConfigError

CONFIG_VERSION = 1
DEFAULT_TARGET = "qwen2.5-coder-0.5b-instruct"
DEFAULT_SCORER = "smollm2-135m"


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Everything that decides a run's results (and nothing that does not, such as progress bars).

    Attributes:
        out: output folder (records, summary.csv/md, quality_vs_ratio.png, examples.jsonl, config.json).
        suites: suite names (see ``headroom_lingua_eval.suites.SUITES``).
        methods: method names: ``none``, ``truncate``, ``random``, any scorer of
            ``headroom_lingua.scorers.SCORERS`` optionally with config fields (``perplexity:iterative=true``),
            or the peers ``llmlingua`` / ``longllmlingua``. ``none`` always runs: it is the reference.
        rates: keep fractions in (0, 1); every method is held to ``floor(rate * tokens)`` target tokens.
        limit: examples per suite, drawn with ``seed`` (nested: a larger limit extends a smaller one).
        suite_limits: per-suite limits that override ``limit`` (``{"squad": 100, "gsm8k-cot": 30}``).
        seed: sampling, distractor shuffling, the random baseline and the bootstrap.
        target: a registered target model name, a local HF model folder, or ``stub`` (the test stub).
        target_url: base URL of an OpenAI-compatible endpoint; when set, ``target_model`` names the model.
        api_key_env: environment variable that holds the endpoint's API key.
        target_tokenizer: budget tokenizer of an HTTP target (``cl100k`` or a model name/folder).
        scorer_model: the causal LM of the perplexity scorer and of the peers.
        device: ``auto``, ``cpu``, ``cuda`` or ``mps`` for local models.
        max_new_tokens: generation cap; 0 means each suite's default.
        reference: a second method every method is tested against (besides ``none``), or empty.
        jsonl_path: the records file of the ``jsonl`` suite.
        distractors: distractor paragraphs per ``squad-multidoc`` prompt.
        bootstrap: resamples of each bootstrap.
        peer_retries: extra calls a peer gets when its output overshoots the budget by over 5%.
    """

    out: str
    suites: tuple[str, ...] = ("squad",)
    methods: tuple[str, ...] = ("none", "truncate", "random", "perplexity")
    rates: tuple[float, ...] = (0.5, 0.33, 0.2)
    limit: int | None = None
    suite_limits: dict[str, int] = dataclasses.field(default_factory=dict)
    seed: int = 0
    target: str = DEFAULT_TARGET
    target_url: str = ""
    target_model: str = ""
    api_key_env: str = "OPENAI_API_KEY"
    target_tokenizer: str = "cl100k"
    scorer_model: str = DEFAULT_SCORER
    device: str = "auto"
    max_new_tokens: int = 0
    reference: str = ""
    jsonl_path: str = ""
    distractors: int = 9
    bootstrap: int = 2000
    peer_retries: int = 1

    def __post_init__(self) -> None:
        for name in ("suites", "methods", "rates"):
            value = getattr(self, name)
            if isinstance(value, (str, bytes)) or not value:
                raise ConfigError(f"{name} must be a non-empty list, got {value!r}")
            object.__setattr__(self, name, tuple(value))
        methods = tuple(dict.fromkeys(("none",) + self.methods))  # none first, no duplicates
        object.__setattr__(self, "methods", methods)
        from .suites import SUITES  # light module: no data is loaded here

        unknown = [s for s in self.suites if s not in SUITES]
        if unknown:
            raise ConfigError(f"unknown suite(s) {unknown}; available suites are {sorted(SUITES)}")
        if "jsonl" in self.suites and not self.jsonl_path:
            raise ConfigError("suite 'jsonl' needs jsonl_path (--jsonl FILE)")
        for r in self.rates:
            if isinstance(r, bool) or not isinstance(r, (int, float)) or math.isnan(r) or not 0 < r < 1:
                raise ConfigError(f"rates must be numbers in (0, 1), got {r!r}")
        object.__setattr__(self, "rates", tuple(float(r) for r in self.rates))
        if self.limit is not None and (isinstance(self.limit, bool) or not isinstance(self.limit, int)
                                       or self.limit < 1):
            raise ConfigError(f"limit must be a positive int or None, got {self.limit!r}")
        if not isinstance(self.suite_limits, dict):
            raise ConfigError(f"suite_limits must be a dict of suite -> limit, got {self.suite_limits!r}")
        for suite, n in self.suite_limits.items():
            if suite not in self.suites:
                raise ConfigError(f"suite_limits names {suite!r}, which is not among the suites {list(self.suites)}")
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ConfigError(f"the limit of suite {suite!r} must be a positive int, got {n!r}")
        for name in ("max_new_tokens", "distractors", "peer_retries"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{name} must be an int >= 0, got {value!r}")
        if isinstance(self.bootstrap, bool) or not isinstance(self.bootstrap, int) or self.bootstrap < 100:
            raise ConfigError(f"bootstrap must be an int >= 100, got {self.bootstrap!r}")
        if self.target_url and not self.target_model:
            raise ConfigError("target_url is set but target_model is empty; name the endpoint's model "
                                  "(--target-model)")
        if self.reference and self.reference not in self.methods:
            raise ConfigError(f"reference={self.reference!r} is not among the methods {list(self.methods)}")
        if not self.out:
            raise ConfigError("out must name an output folder")

    def limit_for(self, suite: str) -> int | None:
        """The example limit of ``suite``: its own, else the global one (None: all examples)."""
        return self.suite_limits.get(suite, self.limit)

    @property
    def target_id(self) -> str:
        """What identifies the answering model in the answer cache and the reports."""
        return f"{self.target_url}#{self.target_model}" if self.target_url else self.target

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for name in ("suites", "methods", "rates"):
            data[name] = list(data[name])
        return {"version": CONFIG_VERSION, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EvalConfig":
        return cls(**checked_fields(cls, data, CONFIG_VERSION))

    def save(self, path: str | Path, extra: dict[str, Any] | None = None) -> None:
        """Write the config (plus ``extra`` facts such as versions, under ``"run"``) as JSON."""
        data = self.to_dict()
        if extra:
            data["run"] = extra
        Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "EvalConfig":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        data.pop("run", None)
        return cls.from_dict(data)
