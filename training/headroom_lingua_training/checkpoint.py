"""Checkpoints of a training run: ``<run>/checkpoints/step-NNNNNNN/`` (accelerate's state: model,
optimiser, scheduler, every process's RNG states) plus ``trainer_state.json``, written last, which
marks the checkpoint complete. ``best.pt`` holds the weights of the best validation epoch so far.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import Any

KEEP_CHECKPOINTS = 2
STATE_FILE = "trainer_state.json"


@dataclasses.dataclass
class CheckpointState:
    """Where the run is: steps, position in the epoch, losses, validation history, early stopping."""

    step: int = 0
    epoch: int = 0
    step_in_epoch: int = 0
    tokens: int = 0
    seconds: float = 0.0
    losses: list[float] = dataclasses.field(default_factory=list)
    history: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    best: float | None = None
    bad_epochs: int = 0
    stopped: bool = False
    best_pending: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CheckpointState":
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})


def checkpoint_root(run_dir: Path) -> Path:
    return Path(run_dir) / "checkpoints"


def best_weights(run_dir: Path) -> Path:
    return checkpoint_root(run_dir) / "best.pt"


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def save_checkpoint(acc: Any, model: Any, run_dir: Path, state: CheckpointState) -> Path:
    """Write a checkpoint of the current step (every process calls this)."""
    import torch

    folder = checkpoint_root(run_dir) / f"step-{state.step:07d}"
    acc.wait_for_everyone()
    acc.save_state(str(folder))
    if acc.is_main_process:
        if state.best_pending:
            weights = {k: v.detach().cpu() for k, v in acc.unwrap_model(model).state_dict().items()}
            tmp = best_weights(run_dir).with_suffix(".tmp")
            torch.save(weights, tmp)
            os.replace(tmp, best_weights(run_dir))
        state.best_pending = False
        _write_json(folder / STATE_FILE, state.to_dict())
        done = sorted(p for p in checkpoint_root(run_dir).glob("step-*") if (p / STATE_FILE).is_file())
        for old in done[:-KEEP_CHECKPOINTS]:
            shutil.rmtree(old, ignore_errors=True)
    state.best_pending = False
    acc.wait_for_everyone()
    return folder


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest complete checkpoint of a run, or None."""
    done = sorted(p for p in checkpoint_root(run_dir).glob("step-*") if (p / STATE_FILE).is_file())
    return done[-1] if done else None


def restore(acc: Any, folder: Path) -> CheckpointState:
    """Load model, optimiser, scheduler and RNG states; the run's position comes back."""
    acc.load_state(str(folder))
    return CheckpointState.from_dict(json.loads((folder / STATE_FILE).read_text(encoding="utf-8")))
