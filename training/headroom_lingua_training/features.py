"""Labelled records -> encoder windows with per-token labels (what the classifier trains on).

The windows are made by the scorer's own ``encode_windows``, so training and inference read the
same token sequences. A text token takes the label of the unit its span starts in; special and
question tokens get -100 (ignored by the loss).
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any, Sequence

import numpy as np

from headroom_lingua.scorers.classifier.windows import encode_windows
from headroom_lingua.engine.segment import segment

from .data import Record
from .labels.base import Labels

IGNORE = -100


@dataclasses.dataclass
class Example:
    """One window: ``ids`` (t,), ``types`` (t,) or None, ``labels`` (t,) in {0, 1, -100}."""

    ids: np.ndarray
    types: np.ndarray | None
    labels: np.ndarray


def token_labels(spans: np.ndarray, starts: np.ndarray, ends: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """(t,) label per token from its (t, 2) char span: the keep label of the unit it starts in."""
    out = np.full(len(spans), IGNORE, dtype=np.int64)
    is_text = spans[:, 0] >= 0
    unit = np.searchsorted(ends, spans[:, 0], side="right")  # first unit ending after the token starts
    ok = is_text & (unit < len(starts))
    ok[ok] &= starts[unit[ok]] < spans[ok, 1]  # the token overlaps that unit
    out[ok] = keep[unit[ok]]
    return out


def record_examples(tokenizer: Any, record: Record, labels: Labels, window: int, stride: int,
                    max_question_tokens: int) -> list[Example]:
    units = segment(record.text)
    if len(units) != len(labels.keep):  # labels made on a different segmentation: refuse, loudly
        raise ValueError(f"{record.where}: {len(labels.keep)} labels for {len(units)} units "
                         "(the label cache was made by another version of the segmenter; delete it)")
    w = encode_windows(tokenizer, record.text, record.question, window, stride, max_question_tokens)
    keep = labels.keep.astype(np.int64)
    return [Example(w.ids[k], w.types[k], token_labels(w.spans[k], units.starts, units.ends, keep))
            for k in range(len(w))]


def is_validation(record: Record, fraction: float) -> bool:
    """A fixed share of records by fingerprint, the same in every run and process."""
    bucket = int(hashlib.sha256(record.fingerprint.encode()).hexdigest()[:8], 16) % 10_000
    return bucket < fraction * 10_000


def split_records(records: Sequence[Record], labels: dict[str, Labels],
                  fraction: float) -> tuple[list[Record], list[Record]]:
    """(train, validation) among the records with usable labels; at least one of each when possible."""
    usable = [r for r in records if r.fingerprint in labels and labels[r.fingerprint].reject is None
              and len(labels[r.fingerprint].keep)]
    usable = list({r.fingerprint: r for r in usable}.values())
    val = [r for r in usable if is_validation(r, fraction)] if fraction > 0 else []
    if fraction > 0 and not val and len(usable) > 1:
        val = [usable[-1]]
    if len(val) == len(usable) and len(usable) > 1:
        val = val[:1]
    fps = {r.fingerprint for r in val}
    return [r for r in usable if r.fingerprint not in fps], val


def class_weights(examples: Sequence[Example], setting: str) -> tuple[float, float]:
    """(drop, keep) loss weights: ``auto`` inverse frequency (mean weight 1), ``none``, or the keep weight."""
    if setting == "none":
        return 1.0, 1.0
    if setting != "auto":
        return 1.0, float(setting)
    labels = np.concatenate([e.labels for e in examples]) if examples else np.zeros(0)
    n_keep, n_drop = int((labels == 1).sum()), int((labels == 0).sum())
    if not n_keep or not n_drop:
        return 1.0, 1.0
    total = n_keep + n_drop
    return total / (2 * n_drop), total / (2 * n_keep)
