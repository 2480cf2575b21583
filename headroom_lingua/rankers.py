"""Rankers: order documents by relevance to a question (the coarse level of question-aware compression).

A ranker implements one method, ``rank(documents, question)``, returning one relevance score per
document (higher = more relevant). Rankers are peers behind that interface, like scorers:

- ``question_perplexity`` (LongLLMLingua's coarse ranking): -mean log p(question | document) under
  a causal LM, negated so that higher is more relevant. Implemented by
  ``headroom_lingua.scorers.contrastive.ContrastiveScorer``, which is both a ranker and the
  question-aware fine-level scorer, so that one forward pass serves both.
- ``overlap``: model-free and deterministic: the idf-weighted share of the question's words that
  occur in the document (a lexical baseline, and a fake for tests).

Example:
    >>> r = OverlapRanker()
    >>> r.rank(["Paris is in France.", "Bananas are yellow."], "Where is Paris?").round(2).tolist()
    [0.56, 0.0]
"""

from __future__ import annotations

import abc
import math
from typing import Any, Callable, Sequence

import numpy as np
import regex

from .errors import ConfigError

_WORD = regex.compile(r"[\p{L}\p{N}]+")


class Ranker(abc.ABC):
    """Base class of every document ranker."""

    name: str = "ranker"

    @abc.abstractmethod
    def rank(self, documents: Sequence[str], question: str) -> np.ndarray:
        """(n_documents,) float64 relevance of each document to ``question``; higher = more relevant."""


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


def _question_perplexity(scorer: Any) -> Ranker:
    from .scorers.contrastive import ContrastiveScorer

    return ContrastiveScorer.for_scorer(scorer)


RANKERS: dict[str, Callable[[Any], Ranker]] = {
    "question_perplexity": _question_perplexity,
    "overlap": lambda scorer: OverlapRanker(),
}
"""Ranker factories by name; each takes the compressor's scorer (model-backed rankers reuse its model)."""


def get_ranker(ranker: Any, scorer: Any = None) -> Ranker:
    """A ranker from a name in ``RANKERS`` or an object with a ``rank`` method.

    Example:
        >>> get_ranker("overlap").name
        'overlap'
    """
    if isinstance(ranker, str):
        if ranker not in RANKERS:
            raise ConfigError(f"unknown ranker {ranker!r}; available rankers are {sorted(RANKERS)}")
        return RANKERS[ranker](scorer)
    if callable(getattr(ranker, "rank", None)):
        return ranker
    raise ConfigError(f"ranker must be a name in {sorted(RANKERS)} or an object with a rank() method, "
                      f"got {type(ranker).__name__}")
