"""Rankers (the coarse level of question-aware compression): the lexical rankers, the two-stage
shortlist, and rankers plugged into ``compress_documents`` by name. Question perplexity itself is
tested in test_contrastive.py."""

from __future__ import annotations

import numpy as np
import pytest

from headroom_lingua import Compressor, ConfigError
from headroom_lingua.frontends.documents import compress_documents
from headroom_lingua.rankers import BM25Ranker, OverlapRanker, Ranker, ShortlistRanker, get_ranker


class Fixed(Ranker):
    """Fake: fixed scores by document text; remembers what it was asked to rank."""

    def __init__(self, scores: dict[str, float]):
        self.scores, self.seen = scores, []

    def rank(self, documents, question):
        self.seen.append(list(documents))
        return np.array([self.scores[d] for d in documents])


def test_overlap_ranker_prefers_documents_sharing_rare_question_words():
    docs = ["the violin melody", "the glacier melts in the desert", "the senate passed a tariff"]
    rel = OverlapRanker().rank(docs, "Which senate passed the tariff?")
    assert int(np.argmax(rel)) == 2


def test_bm25_counts_repeats_with_saturation_and_normalises_length():
    q = "Which senate passed the tariff?"
    rel = BM25Ranker().rank(["the violin melody", "the senate passed a tariff", "the glacier melts"], q)
    assert int(np.argmax(rel)) == 1 and rel[0] < rel[1]
    once, twice, ten = BM25Ranker().rank(["tariff law", "tariff tariff", "tariff " * 10, "other words"], q)[:3]
    assert once < twice < ten < 2.2 * once  # more mentions count, with diminishing returns
    short, long_ = BM25Ranker().rank(["senate tariff", "senate tariff " + "filler words " * 30, "x y"], q)[:2]
    assert short > long_  # the same matches in a longer document weigh less
    assert BM25Ranker().rank(["a", "b"], "?").tolist() == [0.0, 0.0]  # no question words
    assert BM25Ranker().rank([], q).shape == (0,)
    with pytest.raises(ConfigError, match="k1"):
        BM25Ranker(k1=0)


def test_lexical_rankers_plug_into_documents_by_name(fake):
    docs = ["The violin melody was slow.", "The senate passed the tariff in May.", "A glacier melts."]
    for name in ("bm25", "overlap"):
        r = compress_documents(docs, question="When did the senate pass the tariff?", rate=0.5, model=fake, ranker=name)
        assert r.stats[1].rank == 0 and r.compressed_tokens <= r.budget




def test_shortlist_reorders_only_the_first_rankers_top_documents():
    docs = ["a", "b", "c", "d", "e"]
    first = Fixed({"a": 5.0, "b": 4.0, "c": 3.0, "d": 2.0, "e": 1.0})
    second = Fixed({"a": -2.0, "b": -3.0, "c": -1.0, "d": 0.0, "e": 0.0})
    rel = ShortlistRanker(first, second, size=3).rank(docs, "q")
    assert second.seen == [["a", "b", "c"]]  # the second ranker reads the shortlist only
    assert rel[:3].tolist() == [-2.0, -3.0, -1.0]  # its own scores
    assert rel[3] < rel[1] and rel[4] < rel[3]  # the rest below the shortlist, in the first's order
    assert sorted(range(5), key=lambda i: -rel[i]) == [2, 0, 1, 3, 4]


def test_shortlist_edge_cases():
    first, second = Fixed({"a": 1.0, "b": 2.0}), Fixed({"a": 7.0, "b": np.nan})
    assert ShortlistRanker(first, second, size=5).rank(["a", "b"], "q")[0] == 7.0  # size >= n: all shortlisted
    rel = ShortlistRanker(first, second, size=1).rank(["a", "b"], "q")
    assert np.isnan(rel[1]) and rel[0] == -1.0  # an all-NaN shortlist: the rest start below 0
    assert ShortlistRanker(first, second).rank([], "q").shape == (0,)
    later = Fixed({"a": 0.0, "b": 0.0, "c": 0.0})
    ShortlistRanker(Fixed({"a": np.nan, "b": 1.0, "c": 0.0}), later, size=2).rank(["a", "b", "c"], "q")
    assert later.seen == [["b", "c"]]  # a NaN first score ranks last
    short = type("Short", (Ranker,), {"rank": lambda self, d, q: np.zeros(1)})()
    with pytest.raises(ValueError, match="Short returned shape"):
        ShortlistRanker(first, short, size=2).rank(["a", "b"], "q")
    for bad in (0, 1.5, True):
        with pytest.raises(ConfigError, match="shortlist size"):
            ShortlistRanker(first, second, size=bad)


def test_bm25_qp_runs_question_perplexity_on_the_shortlist_only(tiny_scorer, monkeypatch):
    from headroom_lingua.scorers.contrastive import ContrastiveScorer

    seen = []
    real = ContrastiveScorer.rank
    monkeypatch.setattr(ContrastiveScorer, "rank", lambda self, d, q: seen.append(list(d)) or real(self, d, q))
    docs = ["The senate passed the tariff in May. " * 2, "A violin melody. " * 4, "The glacier melts. " * 4,
            "Tariff debates in the senate. " * 2, "Orbit of a planet. " * 4]
    r = compress_documents(docs, question="When did the senate pass the tariff?", rate=0.5,
                           model=Compressor(tiny_scorer), ranker="bm25_qp")
    assert len(seen) == 1 and len(seen[0]) == 3  # the noise step strips the trailing spaces:
    assert {d.rstrip() for d in seen[0]} >= {docs[0].rstrip(), docs[3].rstrip()}
    assert {r.stats[0].rank, r.stats[3].rank} <= {0, 1, 2} and r.compressed_tokens <= r.budget
    assert get_ranker("bm25_qp", tiny_scorer).second.base is tiny_scorer
