"""Budget tokenizers: o200k offline (GPT-4o and later), aliases, and the unknown-name error."""

from __future__ import annotations

import gzip

import pytest

from headroom_lingua import ConfigError
from headroom_lingua.engine.budget import (O200K_ALIASES, O200K_PATTERN, O200K_SPECIAL, get_counter, load_o200k_ranks,
                                    tokenizer_names)
from headroom_lingua.compressor import Compressor
from headroom_lingua.scorers import LengthScorer

# Published o200k_base encodings (tiktoken's and js-tiktoken's test cases).
KNOWN = [
    ("hello world", [24912, 2375]),
    (" 日本語とEnglish 12345!\n", [17428, 40909, 5330, 28881, 220, 7633, 2548, 4175]),
    ("a\n\n", [64, 279]),
    ("<|endoftext|>", [27, 91, 419, 1440, 919, 91, 29]),  # special-token text counts as ordinary text
]


@pytest.mark.parametrize("text,ids", KNOWN)
def test_o200k_gives_the_published_ids(text, ids):
    counter = get_counter("o200k")
    assert counter.encoding.encode(text, disallowed_special=()) == ids
    assert counter.count(text) == len(ids)


def test_o200k_vocabulary_size_is_the_published_one():
    assert get_counter("o200k").encoding.n_vocab == 200019


@pytest.mark.parametrize("name", O200K_ALIASES + ("GPT-4o", "O200K_BASE"))
def test_o200k_aliases_resolve_to_one_counter(name):
    assert get_counter(name) is get_counter("o200k")


def test_pattern_and_special_tokens_match_tiktokens_own_definition(monkeypatch):
    openai_public = pytest.importorskip("tiktoken_ext.openai_public")
    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", lambda *a, **k: {})  # no download
    published = openai_public.o200k_base()
    assert published["pat_str"] == O200K_PATTERN
    assert published["special_tokens"] == O200K_SPECIAL


def test_token_starts_cover_the_text():
    text = "Revenue grew 12% to $4.2M in Q3 2024. 日本語 😀👍🏽"
    starts = get_counter("o200k").token_starts(text)
    assert len(starts) == get_counter("o200k").count(text)
    assert starts[0] == 0 and all(a <= b for a, b in zip(starts, starts[1:]))


def test_a_tampered_file_is_refused(tmp_path):
    bad = tmp_path / "o200k_base.tiktoken.gz"
    bad.write_bytes(gzip.compress(b"aGVsbG8= 0\n"))
    with pytest.raises(ConfigError, match="SHA-256"):
        load_o200k_ranks(bad)


def test_unknown_tokenizer_name_lists_the_names_that_work():
    with pytest.raises(ConfigError) as info:
        get_counter("gpt-9-turbo")
    message = str(info.value)
    assert "'gpt-9-turbo'" in message
    for name in ("cl100k", "o200k", "gpt-4o", "smollm2-135m"):
        assert repr(name) in message
    assert set(tokenizer_names()) >= {"cl100k", "o200k", "gpt-4o", "gpt-3.5-turbo"}


def test_compress_holds_an_o200k_budget():
    text = ("The quarterly revenue grew quickly this year, while the running costs fell sharply. " * 6).strip()
    comp = Compressor(LengthScorer(), tokenizer="o200k")
    r = comp.compress(text, rate=0.5)
    assert r.tokenizer == "o200k"
    assert r.compressed_tokens == get_counter("o200k").count(r.text) <= r.budget
    assert r.original_tokens == get_counter("o200k").count(text)
