"""PerplexityScorer on a tiny random Llama: windows, chunked head, batching, iterative mode."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from headroom_lingua import CompressionConfig, Compressor, PerplexityConfig
from headroom_lingua.scorers.base import reduce_to_units
from headroom_lingua.scorers.perplexity import PerplexityScorer
from headroom_lingua.engine.segment import segment

from .helpers import assert_cut_from

TEXT = ("Revenue grew 12% to $4.2M in Q3 2024. The quick brown fox jumps over the lazy dog. "
        "User: can you help me with my order? Assistant: of course, what is the order number? ") * 4


def reference_surprisal(model, ids_with_prefix):
    """Direct -log softmax over full logits, for comparison."""
    with torch.inference_mode():
        logits = model(input_ids=torch.tensor([ids_with_prefix])).logits[0].float()
    logp = torch.log_softmax(logits[:-1], -1)
    return -logp.gather(-1, torch.tensor(ids_with_prefix[1:])[:, None]).squeeze(-1).numpy()


def test_single_pass_equals_full_logits(tiny_model, tiny_tokenizer):
    scorer = PerplexityScorer(tiny_model, tiny_tokenizer, PerplexityConfig(window=4096))
    ids = scorer.counter.encode(TEXT)[0]
    got = scorer.token_surprisal(ids)
    ref = reference_surprisal(tiny_model, [scorer.causal_lm().prefix_id] + ids)
    assert got.shape == (len(ids),) and np.allclose(got, ref, atol=1e-4)


def test_windows_cover_every_token_with_enough_context(tiny_model, tiny_tokenizer):
    cfg = PerplexityConfig(window=32, overlap=8)
    scorer = PerplexityScorer(tiny_model, tiny_tokenizer, cfg)
    ids = scorer.counter.encode(TEXT)[0]
    assert len(ids) > 4 * cfg.window
    got = scorer.token_surprisal(ids)
    assert np.isfinite(got).all()
    full = [scorer.causal_lm().prefix_id] + ids
    w = cfg.window + 1  # the document-start token rides along with the first window's tokens
    assert np.allclose(got[:w - 1], reference_surprisal(tiny_model, full[:w]), atol=1e-4)
    # The next window re-reads `overlap` tokens of context before the first token it scores.
    start = w - cfg.overlap - 1
    second = reference_surprisal(tiny_model, full[start:start + w])
    assert np.allclose(got[w - 1:w - 1 + w - cfg.overlap - 1], second[cfg.overlap:], atol=1e-4)


def test_chunked_head_matches_plain_logits(tiny_model, tiny_tokenizer, monkeypatch):
    import headroom_lingua.scorers.lm.runtime as runtime

    monkeypatch.setattr(runtime, "HEAD_CHUNK", 7)  # force many chunks
    lm = PerplexityScorer(tiny_model, tiny_tokenizer).causal_lm()
    ids = torch.tensor([[lm.prefix_id] + lm.counter.encode(TEXT)[0]])
    split = lm.nll(ids)
    lm.split = False
    plain = lm.nll(ids)
    assert torch.allclose(split, plain, atol=1e-4)


def test_score_batch_padding_matches_single(tiny_scorer):
    texts = [TEXT[:50], TEXT[:200], "x", TEXT[:120]]
    batch = [segment(t) for t in texts]
    together = tiny_scorer.score_batch(batch)
    for u, scores in zip(batch, together):
        assert np.allclose(scores, tiny_scorer.score(u), atol=1e-4)


def test_reductions(tiny_scorer):
    u = segment("alpha beta, gamma")
    starts, ends = np.array([0, 2, 5, 10, 11]), np.array([2, 5, 10, 11, 17])
    tok = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
    assert reduce_to_units(u, starts, ends, tok, "mean").tolist() == [2.0, 2.0, 5.0, 4.0]
    assert reduce_to_units(u, starts, ends, tok, "max").tolist() == [3.0, 2.0, 5.0, 4.0]
    assert reduce_to_units(u, starts, ends, tok, "sum").tolist() == [4.0, 2.0, 5.0, 4.0]
    assert reduce_to_units(u, starts, ends, tok, "first").tolist() == [1.0, 2.0, 5.0, 4.0]


def test_token_spanning_two_units_and_unscored_units():
    u = segment("ab cd ef")
    # one token covers "b c" (two units); "ef" has no token at all -> median of the others
    out = reduce_to_units(u, np.array([0, 1]), np.array([1, 4]), np.array([2.0, 6.0]), "mean")
    assert out.tolist() == [4.0, 6.0, 5.0]


@pytest.mark.parametrize("iterative", [False, True])
def test_compress_through_lm(tiny_model, tiny_tokenizer, iterative):
    cfg = PerplexityConfig(window=48, overlap=8, iterative=iterative, segment_tokens=16)
    comp = Compressor(PerplexityScorer(tiny_model, tiny_tokenizer, cfg))
    r = comp.compress(TEXT, rate=0.4)
    assert r.compressed_tokens <= r.budget and r.compressed_tokens >= 0.97 * r.budget
    assert_cut_from(TEXT, r)
    assert "12%" in r.text and "$4.2M" in r.text and "Q3" in r.text  # protected


def test_iterative_scores_depend_on_rate(tiny_model, tiny_tokenizer):
    cfg = PerplexityConfig(iterative=True, segment_tokens=16)
    scorer = PerplexityScorer(tiny_model, tiny_tokenizer, cfg)
    u = segment(TEXT)
    a, b = scorer.score(u, rate=0.3), scorer.score(u, rate=0.8)
    assert a.shape == b.shape == (len(u),) and np.isfinite(a).all()
    assert not np.allclose(a, b)  # later segments are conditioned on a different compressed prefix


def test_local_model_folder(tiny_model_dir):
    comp = Compressor.from_pretrained(str(tiny_model_dir), device="cpu", dtype="float32")
    r = comp.compress(TEXT, target_tokens=120)
    assert r.compressed_tokens <= 120 and r.tokenizer == str(tiny_model_dir)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16, torch.float32])
def test_logsumexp_precision(dtype):
    from headroom_lingua.scorers.lm.runtime import logsumexp as _logsumexp

    torch.manual_seed(1)
    logits = (torch.randn(3, 17, 5000) * 4).to(dtype)
    exact = torch.logsumexp(logits.double(), dim=-1)
    got = _logsumexp(logits)
    assert got.dtype == torch.float32 and torch.allclose(got.double(), exact, atol=2e-3)
