"""Statistics for small evaluation samples: percentile bootstrap CIs and paired bootstrap tests.

All resampling uses ``numpy.random.default_rng(seed)``, so a report is reproducible. Below
``MIN_PAIRS_FOR_P`` pairs a paired test gives its interval but no p-value: with a handful of
pairs the bootstrap distribution takes only a few distinct values, so its p-value is coarse and
over-confident, and reading it invites conclusions the sample cannot carry.

Example:
    >>> lo, hi = bootstrap_ci([0, 0, 1, 1], n_resamples=4000, seed=0)
    >>> (lo, hi)
    (0.0, 1.0)
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np

MIN_PAIRS_FOR_P = 20  # fewer pairs than this: intervals only, p_value is NaN


def _array(values: Sequence[float], what: str = "values") -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size == 0:
        raise ValueError(f"{what} is empty; a bootstrap needs at least one observation")
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} holds NaN or infinite entries; drop failed examples first")
    return arr


def _resampled_means(arr: np.ndarray, n_resamples: int, seed: int) -> np.ndarray:
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive int, got {n_resamples!r}")
    rng = np.random.default_rng(seed)
    means = np.empty(n_resamples)
    step = max(1, 2_000_000 // arr.size)  # bound memory: (step, n) indices at a time
    for a in range(0, n_resamples, step):
        b = min(a + step, n_resamples)
        means[a:b] = arr[rng.integers(0, arr.size, size=(b - a, arr.size))].mean(axis=1)
    return means


def bootstrap_ci(values: Sequence[float], confidence: float = 0.95, n_resamples: int = 2000,
                 seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean.

    Quantiles use the ``lower``/``higher`` rule, so the bounds are attainable resample means.

    >>> bootstrap_ci([1.0, 1.0, 1.0])
    (1.0, 1.0)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    means = _resampled_means(_array(values), n_resamples, seed)
    tail = (1 - confidence) / 2
    return (float(np.quantile(means, tail, method="lower")),
            float(np.quantile(means, 1 - tail, method="higher")))


@dataclasses.dataclass(frozen=True)
class PairedTest:
    """Result of a paired bootstrap test of mean(a) - mean(b).

    Attributes:
        n: number of pairs.
        diff: observed mean difference a - b.
        ci_low, ci_high: percentile bootstrap CI of the difference.
        p_value: two-sided p-value of "no difference", ``(k + 1) / (B + 1)`` where k counts
            resampled differences, centred on the observed one, at least as far from 0 as it is;
            NaN when there are fewer than ``min_pairs`` pairs (``MIN_PAIRS_FOR_P`` by default).
    """

    n: int
    diff: float
    ci_low: float
    ci_high: float
    p_value: float


def paired_bootstrap(a: Sequence[float], b: Sequence[float], confidence: float = 0.95,
                     n_resamples: int = 2000, seed: int = 0, min_pairs: int = MIN_PAIRS_FOR_P) -> PairedTest:
    """Paired bootstrap test: resample example indices, compare the mean of a - b with 0.
    Fewer than ``min_pairs`` pairs: the interval only, ``p_value`` is NaN.

    >>> t = paired_bootstrap([1] * 20, [0] * 20, n_resamples=99)
    >>> t.diff, t.p_value
    (1.0, 0.01)
    >>> t = paired_bootstrap([1, 1, 0], [0, 0, 0], n_resamples=99)
    >>> t.n, t.ci_low, t.ci_high, t.p_value
    (3, 0.0, 1.0, nan)
    """
    a_arr, b_arr = _array(a, "a"), _array(b, "b")
    if a_arr.shape != b_arr.shape:
        raise ValueError(f"paired samples differ in length: {a_arr.size} vs {b_arr.size}")
    d = a_arr - b_arr
    observed = float(d.mean())
    means = _resampled_means(d, n_resamples, seed)
    extreme = int(np.sum(np.abs(means - observed) >= abs(observed) - 1e-12))
    tail = (1 - confidence) / 2
    return PairedTest(int(d.size), observed, float(np.quantile(means, tail, method="lower")),
                      float(np.quantile(means, 1 - tail, method="higher")),
                      (extreme + 1) / (n_resamples + 1) if d.size >= min_pairs else math.nan)


def retention(method_scores: Sequence[float], none_scores: Sequence[float]) -> float:
    """Quality kept against the uncompressed prompt on the same examples: mean(method) / mean(none).

    NaN when the uncompressed prompt scores 0 on average (nothing to retain).

    >>> retention([0.5, 1.0], [1.0, 1.0])
    0.75
    """
    m, n = _array(method_scores, "method_scores"), _array(none_scores, "none_scores")
    if m.shape != n.shape:
        raise ValueError(f"paired samples differ in length: {m.size} vs {n.size}")
    base = float(n.mean())
    return float(m.mean()) / base if base > 0 else math.nan
