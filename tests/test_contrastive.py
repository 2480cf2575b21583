"""The contrastive (question-aware) scorer and ranker on a tiny random LM: its scores against a
direct computation, its cache, windows, and the accelerator's row batches against one row at a time."""

from __future__ import annotations

import numpy as np
import pytest

from headroom_lingua import ConfigError
from headroom_lingua.scorers import LengthScorer
from headroom_lingua.engine.segment import segment


@pytest.fixture
def contrastive(tiny_scorer):
    from headroom_lingua.scorers.contrastive import ContrastiveScorer

    return ContrastiveScorer(tiny_scorer)


def test_ranking_pass_caches_exact_unconditional_surprisal(contrastive, tiny_scorer):
    doc = "The quick brown fox jumps over the lazy dog."
    rel = contrastive.rank([doc, "Revenue grew 12% in Q3."], "What does the fox do?")
    assert rel.shape == (2,) and np.isfinite(rel).all()
    ids = tiny_scorer.counter.encode(doc)[0]
    np.testing.assert_allclose(contrastive._cache.plain(doc, contrastive.lm), tiny_scorer.token_surprisal(ids), atol=1e-4)


def test_contrastive_scores_match_a_direct_computation(contrastive, tiny_scorer):
    import torch

    q, doc = "Where is the order?", "User: can you help me with my order?"
    units = segment(doc)
    got = contrastive.conditioned(q).score(units)
    enc = tiny_scorer.counter
    ids, offsets = enc.encode(doc)
    qids = enc.encode(q + "\n\n")[0]
    lm = tiny_scorer.causal_lm()
    full = torch.tensor([lm.with_prefix(list(qids) + list(ids))])
    with torch.inference_mode():
        cond = lm.nll(full)[0, -len(ids):].numpy()
    plain = tiny_scorer.token_surprisal(ids)
    from headroom_lingua.scorers import reduce_to_units

    off = np.asarray(offsets).reshape(-1, 2)
    want = reduce_to_units(units, off[:, 0], off[:, 1], plain - cond)
    np.testing.assert_allclose(got, want, atol=1e-4)


def test_contrastive_batches_match_single_calls_and_long_texts_window(contrastive, tiny_scorer):
    view = contrastive.conditioned("Why?")
    texts = ["short text", "The quick brown fox jumps over the lazy dog. " * 12]  # > window (64)
    assert len(tiny_scorer.counter.encode(texts[1])[0]) > 2 * tiny_scorer.config.window
    batch = view.score_batch([segment(t) for t in texts])
    for t, b in zip(texts, batch):
        np.testing.assert_allclose(b, view.score(segment(t)), atol=1e-4)
        assert np.isfinite(b).all()
    rel = contrastive.rank(texts, "Why?")
    assert np.isfinite(rel).all()


def test_accelerator_row_batches_match_one_row_at_a_time(tiny_scorer, monkeypatch):
    """The padded-batch path (taken on accelerators) gives the per-row path's ranking, cached
    surprisals, scores and compressed text; forced on CPU, with batches small enough to split."""
    from headroom_lingua import Compressor
    from headroom_lingua.frontends.documents import compress_documents
    from headroom_lingua.scorers.contrastive import ContrastiveScorer
    from headroom_lingua.scorers.lm import rows as module

    docs = ["The quick brown fox jumps over the lazy dog.", "Revenue grew 12% in Q3 to $4.1M.",
            "Paris is the capital of France. " * 6, "short", "The order #A-1192 ships on May 3."]
    question = "When does order A-1192 ship?"

    def run():
        scorer = ContrastiveScorer(tiny_scorer)
        rel = scorer.rank(docs, question)
        plain = [scorer._cache.plain(d, scorer.lm) for d in docs]
        scores = scorer.conditioned(question).score_batch([segment(d) for d in docs])
        text = compress_documents(docs, question=question, rate=0.5, model=Compressor(tiny_scorer)).text
        return rel, plain, scores, text

    want = run()
    forwards = []
    real = module._run_batch
    monkeypatch.setattr(type(tiny_scorer.causal_lm()), "batched", property(lambda lm: True))
    monkeypatch.setattr(module, "ROW_BATCH_TOKENS", 160)
    monkeypatch.setattr(module, "_run_batch", lambda base, rows: forwards.append(len(rows)) or real(base, rows))
    got = run()
    assert max(forwards) > 1 and len(forwards) > 1  # really batched, and really split into batches
    np.testing.assert_allclose(got[0], want[0], atol=1e-5)
    for a, b in [*zip(got[1], want[1]), *zip(got[2], want[2])]:
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert got[3] == want[3]


def test_surprisal_cache_keeps_its_bounds_and_running_total(contrastive, tiny_scorer, monkeypatch):
    from headroom_lingua.scorers.contrastive import cache as module
    from headroom_lingua.scorers.lm import Lazy

    docs = [f"Document {i}: the quick brown fox jumps over the lazy dog {i} times." for i in range(8)]
    sizes = {d: len(tiny_scorer.counter.encode(d)[0]) for d in docs}
    monkeypatch.setattr(module, "CACHE_TOKENS", 3 * max(sizes.values()))
    monkeypatch.setattr(module, "LAZY_TOKENS", 2 * max(sizes.values()))
    for d in docs:
        contrastive.rank([d], "What does the fox do?")  # caches d's tokens as lazy hidden states
    cache = contrastive._cache

    def lazy():
        return sum(len(p) for v in cache._items.values() for p in v if isinstance(p, Lazy) and p.value is None)

    assert list(cache._items) == docs[-len(cache):] and 1 < len(cache) < len(docs)  # least recent went first
    assert lazy() <= module.LAZY_TOKENS
    assert cache.tokens == sum(len(p) for v in cache._items.values() for p in v)
    contrastive._cache.plain(docs[-2], contrastive.lm)  # resolving frees hidden states but keeps the token count
    contrastive.rank([docs[-2]], "Who?")  # re-caching a text replaces its entry
    assert cache.tokens == sum(len(p) for v in cache._items.values() for p in v) <= module.CACHE_TOKENS


def test_contrastive_without_a_document_start_token(contrastive, tiny_scorer):
    tiny_scorer.causal_lm().prefix_id = None  # the first token has no context: NaN, and units still score
    doc = "The quick brown fox jumps over the lazy dog."
    assert np.isfinite(contrastive.rank([doc, "Revenue grew."], "Who jumps?")).all()
    plain = contrastive._cache.plain(doc, contrastive.lm)
    assert np.isnan(plain[0]) and np.isfinite(plain[1:]).all()
    assert np.isfinite(contrastive.conditioned("Who jumps?").score(segment(doc))).all()


def test_contrastive_needs_a_question_and_a_causal_lm(contrastive):
    from headroom_lingua.scorers.contrastive import ContrastiveScorer

    with pytest.raises(ConfigError, match="conditioned"):
        contrastive.score(segment("a b"))
    with pytest.raises(ConfigError, match="runs a causal LM"):
        ContrastiveScorer(LengthScorer())
