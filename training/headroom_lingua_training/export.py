"""Write the trained model folder: weights (whole, head only, or LoRA delta + backbone pointer),
tokenizer, ``headroom_lingua.json`` with the calibrated threshold, and the run's config, data
fingerprint and metrics beside them."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from headroom_lingua.scorers.classifier.config import ClassifierConfig
from headroom_lingua.scorers.classifier.loading import META_FILE
from headroom_lingua.engine.segment import segment

from .checkpoint import best_weights
from .config import TrainConfig


def calibrate(scorer: Any, records: Sequence[Any], labels: dict) -> dict[str, float]:
    """The p(keep) threshold that keeps the label keep rate of ``records``' units, and how the units
    it keeps agree with the labels (F1)."""
    scores, gold = [], []
    for record in records:
        units = segment(record.text)
        scores.append(scorer.conditioned(record.question).score(units) if record.question else scorer.score(units))
        gold.append(labels[record.fingerprint].keep.astype(bool))
    s, g = np.concatenate(scores), np.concatenate(gold)
    rate = float(g.mean()) if len(g) else 0.5
    threshold = float(np.quantile(s, 1.0 - rate)) if len(s) else 0.5
    pred = s >= threshold
    tp, fp, fn = int((pred & g).sum()), int((pred & ~g).sum()), int((~pred & g).sum())
    return {"threshold": threshold, "label_keep_rate": rate, "kept_at_threshold": float(pred.mean()) if len(s) else 0.0,
            "unit_f1_at_threshold": 2 * tp / max(2 * tp + fp + fn, 1), "units": int(len(s))}


def _save_weights(model: Any, mode: str, folder: Path) -> None:
    from safetensors.torch import save_file

    if mode == "full":
        model.save_pretrained(folder)
    elif mode == "head":
        model.config.save_pretrained(folder)
        head = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items() if k.startswith("classifier.")}
        save_file(head, str(folder / "head.safetensors"))
    else:  # lora: the adapter (and the head, saved whole by peft) plus the base config
        model.save_pretrained(folder)
        model.get_base_model().config.save_pretrained(folder)


def export_model(cfg: TrainConfig, loop: Any, pointer: dict[str, Any], calib_records: Sequence[Any], run: Any,
                 loaded: Any, summary: dict[str, Any]) -> Path:
    """Write ``<run>/model`` (replacing an older one atomically) and return its path."""
    import torch

    from headroom_lingua.scorers.classifier.scorer import ClassifierScorer

    model = loop.acc.unwrap_model(loop.model)
    if best_weights(cfg.run_dir).is_file() and loop.val_ex:  # the best validation epoch, not the last
        model.load_state_dict(torch.load(best_weights(cfg.run_dir), weights_only=True))
    ccfg = ClassifierConfig(window=cfg.window, stride=cfg.stride, max_question_tokens=cfg.max_question_tokens)
    calibration = calibrate(ClassifierScorer(model, loop.tokenizer, ccfg), calib_records, run.labels)
    ccfg = ccfg.replace(threshold=min(1.0, max(0.0, calibration["threshold"])))
    out = cfg.run_dir / "model"
    tmp = Path(tempfile.mkdtemp(dir=cfg.run_dir, prefix=".model-"))
    tmp.chmod(0o755)  # mkdtemp makes it private
    _save_weights(model, cfg.mode, tmp)
    loop.tokenizer.save_pretrained(tmp)
    meta = {"scorer": "classifier", **ccfg.to_dict(), "weights": cfg.mode, "backbone": pointer,
            "keep_rate": calibration["label_keep_rate"], "labels": cfg.labels, "data_fingerprint": loaded.fingerprint,
            "questions": any(r.question for r in loaded.records)}  # trained on (question, text) pairs
    (tmp / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    (tmp / "train_config.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n", encoding="utf-8")
    report = {k: v for k, v in run.report.items() if k != "examples"}
    metrics = {"data": loaded.summary(), "data_fingerprint": loaded.fingerprint, "labels": report,
               "label_seconds": run.seconds, "label_tokens": run.tokens_labelled, "label_token_unit": run.token_unit,
               "calibration": calibration, "steps": summary["step"],
               "train_tokens": summary["tokens"], "train_seconds": summary["seconds"],
               "train_tokens_per_s": summary["tokens"] / max(summary["seconds"], 1e-9),
               "epochs": summary["history"], "losses": summary["losses"]}
    (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    for md in cfg.run_dir.glob("labels-*.md"):
        shutil.copy(md, tmp / md.name)
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)
    return out
