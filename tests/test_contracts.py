"""Contracts a refactor must not break: registry names do what they say, every public result
field survives ``to_dict``, and one Compressor shared by threads gives the serial results."""

from __future__ import annotations

import dataclasses
import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from headroom_lingua import Compressor, compress_documents, compress_messages
from headroom_lingua.engine.segment import segment
from headroom_lingua.rankers import RANKERS, BM25Ranker, OverlapRanker, ShortlistRanker, get_ranker
from headroom_lingua.scorers import SCORER_KINDS, LengthScorer, PositionScorer, RandomScorer, get_scorer

DOCS = ["Paris is the capital of France and sits on the Seine. Paris Paris.",
        "Bananas are rich in potassium and grow in bunches in warm places.",
        "The capital of Germany is Berlin, a city on the Spree."]
QUESTION = "What is the capital of France?"


def test_ranker_names_are_what_they_say(tiny_scorer):
    assert type(get_ranker("overlap")) is OverlapRanker
    assert type(get_ranker("bm25")) is BM25Ranker
    bm25, overlap = get_ranker("bm25").rank(DOCS, QUESTION), get_ranker("overlap").rank(DOCS, QUESTION)
    assert not np.allclose(bm25, overlap)  # two different formulas, not one under two names
    qp = get_ranker("question_perplexity", tiny_scorer)
    assert qp.causal_lm() is tiny_scorer.causal_lm()
    short = get_ranker("bm25_qp", tiny_scorer)
    assert isinstance(short, ShortlistRanker) and type(short.first) is BM25Ranker and short.second.lm is qp.lm
    assert get_ranker("auto", tiny_scorer).name == "contrastive" and get_ranker("auto", LengthScorer()).name == "bm25"
    assert set(RANKERS) == {"question_perplexity", "overlap", "bm25", "bm25_qp", "classifier"}  # classifier: tests/test_classifier_ranking.py


def test_scorer_names_are_what_they_say():
    units = segment("alpha be gamma delta")
    assert get_scorer("length").score(units).tolist() == [5.0, 2.0, 5.0, 5.0]
    assert get_scorer("position").score(units).tolist() == [0.0, -1.0, -2.0, -3.0]
    a, b = get_scorer("random", seed=1).score(units), get_scorer("random", seed=2).score(units)
    assert a.shape == (4,) and not np.allclose(a, b)
    for name, kind in SCORER_KINDS.items():
        assert kind.scorer_class().name == name


def _check_round_trip(result) -> None:
    data = result.to_dict()
    names = {f.name for f in dataclasses.fields(result)}
    assert set(data) == names, f"to_dict lost {names - set(data)} or added {set(data) - names}"
    json.dumps(data)  # serialisable
    for name in names:
        value = getattr(result, name)
        if isinstance(value, (int, float, str, bool)) or value is None:
            assert data[name] == value, name


def test_every_result_field_survives_to_dict():
    comp = Compressor(LengthScorer(), tokenizer="cl100k")
    _check_round_trip(comp.compress(" ".join(DOCS), rate=0.5))
    d = compress_documents(DOCS, question=QUESTION, rate=0.5, model=comp, ranker="bm25")
    _check_round_trip(d)
    assert [list(map(list, s.kept)) for s in d.stats] == [s["kept"] for s in d.to_dict()["stats"]]
    m = compress_messages([{"role": "user", "content": DOCS[0]}, {"role": "assistant", "content": DOCS[1]},
                           {"role": "user", "content": "ok?"}], rate=0.6, model=comp)
    _check_round_trip(m)


def test_one_compressor_from_eight_threads_matches_serial(tiny_scorer):
    comp = Compressor(tiny_scorer)
    rng = np.random.default_rng(0)
    words = "the quick brown fox jumps over lazy dog revenue grew to order ships on time".split()
    texts = [" ".join(rng.choice(words, size=int(rng.integers(30, 90)))) for _ in range(16)]

    def work(i: int):
        t = texts[i]
        return (comp.compress(t, rate=0.5).text,
                compress_documents([t, texts[(i + 1) % 16]], question="When does order A-1192 ship?", rate=0.5,
                                   model=comp).text,
                compress_messages([{"role": "user", "content": t}, {"role": "assistant", "content": t},
                                   {"role": "user", "content": "why?"}], rate=0.5, model=comp).messages)

    serial = [work(i) for i in range(16)]
    with ThreadPoolExecutor(8) as pool:
        threaded = list(pool.map(work, range(16)))
    assert threaded == serial


@pytest.mark.parametrize("scorer", [RandomScorer(seed=3), PositionScorer()])
def test_scorers_hold_no_per_call_state(scorer):
    before = dict(vars(scorer))
    Compressor(scorer, tokenizer="cl100k").compress(" ".join(DOCS) * 3, rate=0.3)
    assert vars(scorer) == before
