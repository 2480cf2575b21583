"""Shared fixtures: a tiny byte-level BPE tokenizer and a tiny random Llama, built once per session,
and ``fake``, a compressor on a seeded random scorer with cl100k counts (no model at all).

No network and no real weights: the tokenizer is trained in milliseconds on a small corpus and the
model is randomly initialised, so scores are meaningless but every code path of the real scorer
(windows, chunked head, batching, KV cache) runs exactly as with SmolLM2.
"""

from __future__ import annotations

import copy

import pytest

CORPUS = (
    "The quick brown fox jumps over the lazy dog. Revenue grew 12% to $4.2M in Q3 2024. "
    "def compress(text, rate): return text[: int(len(text) * rate)]\n"
    "User: can you help me with my order? Assistant: of course, what is the order number?\n"
) * 20


@pytest.fixture(scope="session")
def tiny_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([CORPUS], trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>")


@pytest.fixture(scope="session")
def _tiny_model_session(tiny_tokenizer):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tiny_tokenizer), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
                         max_position_embeddings=4096, tie_word_embeddings=True)
    return LlamaForCausalLM(config).eval()


@pytest.fixture
def tiny_model(_tiny_model_session):
    return copy.deepcopy(_tiny_model_session)


@pytest.fixture(scope="session")
def tiny_model_dir(_tiny_model_session, tiny_tokenizer, tmp_path_factory):
    """The tiny model saved as a local Hugging Face folder (what users pass as a path)."""
    path = tmp_path_factory.mktemp("tiny-llama")
    _tiny_model_session.save_pretrained(path)
    tiny_tokenizer.save_pretrained(path)
    return path


@pytest.fixture
def tiny_scorer(tiny_model, tiny_tokenizer):
    from headroom_lingua import PerplexityConfig
    from headroom_lingua.scorers.perplexity import PerplexityScorer

    return PerplexityScorer(tiny_model, tiny_tokenizer, PerplexityConfig(window=64, overlap=8), model_name="tiny")


@pytest.fixture(scope="module")
def fake():
    from headroom_lingua import Compressor
    from headroom_lingua.scorers import RandomScorer

    return Compressor(RandomScorer(seed=1), tokenizer="cl100k")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Never touch the user's model cache from the fast suite."""
    monkeypatch.setenv("HEADROOM_LINGUA_HOME", str(tmp_path / "hl-home"))
