"""End-to-end invariants of Compressor.compress with deterministic scorers and real tokenizers."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom_lingua import BudgetError, CompressionConfig, Compressor, ConfigError, InputError, PerplexityConfig
from headroom_lingua.engine.budget import HFTokenCounter, get_counter
from headroom_lingua.engine.protect import find_protected
from headroom_lingua.engine.inputs import resolve_budget
from headroom_lingua.engine.render import render
from headroom_lingua.engine.segment import segment
from headroom_lingua.frontends.prepare import prepare_units
from headroom_lingua.scorers import LengthScorer, PositionScorer, RandomScorer

from .helpers import assert_cut_from
from .strategies import texts

ENGLISH = (
    "The committee met on Tuesday to review the quarterly budget. After a long and somewhat tedious "
    "discussion about travel expenses, the members agreed that the marketing department would receive "
    "an additional allocation, provided that it submits a detailed plan before the end of the month. "
    "Several people noted that last year's campaign had been, frankly, rather disappointing, and that the "
    "new plan should explain clearly how the money will be spent and what results are expected.\n\n"
    "In other news, the office kitchen will be renovated next week, so please take your belongings home."
)


@pytest.fixture(params=["cl100k", "tiny"])
def compressor(request, tiny_tokenizer):
    tokenizer = "cl100k" if request.param == "cl100k" else HFTokenCounter(tiny_tokenizer, "tiny")
    return Compressor(LengthScorer(), tokenizer=tokenizer)


def check_invariants(comp: Compressor, text: str, budget_kw: dict) -> None:
    counter = comp.counter()
    try:
        r = comp.compress(text, **budget_kw)
    except BudgetError:
        # Only legitimate when the protected text alone is over the budget.
        original = counter.count(text)
        budget = resolve_budget(original, budget_kw.get("rate"), budget_kw.get("target_tokens"))
        units = prepare_units(text, comp.config.protect)
        assert counter.count(render(units, units.protected)[0]) > budget, "BudgetError with room for protected text"
        return
    if not text.strip():  # documented passthrough: empty or whitespace-only text, counted as nothing
        assert r.text == text and r.original_tokens == r.compressed_tokens == 0
        return
    assert r.original_tokens == counter.count(text)
    if r.budget >= r.original_tokens:  # documented passthrough: the input already fits
        assert r.text == text and r.compressed_tokens == r.original_tokens
    else:
        assert r.compressed_tokens <= r.budget  # no escape hatch: a compressed prompt always fits
    assert counter.count(r.text) == r.compressed_tokens
    assert_cut_from(text, r)
    r.text.encode("utf-8")
    units = prepare_units(text, comp.config.protect)
    linked = [(s, e) for s, e, p in zip(units.starts, units.ends, units.linked) if p]
    if r.budget < r.original_tokens and counter.count(render(units, units.protected)[0]) > r.budget:
        assert r.yielded, "protected text alone is over the budget: something must have yielded"
    else:  # protected text fits: every protected span survives and nothing is reported as yielded
        assert r.yielded == ()
        for s, e in find_protected(text, comp.config.protect):
            # The one exception, tested in test_meaning.py: a span inside a linked clause goes with the clause.
            if text[s:e].strip() and not any(ls <= s and e <= le for ls, le in linked):
                assert any(ks <= s and e <= ke for ks, ke in r.kept), f"protected {text[s:e]!r} was cut"
    for s, e in linked:  # a linked clause is kept whole or dropped whole
        assert any(ks <= s and e <= ke for ks, ke in r.kept) or not any(ks < e and s < ke for ks, ke in r.kept)
    assert comp.compress(text, **budget_kw) .text == r.text  # deterministic


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts, st.floats(0.05, 1.0))
def test_invariants_rate(compressor, text, rate):
    check_invariants(compressor, text, {"rate": rate})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts, st.integers(1, 80))
def test_invariants_target_tokens(compressor, text, target):
    check_invariants(compressor, text, {"target_tokens": target})


@pytest.mark.parametrize("scorer", [LengthScorer(), PositionScorer(), RandomScorer(seed=3)])
@pytest.mark.parametrize("rate", [0.15, 0.33, 0.5, 0.8])
def test_budget_is_filled_on_prose(scorer, rate):
    comp = Compressor(scorer, tokenizer="cl100k")
    r = comp.compress(ENGLISH * 3, rate=rate)
    assert 0.97 * r.budget <= r.compressed_tokens <= r.budget


def test_position_scorer_truncates():
    r = Compressor(PositionScorer(), tokenizer="cl100k").compress(ENGLISH, target_tokens=10)
    assert ENGLISH.startswith(r.text.rstrip(",. ")) and r.compressed_tokens <= 10


def test_budget_at_or_above_input_returns_it_unchanged(compressor):
    n = compressor.counter().count(ENGLISH)
    for kw in ({"target_tokens": n}, {"target_tokens": n + 50}, {"rate": 1.0}):
        r = compressor.compress(ENGLISH, **kw)
        assert r.text == ENGLISH and r.original_tokens == r.compressed_tokens == n and r.rate == 1.0


def test_result_fields(compressor):
    r = compressor.compress(ENGLISH, rate=0.4)
    assert str(r) == r.text and r.rate == pytest.approx(r.compressed_tokens / r.original_tokens)
    assert r.ratio == pytest.approx(r.original_tokens / r.compressed_tokens) and r.seconds >= 0
    with pytest.raises(AttributeError):
        r.text = "x"  # frozen
    assert set(r.to_dict()) >= {"text", "original_tokens", "compressed_tokens", "rate", "ratio", "kept", "seconds"}


@pytest.mark.parametrize("text", ["", "   ", "\n\t \r\n"])
def test_empty_and_whitespace_pass_through(compressor, text):
    r = compressor.compress(text, rate=0.5)
    assert r.text == text and r.original_tokens == 0 and r.compressed_tokens == 0


@pytest.mark.parametrize("kw,match", [
    ({"rate": 0}, "rate must be a number in \\(0, 1\\], got 0"),
    ({"rate": 1.5}, "got 1.5"),
    ({"rate": -0.2}, "got -0.2"),
    ({"rate": float("nan")}, "got nan"),
    ({"target_tokens": 0}, "target_tokens must be a positive int, got 0"),
    ({"target_tokens": -3}, "got -3"),
    ({"target_tokens": 2.5}, "got 2.5"),
    ({}, "exactly one of rate or target_tokens"),
    ({"rate": 0.5, "target_tokens": 10}, "exactly one"),
])
def test_bad_budget_arguments(compressor, kw, match):
    with pytest.raises(ValueError, match=match):
        compressor.compress(ENGLISH, **kw)
    with pytest.raises(ValueError, match=match):
        compressor.compress("", **kw)  # rejected even when there is nothing to compress


@pytest.mark.parametrize("bad", [None, 42, b"bytes", ["a list"]])
def test_non_string_is_a_type_error(compressor, bad):
    with pytest.raises(TypeError, match="must be a str"):
        compressor.compress(bad, rate=0.5)


def test_lone_surrogate_is_named():
    with pytest.raises(InputError, match="lone surrogate '\\\\ud800' at index 6"):
        Compressor(LengthScorer(), tokenizer="cl100k").compress("hello \ud800 world", rate=0.5)


def test_protected_overflow_raise_and_drop():
    text = "IDs: " + " ".join(f"0x{i:08X}" for i in range(30)) + " and some words here"
    comp = Compressor(LengthScorer(), config=CompressionConfig(on_overflow="raise"), tokenizer="cl100k")
    with pytest.raises(BudgetError, match="over the budget of 10"):
        comp.compress(text, target_tokens=10)
    dropping = Compressor(LengthScorer(), config=CompressionConfig(on_overflow="drop"), tokenizer="cl100k")
    r = dropping.compress(text, target_tokens=10)
    assert r.compressed_tokens <= 10 and "0x" in r.text  # protected ids outrank plain words


def test_protect_share_leaves_room_for_words_when_numbers_would_fill_the_budget():
    text = ("In 1656 the plague killed 1.25 million people; by 1709 and 1720 some 14% had died, "
            "and in 1649 another 300,000 were lost, while the city rebuilt its walls, churches and markets.")
    plain = Compressor(LengthScorer(), tokenizer="cl100k").compress(text, target_tokens=28)
    shared = Compressor(LengthScorer(), config=CompressionConfig(protect_share=0.5),
                        tokenizer="cl100k").compress(text, target_tokens=28)
    numbers = re.findall(r"\d[\d.,%]*\d%?|\d", text)
    assert all(n in plain.text for n in numbers)  # default: every number kept, the budget goes to them
    assert shared.compressed_tokens <= 28
    words = lambda t: {w for w in re.findall(r"[A-Za-z]{4,}", t)}  # noqa: E731
    assert len(words(shared.text)) > len(words(plain.text))  # the share left room for long words
    with pytest.raises(ConfigError, match="protect_share"):
        CompressionConfig(protect_share=1.5)


def test_force_keeps_caller_spans():
    comp = Compressor(PositionScorer(), tokenizer="cl100k")
    r = comp.compress(ENGLISH, rate=0.2, force=["office kitchen"])
    assert "office kitchen" in r.text


def test_protectors_can_be_switched_off():
    text = "aaaaaaaaaaaa bbbbbbbbbbb 2024-03-05 cc dd ee ff"
    off = Compressor(LengthScorer(), config=CompressionConfig(protect=()), tokenizer="cl100k")
    on = Compressor(LengthScorer(), tokenizer="cl100k")
    assert "2024-03-05" in on.compress(text, target_tokens=8).text
    assert "2024-03-05" not in off.compress(text, target_tokens=3).text


def test_compress_batch_matches_single(tiny_scorer):
    comp = Compressor(tiny_scorer)
    prompts = [ENGLISH, "short prompt here with a few words", ENGLISH[:150], ""]
    batch = comp.compress_batch(prompts, rate=0.5)
    for p, r in zip(prompts, batch):
        single = comp.compress(p, rate=0.5)
        assert r.text == single.text and r.compressed_tokens == single.compressed_tokens


def test_million_characters_bounded_memory():
    """1,000,000 characters through segment/protect/select/render: Python-side peak memory stays a
    small multiple of the text (the model side is bounded by the window, tested below)."""
    import tracemalloc

    text = ((ENGLISH + "\n") * 3000)[:1_000_000]
    comp = Compressor(RandomScorer(), tokenizer="cl100k")
    tracemalloc.start()
    try:
        r = comp.compress(text, rate=0.3)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert 0.97 * r.budget <= r.compressed_tokens <= r.budget and r.original_tokens > 150_000
    assert peak < 150 * len(text), f"peak {peak / 2**20:.0f} MiB for a 1M-character input"


def _lm_long_input(tiny_model, tiny_tokenizer, n_chars):
    import torch

    from headroom_lingua.scorers.perplexity import PerplexityScorer

    scorer = PerplexityScorer(tiny_model, tiny_tokenizer, PerplexityConfig(window=2048, overlap=64))
    text = ((ENGLISH + "\n") * 3000)[:n_chars]
    peak = {"numel": 0}
    head = scorer.causal_lm().head.forward

    def spy(x):
        out = head(x)
        peak["numel"] = max(peak["numel"], out.numel())
        return out

    scorer.causal_lm().head.forward = spy
    with torch.inference_mode():
        r = Compressor(scorer).compress(text, rate=0.3)
    assert 0.97 * r.budget <= r.compressed_tokens <= r.budget
    assert peak["numel"] <= 512 * len(tiny_tokenizer)  # (chunk, vocab) logits, never (n_tokens, vocab)
    return r


def test_long_input_through_windowed_lm(tiny_model, tiny_tokenizer):
    r = _lm_long_input(tiny_model, tiny_tokenizer, 60_000)
    assert r.original_tokens > 8 * 2048  # many windows


@pytest.mark.slow
def test_million_characters_through_windowed_lm(tiny_model, tiny_tokenizer):
    assert _lm_long_input(tiny_model, tiny_tokenizer, 1_000_000).original_tokens > 500_000
