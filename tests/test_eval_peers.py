"""The llmlingua adapter's fixes, tested on a tiny random Llama (no real weights, no llmlingua)."""

from __future__ import annotations

import copy

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from headroom_lingua_eval.peers import LegacyCacheModel, from_legacy, offline_tiktoken, to_legacy  # noqa: E402


@pytest.fixture(scope="session")
def _tiny_llama():
    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
                                   num_key_value_heads=2, vocab_size=64, max_position_embeddings=128)
    return transformers.LlamaForCausalLM(cfg).eval()


@pytest.fixture
def tiny_llama(_tiny_llama):
    return copy.deepcopy(_tiny_llama)


def test_legacy_cache_round_trip(tiny_llama):
    ids = torch.randint(0, 64, (1, 7))
    with torch.no_grad():
        out = tiny_llama(input_ids=ids, use_cache=True)
    cache = out["cache"] if "cache" in out else out["past_key_values"]
    legacy = to_legacy(cache)
    assert len(legacy) == 2 and all(len(pair) == 2 for pair in legacy)
    assert legacy[0][0].shape == (1, 2, 7, 8)  # (b, heads, t, head_dim)
    back = from_legacy(legacy)
    assert back.get_seq_length() == 7
    assert torch.equal(to_legacy(back)[1][1], legacy[1][1])
    assert from_legacy(None) is None and to_legacy(None) is None


def test_wrapper_matches_a_direct_forward(tiny_llama):
    """llmlingua's usage: prefix with use_cache, then continue from the (list-format) cache."""
    wrapped = LegacyCacheModel(tiny_llama)
    ids = torch.randint(0, 64, (1, 12))
    mask = torch.ones_like(ids)
    with torch.no_grad():
        full = tiny_llama(input_ids=ids, attention_mask=mask).logits
        first = wrapped(ids[:, :5], attention_mask=mask[:, :5], past_key_values=None, use_cache=True)
        past = first.past_key_values
        assert isinstance(past, list) and past[0][0].shape[2] == 5
        # llmlingua edits the cache as lists of tensors: dropping nothing here keeps it exact
        past = [[k[..., :5, :], v[..., :5, :]] for k, v in past]
        second = wrapped(ids[:, 5:], attention_mask=mask, past_key_values=past, use_cache=True)
    assert torch.allclose(second.logits, full[:, 5:], atol=1e-5)
    assert second.past_key_values[0][0].shape[2] == 12
    assert wrapped.config is tiny_llama.config and wrapped.device == tiny_llama.device


def test_offline_tiktoken_is_scoped():
    tiktoken = pytest.importorskip("tiktoken")
    original = tiktoken.encoding_for_model
    with offline_tiktoken():
        enc = tiktoken.encoding_for_model("gpt-3.5-turbo")
        assert len(enc.encode("Hello world")) == 2
    assert tiktoken.encoding_for_model is original
