"""Rankers: order documents by relevance to a question (the coarse level of question-aware compression).

A ranker implements one method, ``rank(documents, question)``, returning one relevance score per
document (higher = more relevant). Rankers are peers behind that interface, like scorers:

- ``question_perplexity`` (LongLLMLingua's coarse ranking): -mean log p(question | document) under
  a causal LM, negated so that higher is more relevant. Implemented by
  ``headroom_lingua.scorers.contrastive.ContrastiveScorer``, which is both a ranker and the
  question-aware fine-level scorer, so that one forward pass serves both.
- ``overlap``: model-free and deterministic: the idf-weighted share of the question's words that
  occur in the document (a lexical baseline, and a fake for tests).
- ``bm25``: model-free and deterministic: Okapi BM25 of the question's words in each document
  (term frequency saturates, long documents are normalised).
- ``classifier``: a keep/drop classifier trained on (question, text) pairs reads each document
  with the question and ranks it by its most confident tokens' p(keep) (``ClassifierScorer.rank``);
  the token probabilities stay cached, so the fine level's word scores need no second pass. Asked
  by name only: the first such classifier ranked worse than BM25 (``default_ranker``).
- ``bm25_qp``: two stages (``ShortlistRanker``): BM25 picks a shortlist, question perplexity
  orders it. The LM reads only the shortlisted documents, and their plain surprisal is cached
  for the fine level as with ``question_perplexity``.

Rankers are chosen by what the compressor's scorer can do, never by its class: question
perplexity needs a scorer that runs a causal LM (``Scorer.causal_lm()``).
"""

from __future__ import annotations

from typing import Any, Callable

from ..errors import ConfigError
from .base import Ranker
from .lexical import BM25Ranker, OverlapRanker, ShortlistRanker


def _question_perplexity(scorer: Any) -> Ranker:
    if scorer is None or getattr(scorer, "causal_lm", lambda: None)() is None:
        raise ConfigError(f"ranker 'question_perplexity' needs a scorer that runs a causal LM, got "
                          f"{type(scorer).__name__}; use ranker='bm25' or 'overlap' with this scorer")
    from ..scorers.contrastive import ContrastiveScorer

    return ContrastiveScorer.for_scorer(scorer)


def _ranks_documents(scorer: Any) -> bool:
    """A scorer that ranks documents itself: a classifier trained on (question, text) pairs."""
    return callable(getattr(scorer, "rank", None)) and bool(getattr(scorer, "reads_questions", False))


def _classifier(scorer: Any) -> Ranker:
    if not _ranks_documents(scorer):
        raise ConfigError(f"ranker 'classifier' needs a classifier scorer trained on (question, text) pairs, got "
                          f"{type(scorer).__name__}; use ranker='bm25' or 'overlap' with this scorer")
    return scorer


RANKERS: dict[str, Callable[[Any], Ranker]] = {
    "classifier": _classifier,
    "question_perplexity": _question_perplexity,
    "overlap": lambda scorer: OverlapRanker(),
    "bm25": lambda scorer: BM25Ranker(),
    "bm25_qp": lambda scorer: ShortlistRanker(BM25Ranker(), _question_perplexity(scorer)),
}
"""Ranker factories by name; each takes the compressor's scorer (model-backed rankers reuse its model)."""


def default_ranker(scorer: Any) -> str:
    """``question_perplexity`` for a scorer that runs a causal LM, else ``bm25``. A classifier
    trained on question pairs ranks with ``bm25`` too: on 30 multi-document SQuAD prompts the
    first classifier ranked the gold paragraph first for 4 (``classifier``), BM25 for 29."""
    if getattr(scorer, "causal_lm", lambda: None)() is not None:
        return "question_perplexity"
    return "bm25"


def get_ranker(ranker: Any, scorer: Any = None) -> Ranker:
    """A ranker from a name in ``RANKERS`` (``auto``: ``default_ranker``) or an object with a
    ``rank`` method.

    Example:
        >>> get_ranker("overlap").name
        'overlap'
    """
    if isinstance(ranker, str):
        name = default_ranker(scorer) if ranker == "auto" else ranker
        if name not in RANKERS:
            raise ConfigError(f"unknown ranker {ranker!r}; available rankers are {sorted(RANKERS)} or 'auto'")
        return RANKERS[name](scorer)
    if callable(getattr(ranker, "rank", None)):
        return ranker
    raise ConfigError(f"ranker must be a name in {sorted(RANKERS)} or an object with a rank() method, "
                      f"got {type(ranker).__name__}")


__all__ = ["Ranker", "RANKERS", "OverlapRanker", "BM25Ranker", "ShortlistRanker", "default_ranker", "get_ranker"]
