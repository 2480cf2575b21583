"""The llmlingua compatibility layer: LLMLingua's arguments mapped, its dict returned, the
arguments headroom-lingua cannot honour refused by name. Fake scorer, cl100k counts."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_lingua import Compressor, ConfigError
from headroom_lingua.engine.budget import get_counter
from headroom_lingua.compat import MAPPED, NO_OPS, UNSUPPORTED, PromptCompressor, llmlingua_dict
from headroom_lingua.rankers import BM25Ranker
from headroom_lingua.scorers import LengthScorer

from .helpers import is_subsequence

DOCS = [
    "Bananas are rich in potassium and they usually grow in large hanging bunches on tall plants.",
    "Paris has been the capital of France since the tenth century and sits on the river Seine.",
    "Glaciers carve deep valleys into mountains over thousands of years as they slowly move downhill.",
    "The violin has four strings tuned in fifths and is played with a bow made of horsehair.",
]
QUESTION = "What is the capital of France?"
INSTRUCTION = "Answer the question from the documents."
KEYS = {"compressed_prompt", "origin_tokens", "compressed_tokens", "ratio", "rate", "saving"}
CL100K = get_counter("cl100k")


@pytest.fixture(scope="module")
def lingua():
    return PromptCompressor(model_name=Compressor(LengthScorer(), tokenizer="cl100k"))


def _llmlingua_original(instruction, docs, question):
    return CL100K.count("\n\n".join([instruction, *docs, question]).strip())


def test_result_has_llmlinguas_keys_and_formats(lingua):
    out = lingua.compress_prompt(DOCS, instruction=INSTRUCTION, question=QUESTION, rate=0.5,
                                 rank_method="longllmlingua")
    assert set(out) == KEYS
    assert re.fullmatch(r"\d+\.\dx", out["ratio"]) and re.fullmatch(r"\d+\.\d%", out["rate"])
    assert re.fullmatch(r", Saving \$\d+\.\d in GPT-4\.", out["saving"])
    assert out["origin_tokens"] == _llmlingua_original(INSTRUCTION, DOCS, QUESTION)
    assert out["compressed_tokens"] == CL100K.count(out["compressed_prompt"])
    assert out["ratio"] == f"{out['origin_tokens'] / out['compressed_tokens']:.1f}x"


def test_llmlingua_dict_formats_as_llmlingua_does():
    assert llmlingua_dict("x", 1000, 250) == {"compressed_prompt": "x", "origin_tokens": 1000, "compressed_tokens": 250,
                                              "ratio": "4.0x", "rate": "25.0%", "saving": ", Saving $0.0 in GPT-4."}
    assert llmlingua_dict("", 10, 0)["ratio"] == "1.0x"  # LLMLingua's ratio is 1 when nothing is left


@settings(max_examples=15, deadline=None)
@given(rate=st.floats(0.3, 1.0), method=st.sampled_from(["longllmlingua", "bm25", "llmlingua"]),
       concate=st.booleans())
def test_rate_budget_holds_and_question_instruction_stay_whole(lingua, rate, method, concate):
    out = lingua.compress_prompt(DOCS, instruction=INSTRUCTION, question=QUESTION, rate=rate, rank_method=method,
                                 concate_question=concate)
    text = out["compressed_prompt"]
    shown = [INSTRUCTION, *DOCS] + ([QUESTION] if concate else [])
    assert out["origin_tokens"] == CL100K.count("\n\n".join(shown))
    assert out["compressed_tokens"] <= max(1, math.floor(rate * out["origin_tokens"] + 1e-9))
    assert text.startswith(INSTRUCTION + "\n\n")
    assert text.endswith("\n\n" + QUESTION) == concate
    assert is_subsequence(text, "\n\n".join(shown))


def test_target_token_counts_the_contexts_alone_as_in_llmlingua(lingua):
    out = lingua.compress_prompt(DOCS, instruction=INSTRUCTION, question=QUESTION, target_token=30,
                                 rank_method="longllmlingua")
    fixed = CL100K.count(INSTRUCTION + "\n\n" + QUESTION)
    assert fixed + 20 < out["compressed_tokens"] <= fixed + 30


def _first_words(prompt: str) -> list[str]:
    return [part.split()[0] for part in prompt.split("\n\n")]


@pytest.mark.parametrize("reorder,positions", [("original", [0, 1, 2, 3]), ("sort", [0, 1, 2, 3]),
                                               ("two_stage", [0, 2, 3, 1])])
def test_reorder_context_maps_to_order(lingua, reorder, positions):
    """original: input order; sort: most relevant first; two_stage: ranks 0, 2, 3, 1 (the most
    relevant at both ends), as LLMLingua orders them."""
    docs = ["Paris is the capital of France and its largest city.", DOCS[0],
            "The capital of France sits on the river Seine.", DOCS[3]]
    relevance = BM25Ranker().rank(docs, QUESTION)
    by_rank = sorted(range(4), key=lambda i: -relevance[i])
    expected = list(range(4)) if reorder == "original" else [by_rank[p] for p in positions]
    out = lingua.compress_prompt(docs, question=QUESTION, rate=0.9, rank_method="bm25", reorder_context=reorder)
    assert _first_words(out["compressed_prompt"]) == [docs[i].split()[0] for i in expected] + ["What"]


def test_force_tokens_survive(lingua):
    out = lingua.compress_prompt(DOCS, question=QUESTION, rate=0.5, rank_method="longllmlingua",
                                 force_tokens=["horsehair"])
    assert "horsehair" in out["compressed_prompt"]


def test_a_single_string_context_and_no_question(lingua):
    out = lingua.compress_prompt(" ".join(DOCS), rate=0.5)
    assert 0 < out["compressed_tokens"] <= out["origin_tokens"] // 2


def test_the_longllmlingua_readme_call_runs(lingua):
    out = lingua.compress_prompt(DOCS, question=QUESTION, rate=0.55, condition_in_question="after_condition",
                                 reorder_context="sort", dynamic_context_compression_ratio=0.3,
                                 condition_compare=True, context_budget="+100", rank_method="longllmlingua")
    assert out["compressed_prompt"].endswith(QUESTION)
    assert out["compressed_tokens"] <= math.floor(0.55 * out["origin_tokens"])


def test_empty_lists_where_llmlingua_defaults_to_none_are_accepted(lingua):
    out = lingua.compress_prompt(DOCS, question=QUESTION, rate=0.5, rank_method="bm25", force_context_ids=[],
                                 context_segs=[])
    assert out["compressed_tokens"] <= out["origin_tokens"] // 2


def test_callable_like_llmlingua(lingua):
    assert lingua(DOCS, question=QUESTION, rate=0.5, rank_method="bm25") == lingua.compress_prompt(
        DOCS, question=QUESTION, rate=0.5, rank_method="bm25")


@pytest.mark.parametrize("kwargs,named", [
    ({"use_sentence_level_filter": True}, "use_sentence_level_filter=True"),
    ({"use_token_level_filter": False}, "use_token_level_filter=False"),
    ({"force_context_ids": [0]}, "force_context_ids=[0]"),
    ({"context_segs": [["a"]]}, "context_segs="),
    ({"return_word_label": True}, "return_word_label=True"),
    ({"rank_method": "sentbert"}, "rank_method='sentbert'"),
    ({"reorder_context": "random"}, "reorder_context='random'"),
    ({"condition_in_question": "before"}, "condition_in_question='before'"),
    ({"context_budget": "lots"}, "context_budget='lots'"),
    ({"token_to_word": "max"}, "token_to_word='max'"),
    ({"rate": 1.5}, "rate must be"),
    ({"target_token": 0}, "target_token must be"),
])
def test_arguments_that_cannot_be_honoured_are_named(lingua, kwargs, named):
    with pytest.raises(ConfigError, match=re.escape(named)):
        lingua.compress_prompt(DOCS, question=QUESTION, **kwargs)


def test_longllmlingua_needs_a_question_as_in_llmlingua(lingua):
    with pytest.raises(ConfigError, match="needs a question"):
        lingua.compress_prompt(DOCS, rank_method="longllmlingua")


def test_an_argument_llmlingua_does_not_have_is_a_type_error(lingua):
    with pytest.raises(TypeError, match="'compression_rate'"):
        lingua.compress_prompt(DOCS, compression_rate=0.5)


def test_llmlingua2_names_the_classifier_that_replaces_it(lingua):
    with pytest.raises(ConfigError, match="classifier scorer"):
        PromptCompressor(model_name=lingua.compressor, use_llmlingua2=True)
    with pytest.raises(ConfigError, match="compress_prompt_llmlingua2 .*classifier scorer"):
        lingua.compress_prompt_llmlingua2(DOCS, rate=0.5)


@pytest.mark.parametrize("kwargs,named", [
    ({"device_map": {"": 0}}, "device_map="), ({"device_map": "balanced"}, "device_map='balanced'"),
    ({"model_config": {"revision": "main"}}, "['revision']"), ({"open_api_config": {"api_key": "x"}}, "open_api_config"),
])
def test_constructor_arguments_that_cannot_be_honoured_are_named(kwargs, named):
    with pytest.raises(ConfigError, match=re.escape(named)):
        PromptCompressor("smollm2-135m", **kwargs)


def test_model_name_device_and_dtype_reach_from_pretrained(monkeypatch):
    seen = {}

    def fake_from_pretrained(name, device="auto", dtype="auto", **kwargs):
        seen.update(name=name, device=device, dtype=dtype)
        return Compressor(LengthScorer(), tokenizer="cl100k")

    monkeypatch.setattr(Compressor, "from_pretrained", staticmethod(fake_from_pretrained))
    PromptCompressor("smollm2-135m", device_map="cpu", model_config={"torch_dtype": "float32", "trust_remote_code": True})
    assert seen == {"name": "smollm2-135m", "device": "cpu", "dtype": "float32"}


def _llmlingua_source() -> Path:
    spec = importlib.util.find_spec("llmlingua")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llmlingua is not installed (pip install 'headroom-lingua[peers]')")
    return Path(list(spec.submodule_search_locations)[0]) / "prompt_compressor.py"


def test_every_llmlingua_compress_prompt_argument_is_handled():
    """Read (not import) the installed llmlingua: each argument of its compress_prompt is mapped,
    a documented no-op or refused when not at its default, and its result keys are ours."""
    tree = ast.parse(_llmlingua_source().read_text(encoding="utf-8"))
    method = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "compress_prompt")
    theirs = {a.arg for a in method.args.args} - {"self"}
    assert theirs - set(MAPPED) - set(NO_OPS) - set(UNSUPPORTED) == set()
    signature = inspect.signature(PromptCompressor.compress_prompt).parameters
    assert {p for p in signature if p not in ("self", "options")} == set(MAPPED)
    returned = [n.value for n in ast.walk(method) if isinstance(n, ast.Return) and isinstance(n.value, ast.Dict)]
    assert {k.value for k in returned[-1].keys} == KEYS


@pytest.mark.slow
def test_real_model_compat_call_equals_the_native_call(monkeypatch):
    """With SmolLM2, the LongLLMLingua-style call gives exactly what compress() gives natively."""
    from headroom_lingua import compress

    monkeypatch.delenv("HEADROOM_LINGUA_HOME", raising=False)  # use the real model cache
    comp = Compressor.from_pretrained(device="cpu")
    out = PromptCompressor(model_name=comp).compress_prompt(
        DOCS, instruction=INSTRUCTION, question=QUESTION, rate=0.5, rank_method="longllmlingua",
        reorder_context="sort", condition_in_question="after_condition", condition_compare=True,
        dynamic_context_compression_ratio=0.3, context_budget="+100")
    native = compress(DOCS, instruction=INSTRUCTION, question=QUESTION, rate=0.5, order="relevance",
                      tokenizer="cl100k", model=comp)
    assert out["compressed_prompt"] == native.text
    assert out["compressed_tokens"] == native.compressed_tokens <= native.budget
    assert "Paris" in out["compressed_prompt"].split("\n\n")[1]  # the relevant document comes first
