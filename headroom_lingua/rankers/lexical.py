"""Model-free rankers: lexical overlap, Okapi BM25, and a two-stage shortlist.

Example:
    >>> r = OverlapRanker()
    >>> r.rank(["Paris is in France.", "Bananas are yellow."], "Where is Paris?").round(2).tolist()
    [0.56, 0.0]
"""

from __future__ import annotations

import collections
import math
from typing import Sequence

import numpy as np
import regex

from ..errors import ConfigError
from .base import Ranker

_WORD = regex.compile(r"[\p{L}\p{N}]+")


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


class OverlapRanker(Ranker):
    """Idf-weighted share of the question's distinct words found in each document.

    The idf is computed over the documents given to one call, so words every document shares
    (articles, the topic's name) weigh little. No model, deterministic, fast.
    """

    name = "overlap"

    def rank(self, documents: Sequence[str], question: str) -> np.ndarray:
        bags = [_words(d) for d in documents]
        q_words = sorted(_words(question))
        if not bags or not q_words:
            return np.zeros(len(bags))
        n = len(bags)
        idf = np.array([math.log(1 + n / (1 + sum(w in b for b in bags))) for w in q_words])
        hits = np.array([[w in b for w in q_words] for b in bags], dtype=np.float64)  # (docs, words)
        return hits @ idf / idf.sum()


class BM25Ranker(Ranker):
    """Okapi BM25 of the question's distinct words in each document, with the textbook ``k1=1.2``
    and ``b=0.75``. Document frequencies come from the documents of one call, as in ``overlap``.

    Example:
        >>> BM25Ranker().rank(["Paris is in France.", "Bananas are yellow."], "Where is Paris?").round(2).tolist()
        [1.31, 0.0]
    """

    name = "bm25"

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        if not k1 > 0 or not 0 <= b <= 1:
            raise ConfigError(f"BM25 needs k1 > 0 and 0 <= b <= 1, got k1={k1!r}, b={b!r}")
        self.k1, self.b = float(k1), float(b)

    def rank(self, documents: Sequence[str], question: str) -> np.ndarray:
        bags = [collections.Counter(w.casefold() for w in _WORD.findall(d)) for d in documents]
        q_words = sorted(_words(question))
        if not bags or not q_words:
            return np.zeros(len(bags))
        n = len(bags)
        lengths = np.array([sum(bag.values()) for bag in bags], dtype=np.float64)
        df = np.array([sum(w in bag for bag in bags) for w in q_words], dtype=np.float64)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))  # (words,)
        tf = np.array([[bag[w] for w in q_words] for bag in bags], dtype=np.float64)  # (docs, words)
        norm = self.k1 * (1 - self.b + self.b * lengths / max(lengths.mean(), 1.0))  # (docs,)
        return (tf * (self.k1 + 1) / (tf + norm[:, None])) @ idf


class ShortlistRanker(Ranker):
    """Two-stage ranking: ``first`` scores every document, ``second`` reorders its top ``size``.

    Shortlisted documents carry ``second``'s scores and rank above all others; the others keep
    ``first``'s order below them, with scores one apart under the shortlist's lowest. So the
    expensive ranker reads ``size`` documents, not all of them, and a ``relevance_gap`` below 1
    never admits a document outside the shortlist.

    Example:
        >>> r = ShortlistRanker(BM25Ranker(), OverlapRanker(), size=2)
        >>> docs = ["Paris is in France.", "Bananas are yellow.", "Paris, Paris! The city of Paris."]
        >>> r.rank(docs, "Where is Paris?").round(2).tolist()  # the banana text is not shortlisted
        [0.52, -0.78, 0.22]
    """

    name = "shortlist"

    def __init__(self, first: Ranker, second: Ranker, size: int = 3):
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(f"the shortlist size must be an int >= 1, got {size!r}")
        self.first, self.second, self.size = first, second, size

    def rank(self, documents: Sequence[str], question: str) -> np.ndarray:
        coarse = np.nan_to_num(np.asarray(self.first.rank(documents, question), dtype=np.float64), nan=-np.inf)
        order = sorted(range(len(documents)), key=lambda i: (-coarse[i], i))
        top, rest = order[:self.size], order[self.size:]
        out = np.empty(len(documents))
        if not top:
            return out
        got = np.asarray(self.second.rank([documents[i] for i in top], question), dtype=np.float64)
        if got.shape != (len(top),):
            raise ValueError(f"ranker {type(self.second).__name__} returned shape {got.shape} for {len(top)} documents")
        out[top] = got
        finite = got[np.isfinite(got)]
        out[rest] = (finite.min() if finite.size else 0.0) - 1.0 - np.arange(len(rest))
        return out
