"""What every label source shares: the word units, the label record, the keep-rate cut.

Labels are per *unit* of ``headroom_lingua.engine.segment.segment(record.text)`` (no protected spans: the
compressor keeps those whatever the scores say), so they line up with what the classifier scores.
"""

from __future__ import annotations

import abc
import dataclasses
import hashlib
import json
from typing import Any, Sequence

import numpy as np

from headroom_lingua.engine.segment import Units, segment

from ..data import Record


@dataclasses.dataclass
class Labels:
    """Word labels of one record: ``keep`` (n_units,) 0/1, ``soft`` (n_units,) score or None.
    A rejected record has ``reject`` set (a reason) and empty arrays."""

    fingerprint: str
    keep: np.ndarray
    soft: np.ndarray | None = None
    reject: str | None = None
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"fp": self.fingerprint}
        if self.reject is not None:
            out["reject"] = self.reject
        else:
            out["keep"] = "".join("1" if k else "0" for k in self.keep.tolist())
            if self.soft is not None:
                out["soft"] = [round(float(s), 4) for s in self.soft.tolist()]
        if self.meta:
            out["meta"] = self.meta
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Labels":
        keep = np.frombuffer(data.get("keep", "").encode(), dtype=np.uint8) - ord("0")
        soft = np.asarray(data["soft"], dtype=np.float32) if "soft" in data else None
        return cls(data["fp"], keep.astype(np.int8), soft, data.get("reject"), data.get("meta", {}))


class LabelSource(abc.ABC):
    """A way of labelling records' words keep (1) / drop (0). One module per source; see ``SOURCES``."""

    name: str = "source"

    @abc.abstractmethod
    def params(self) -> dict[str, Any]:
        """Everything that changes the labels (the cache key is made from it)."""

    @abc.abstractmethod
    def label_batch(self, records: Sequence[Record]) -> list[Labels]:
        """Labels (or a rejection) for each record, in order."""

    def applies(self, record: Record) -> str | None:
        """None if this source can label ``record``, else the reason it cannot."""
        return None

    def count_tokens(self, record: Record) -> int:
        """The size of ``record`` for throughput figures: units here, teacher tokens for LM sources."""
        return len(units_of(record))

    token_unit = "units"

    def cache_key(self) -> str:
        blob = json.dumps({"source": self.name, **self.params()}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:10]


def units_of(record: Record) -> Units:
    return segment(record.text)


def top_fraction(scores: np.ndarray, keep_rate: float) -> np.ndarray:
    """(n,) int8 mask keeping the ``ceil(keep_rate * n)`` highest scores (ties broken by position)."""
    n = len(scores)
    k = min(n, int(np.ceil(keep_rate * n - 1e-9)))
    keep = np.zeros(n, dtype=np.int8)
    if k > 0:
        order = np.argsort(-np.nan_to_num(scores, nan=-np.inf), kind="stable")
        keep[order[:k]] = 1
    return keep


def check_keep_rate(keep_rate: float) -> float:
    if isinstance(keep_rate, bool) or not isinstance(keep_rate, (int, float)) or not 0 < keep_rate < 1:
        raise ValueError(f"keep_rate must be a number in (0, 1), got {keep_rate!r}")
    return float(keep_rate)
