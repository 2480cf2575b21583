"""Batched answering: grouping by length, the runner's batches, a batched HF target on a tiny
model, and the question-aware ``documents`` method (with a fake scorer)."""

from __future__ import annotations

import json

import pytest

from headroom_lingua import Compressor
from headroom_lingua.frontends.documents import DocumentsConfig
from headroom_lingua.errors import ConfigError
from headroom_lingua.scorers import RandomScorer
from headroom_lingua_eval.config import EvalConfig
from headroom_lingua_eval.methods import DocumentsMethod, make_method
from headroom_lingua_eval.runner import load_records, run_eval
from headroom_lingua_eval.suites import Example
from headroom_lingua_eval.targets import HFTarget, StubFirstSentenceTarget, length_groups

from .test_eval_harness import data_file, fake_methods, make_config  # noqa: F401  (fixture)


class BatchRecordingStub(StubFirstSentenceTarget):
    """The stub target, recording the size of every batch it is asked."""

    def __init__(self):
        super().__init__()
        self.batches: list[int] = []

    def generate_batch(self, batch, max_new_tokens, stop=()):
        self.batches.append(len(batch))
        return super().generate_batch(batch, max_new_tokens, stop)


@pytest.mark.parametrize("lengths, max_tokens, max_padding", [
    ([5, 100, 7, 90, 6, 95, 1000], 10_000, 0.25), ([50] * 9, 200, 0.0), ([3, 1, 2], 100, 1.0), ([], 10, 0.1)])
def test_length_groups_cover_every_index_within_the_limits(lengths, max_tokens, max_padding):
    groups = length_groups(lengths, max_tokens, max_padding)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    for g in groups:
        width = max(lengths[i] for i in g)
        if len(g) > 1:
            assert width * len(g) <= max_tokens
            assert width * len(g) - sum(lengths[i] for i in g) <= max_padding * width * len(g)
    assert length_groups([50] * 9, 200, 0.0) == [[0, 1, 2, 3], [4, 5, 6, 7], [8]]


def test_runner_answers_an_examples_items_in_batches_with_the_same_records(tmp_path, data_file):  # noqa: F811
    one, many = BatchRecordingStub(), BatchRecordingStub()
    out1 = run_eval(make_config(tmp_path, data_file, out="b1"), target=one, methods=fake_methods(one),
                    cache_dir=tmp_path / "c1", progress=False, batch_size=1)
    outn = run_eval(make_config(tmp_path, data_file, out="bn"), target=many, methods=fake_methods(many),
                    cache_dir=tmp_path / "cn", progress=False, batch_size=4)
    items = 5 * (1 + 3 * 2)  # 5 examples x (none + 3 methods x 2 rates)
    assert set(one.batches) == {1} and len(one.batches) <= items
    assert max(many.batches) == 4 and sum(many.batches) == sum(one.batches)
    strip = lambda recs: {k: {f: v for f, v in r.items() if f not in ("answer_seconds", "compress_seconds")}  # noqa: E731
                          for k, r in recs.items()}
    assert strip(load_records(out1)) == strip(load_records(outn))
    with pytest.raises(ConfigError, match="batch_size"):
        run_eval(make_config(tmp_path, data_file, out="b0"), target=one, cache_dir=tmp_path / "c0",
                 progress=False, batch_size=0)


def test_hf_target_batch_equals_single_answers(tiny_model_dir):
    """On a tiny random LM in fp32, left-padded batches give the same greedy tokens as one prompt
    at a time, whatever the lengths (padding is masked and positions start at each prompt)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    tok.chat_template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}assistant:"
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32).eval()
    target = HFTarget(model, tok, "tiny")
    prompts = [[{"role": "user", "content": text}] for text in
               ("The river flows north.", "Paris is a city in France and it is big and old and very well known.",
                "one two", "The quick brown fox jumps over the lazy dog near the bank of the river today.")]
    single = [target.generate(p, max_new_tokens=12) for p in prompts]
    target.MAX_PADDING = 1.0  # force one padded batch of very different lengths
    assert target.generate_batch(prompts, max_new_tokens=12) == single
    assert any(single)


def test_documents_method_holds_the_budget_without_the_question():
    docs = ("The violin was made in Cremona in 1716.", "The senate passed the tariff bill.",
            "The glacier retreated two kilometres in a century.")
    ex = Example("d1", "\n\n".join(docs), "Where was the violin made?", ("Cremona",), docs)
    comp = Compressor(RandomScorer(seed=0), tokenizer="cl100k")
    method = DocumentsMethod("documents", comp, DocumentsConfig(ranker="overlap"))
    for rate in (0.7, 0.4):
        c = method.compress(ex, rate)
        assert c.compressed_tokens <= c.budget
        assert ex.question not in c.text and c.original_tokens == comp.counter().count(ex.context)
    single = Example("s", "Only one paragraph here about a harbor and a vessel.", "What vessel?", ("x",))
    assert method.compress(single, 0.5).compressed_tokens <= method.compress(single, 0.5).budget


def test_documents_method_spec_names_unknown_fields():
    cfg = EvalConfig(out="o")
    with pytest.raises(ConfigError, match="unknown field"):
        make_method("documents:nonsense=1", None, cfg)
