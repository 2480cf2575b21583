"""Reference alignment: a word of the original is kept if the reference compression kept it.

The reference (``record.compressed``) is cut into the same units as the original and the two word
sequences are aligned in order, comparing casefolded, NFKC-normalised words:

- ``method="lcs"`` (default): the longest order-preserving alignment (dynamic programming, one
  vectorised row per reference word); beyond ``max_cells`` cells it falls back to greedy.
- ``method="greedy"``: each reference word takes the first equal original word within ``window``
  words after the previous match. Cheaper, but one invented word that happens to match far ahead
  can swallow the rest; LCS cannot be misled that way.

Quality filters (after LLMLingua-2's idea, written from scratch): a reference that invents words
(``variation_rate``: share of reference words found nowhere in the original) or reorders them
(``alignment_gap``: share of reference words that exist in the original but could not be aligned in
order) is not a compression of the original; records above ``max_variation_rate`` /
``max_alignment_gap`` are rejected, with the reason.

Example:
    >>> align_words(["the", "cat", "sat", "on", "the", "mat"], ["cat", "the", "mat"]).tolist()
    [-1, 0, -1, -1, 1, 2]
"""

from __future__ import annotations

import unicodedata
from typing import Any, Sequence

import numpy as np

from ..data import Record
from .base import Labels, LabelSource, units_of

METHODS = ("lcs", "greedy")


def normalise(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()


def _lcs(orig: Sequence[str], ref: Sequence[str]) -> np.ndarray:
    """(len(orig),) reference index aligned to each original word (-1: dropped), by LCS."""
    vocab: dict[str, int] = {}
    o = np.asarray([vocab.setdefault(w, len(vocab)) for w in orig], dtype=np.int64)  # (n,)
    r = np.asarray([vocab.get(w, -1) for w in ref], dtype=np.int64)  # (m,)
    n, m = len(o), len(r)
    table = np.zeros((m + 1, n + 1), dtype=np.int32)  # table[i, j]: LCS of ref[:i], orig[:j]
    for i in range(1, m + 1):
        prev = table[i - 1]
        cand = np.where(o == r[i - 1], prev[:-1] + 1, prev[1:])  # diagonal hit, or from above
        table[i, 1:] = np.maximum.accumulate(cand)  # or from the left: a running max along the row
    out = np.full(n, -1, dtype=np.int64)
    i, j = m, n
    while i > 0 and j > 0:  # walk back, preferring the latest original position of a match
        if o[j - 1] == r[i - 1] and table[i, j] == table[i - 1, j - 1] + 1:
            out[j - 1] = i - 1
            i, j = i - 1, j - 1
        elif table[i, j - 1] >= table[i - 1, j]:
            j -= 1
        else:
            i -= 1
    return out


def _greedy(orig: Sequence[str], ref: Sequence[str], window: int) -> np.ndarray:
    out = np.full(len(orig), -1, dtype=np.int64)
    pos = 0
    for i, word in enumerate(ref):
        for j in range(pos, min(len(orig), pos + window)):
            if orig[j] == word:
                out[j] = i
                pos = j + 1
                break
    return out


def align_words(orig: Sequence[str], ref: Sequence[str], method: str = "lcs", window: int = 64,
                max_cells: int = 20_000_000) -> np.ndarray:
    """For each original word, the index of the reference word aligned to it, or -1.
    Words are compared after ``normalise``; the alignment preserves order."""
    o, r = [normalise(w) for w in orig], [normalise(w) for w in ref]
    if method == "lcs" and len(o) * len(r) <= max_cells:
        return _lcs(o, r)
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not one of {list(METHODS)}")
    return _greedy(o, r, window)


def alignment_stats(orig: Sequence[str], ref: Sequence[str], aligned: np.ndarray) -> dict[str, float]:
    """hit_rate (aligned / reference words), variation_rate (reference words absent from the
    original), alignment_gap (present but not alignable in order: reordering)."""
    m = max(len(ref), 1)
    known = {normalise(w) for w in orig}
    absent = sum(normalise(w) not in known for w in ref)
    hit = int((aligned >= 0).sum()) / m
    variation = absent / m
    return {"hit_rate": hit, "variation_rate": variation, "alignment_gap": max(0.0, 1.0 - variation - hit)}


class AlignmentSource(LabelSource):
    """Labels from a reference compression (``record.compressed``)."""

    name = "alignment"

    def __init__(self, method: str = "lcs", window: int = 64, max_variation_rate: float | None = None,
                 max_alignment_gap: float | None = None, min_hit_rate: float = 0.0):
        if method not in METHODS:
            raise ValueError(f"method={method!r} is not one of {list(METHODS)}")
        self.method, self.window = method, int(window)
        self.max_variation_rate, self.max_alignment_gap = max_variation_rate, max_alignment_gap
        self.min_hit_rate = float(min_hit_rate)

    def params(self) -> dict[str, Any]:
        return {"method": self.method, "window": self.window, "max_variation_rate": self.max_variation_rate,
                "max_alignment_gap": self.max_alignment_gap, "min_hit_rate": self.min_hit_rate}

    def applies(self, record: Record) -> str | None:
        return None if record.compressed is not None else "no 'compressed' field"

    def label_one(self, record: Record) -> Labels:
        fp = record.fingerprint
        if record.compressed is None:
            return Labels(fp, np.zeros(0, np.int8), reject="no 'compressed' field")
        units, ref_units = units_of(record), units_of(Record(record.compressed, record.where))
        orig = [record.text[s:e] for s, e in units.spans()]
        ref = [record.compressed[s:e] for s, e in ref_units.spans()]
        aligned = align_words(orig, ref, self.method, self.window)
        stats = {k: round(v, 4) for k, v in alignment_stats(orig, ref, aligned).items()}
        reason = self._filter(stats, len(ref))
        if reason:
            return Labels(fp, np.zeros(0, np.int8), reject=reason, meta=stats)
        keep = (aligned >= 0).astype(np.int8)
        return Labels(fp, keep, keep.astype(np.float32), meta=stats)

    def _filter(self, stats: dict[str, float], n_ref: int) -> str | None:
        if n_ref == 0:
            return "empty reference compression"
        if self.max_variation_rate is not None and stats["variation_rate"] > self.max_variation_rate:
            return f"variation rate {stats['variation_rate']:.2f} > {self.max_variation_rate}"
        if self.max_alignment_gap is not None and stats["alignment_gap"] > self.max_alignment_gap:
            return f"alignment gap {stats['alignment_gap']:.2f} > {self.max_alignment_gap}"
        if stats["hit_rate"] < self.min_hit_rate:
            return f"hit rate {stats['hit_rate']:.2f} < {self.min_hit_rate}"
        return None

    def label_batch(self, records: Sequence[Record]) -> list[Labels]:
        return [self.label_one(r) for r in records]
