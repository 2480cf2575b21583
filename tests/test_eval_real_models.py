"""Slow: the real default target (Qwen2.5-Coder-0.5B-Instruct), scorer (SmolLM2-135M) and the
llmlingua peer on a few SQuAD questions. Needs `bash scripts/setup.sh eval,peers`; run with -m slow."""

from __future__ import annotations

import importlib.util

import pytest

from headroom_lingua_eval.config import EvalConfig

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("long_context_eval") is None, reason="needs the eval data packages"),
]


def test_real_target_answers_squad_and_budgets_hold(tmp_path):
    from headroom_lingua_eval.runner import load_records, run_eval

    cfg = EvalConfig(out=str(tmp_path / "out"), suites=("squad",), methods=("none", "truncate", "perplexity"),
                     rates=(0.5,), limit=4, bootstrap=200)
    out = run_eval(cfg, cache_dir=tmp_path / "cache", progress=False)
    records = load_records(out)
    assert len(records) == 4 * 3 and not any(r.get("error") for r in records.values())
    none = [r for r in records.values() if r["method"] == "none"]
    assert sum(r["scores"]["f1"] for r in none) / len(none) >= 0.5  # the target reads the context
    for r in records.values():
        assert r["answer"].strip()
        assert r["compressed_tokens"] <= r["budget"]
    assert (out / "quality_vs_ratio.png").is_file()


@pytest.mark.skipif(importlib.util.find_spec("llmlingua") is None, reason="needs the peers extra")
def test_llmlingua_peer_compresses_near_the_budget():
    from headroom_lingua.engine.budget import get_counter
    from headroom_lingua_eval.peers import LLMLinguaMethod
    from headroom_lingua_eval.suites import SUITES

    example = SUITES["squad"].load(EvalConfig(out="unused", limit=1))[0]
    counter = get_counter("qwen2.5-coder-0.5b-instruct")
    method = LLMLinguaMethod.from_pretrained("llmlingua", "smollm2-135m", counter)
    result = method.compress(example, rate=0.5)
    assert result.original_tokens == counter.count(example.context)
    assert 0 < result.compressed_tokens <= result.budget * 1.3
    assert result.compressed_tokens == counter.count(result.text)
