"""MinHash signatures of word shingles and a banded LSH index, for near-duplicate search.

A text's shingles are its runs of ``SHINGLE`` lowercased words (a shorter text is one shingle);
its signature holds, for each of ``PERMUTATIONS`` multiply-shift hash functions, the smallest
hash over its shingles. The share of equal positions in two signatures estimates the Jaccard
similarity of their shingle sets (standard error about ``sqrt(J(1-J)/64)``, 0.05 at J = 0.8).
The index splits signatures into ``BANDS`` bands of four rows: two texts become candidates when a
band agrees (probability 0.9998 at J = 0.8, 0.64 at J = 0.5), and candidates are then checked on
the full signature. A band's bucket holds at most ``BUCKET_CAP`` texts (the first added), which
bounds the work per search when thousands of similar texts share a bucket; a later text stays
findable through its other bands. Deterministic across processes (CRC-32 shingle hashes, fixed
seed).

Example:
    >>> a = signature("the quick brown fox jumps over the lazy dog and runs far away")
    >>> b = signature("the quick brown fox jumps over the lazy dog and runs far off")
    >>> 0.5 < similarity(a, b) < 1.0, similarity(a, a)
    (True, 1.0)
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from typing import Hashable

import numpy as np

SHINGLE = 5
PERMUTATIONS = 64
BANDS = 16
BUCKET_CAP = 64
_ROWS = PERMUTATIONS // BANDS
_WORD = re.compile(r"\w+")
_rng = np.random.default_rng(20260314)
_A = _rng.integers(1, 2**63, PERMUTATIONS, dtype=np.uint64) | np.uint64(1)  # odd multipliers
_B = _rng.integers(0, 2**63, PERMUTATIONS, dtype=np.uint64)


def signature(text: str) -> np.ndarray:
    """The MinHash signature of ``text``'s word shingles, shape ``(PERMUTATIONS,)``, uint64."""
    words = [w.lower() for w in _WORD.findall(text)] or [""]
    k = min(SHINGLE, len(words))
    hashes = np.fromiter((zlib.crc32(" ".join(words[i:i + k]).encode("utf-8"))
                          for i in range(len(words) - k + 1)), dtype=np.uint64)
    with np.errstate(over="ignore"):
        mixed = (hashes[:, None] * _A[None, :] + _B[None, :]) >> np.uint64(32)  # (shingles, perms)
    return mixed.min(axis=0)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures' shingle sets."""
    return float(np.mean(a == b))


class LSHIndex:
    """Signatures under keys; ``best(sig, threshold)`` finds the most similar one at or above
    ``threshold`` (ties: the one added first)."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[int, bytes], list[int]] = defaultdict(list)
        self._keys: list[Hashable] = []
        self._sigs = np.empty((0, PERMUTATIONS), dtype=np.uint64)  # (texts, perms), grown by doubling
        self._size = 0

    def add(self, key: Hashable, sig: np.ndarray) -> None:
        if self._size == len(self._sigs):
            self._sigs = np.concatenate([self._sigs, np.empty((max(16, self._size), PERMUTATIONS), np.uint64)])
        self._sigs[self._size] = sig
        self._keys.append(key)
        for band in range(BANDS):
            bucket = self._buckets[(band, sig[band * _ROWS:(band + 1) * _ROWS].tobytes())]
            if len(bucket) < BUCKET_CAP:
                bucket.append(self._size)
        self._size += 1

    def best(self, sig: np.ndarray, threshold: float) -> tuple[Hashable, float] | None:
        candidates: set[int] = set()
        for band in range(BANDS):
            candidates.update(self._buckets.get((band, sig[band * _ROWS:(band + 1) * _ROWS].tobytes()), ()))
        if not candidates:
            return None
        rows = np.fromiter(sorted(candidates), dtype=np.int64)  # in order added: ties go to the first
        sims = (self._sigs[rows] == sig[None, :]).mean(axis=1)  # (candidates,)
        best = int(np.argmax(sims))
        return (self._keys[rows[best]], float(sims[best])) if sims[best] >= threshold else None
