"""The classifier as a document ranker: one encoder pass per window ranks the documents and scores
their words (cached token probabilities), and a model trained without questions never reads pairs."""

from __future__ import annotations

import numpy as np
import pytest

from headroom_lingua import Compressor, compress_documents
from headroom_lingua.rankers import default_ranker, get_ranker
from headroom_lingua.errors import ConfigError
from headroom_lingua.scorers.classifier.scorer import TokenCache

from .training_fixtures import tiny_classifier, tiny_encoder_dir, tiny_wordpiece  # noqa: F401

DOCS = ["the river seine flows through paris , the capital city of france .",
        "the quick brown fox jumps over the lazy dog .",
        "revenue grew in q3 and the team budget was approved ."]
QUESTION = "what river flows through paris ?"


def _count_passes(monkeypatch) -> list[int]:
    """Record the number of windows of every forward batch any classifier view runs."""
    import headroom_lingua.scorers.classifier.scorer as module

    calls: list[int] = []
    real = module.ClassifierScorer.window_probs
    monkeypatch.setattr(module.ClassifierScorer, "window_probs",
                        lambda self, windows: calls.append(len(windows)) or real(self, windows))
    return calls


def test_rank_gives_one_finite_score_per_document(tiny_classifier):
    tiny_classifier.reads_questions = True
    scores = tiny_classifier.rank(DOCS + [" "], QUESTION)
    assert scores.shape == (4,) and np.isfinite(scores[:3]).all() and scores[3] == -np.inf
    assert get_ranker("classifier", tiny_classifier) is tiny_classifier
    assert default_ranker(tiny_classifier) == "bm25"  # measured: BM25 ranks better (rankers.default_ranker)


def test_ranking_and_word_scores_share_one_pass(tiny_classifier, monkeypatch):
    """compress_documents with a question-trained classifier ranking: no window is read twice
    (ranking fills the cache the fine level reads)."""
    tiny_classifier.reads_questions = True
    calls = _count_passes(monkeypatch)
    r = compress_documents(DOCS, question=QUESTION, rate=0.5, model=Compressor(tiny_classifier, tokenizer="cl100k"),
                           question_in_prompt=False, ranker="classifier")
    assert r.compressed_tokens <= r.budget and all(s.relevance is not None for s in r.stats)
    assert len(calls) == 1  # one batched pass: every document read once, with the question
    assert sum(calls) == len(DOCS)  # tiny documents: one window each


def test_a_model_trained_without_questions_reads_the_text_alone(tiny_classifier):
    tiny_classifier.reads_questions = False
    assert tiny_classifier.for_question(QUESTION) is None
    assert default_ranker(tiny_classifier) == "bm25"
    with pytest.raises(ConfigError, match="trained on \\(question, text\\) pairs"):
        get_ranker("classifier", tiny_classifier)
    tiny_classifier.reads_questions = None  # a folder that does not say: pairs, as before
    assert tiny_classifier.for_question(QUESTION).question == QUESTION


def test_cached_probabilities_equal_fresh_ones(tiny_classifier, monkeypatch):
    view = tiny_classifier.conditioned(QUESTION)
    calls = _count_passes(monkeypatch)
    first = view.token_probs(DOCS)
    again = view.token_probs(DOCS[::-1])[::-1]
    assert len(calls) == 1  # the second read came from the cache
    for (s1, p1), (s2, p2) in zip(first, again):
        assert np.array_equal(s1, s2) and np.array_equal(p1, p2)
    fresh = tiny_classifier.conditioned(QUESTION)  # a new view shares the cache too
    fresh.token_probs(DOCS)
    tiny_classifier.token_probs(DOCS[:1])  # without the question: another key, another pass
    assert len(calls) == 2
    tiny_classifier.clear_cache()  # for every view: benchmarks read afresh
    view.token_probs(DOCS)
    assert len(calls) == 3


def test_a_cached_text_evicted_by_a_new_one_in_the_same_call_is_still_returned(tiny_classifier):
    tiny_classifier._cache.tokens = 1  # every new entry evicts the older ones
    first = tiny_classifier.token_probs(DOCS[:1])[0]
    both = tiny_classifier.token_probs(DOCS[:2])  # DOCS[0] cached, DOCS[1] new: its entry evicts DOCS[0]
    assert np.array_equal(both[0][1], first[1]) and len(both[1][1])


def test_token_cache_holds_a_bounded_number_of_tokens():
    cache = TokenCache(10)
    for i in range(5):
        cache.put(("q", str(i)), (np.zeros((4, 2)), np.zeros(4)))
    assert cache.held <= 10 and cache.get(("q", "4")) is not None and cache.get(("q", "0")) is None
    cache.put(("q", "big"), (np.zeros((50, 2)), np.zeros(50)))  # alone over the bound: kept, the rest go
    assert cache.get(("q", "big")) is not None and cache.held == 50


def test_harness_documents_method_takes_a_classifier_folder(tiny_encoder_dir, tmp_path):
    """``documents:model=FOLDER``: the classifier compresses (BM25 ranks, the classifier reads the question)."""
    import json
    import shutil

    from headroom_lingua_eval.config import EvalConfig
    from headroom_lingua_eval.methods import make_method
    from headroom_lingua_eval.suites import Example
    from headroom_lingua_eval.targets import StubFirstSentenceTarget

    folder = tmp_path / "qa"
    shutil.copytree(tiny_encoder_dir, folder)
    (folder / "headroom_lingua.json").write_text(json.dumps({"scorer": "classifier", "window": 32, "stride": 8,
                                                             "weights": "full", "questions": True}))
    method = make_method(f"documents:model={folder}", StubFirstSentenceTarget().counter, EvalConfig(out="x", device="cpu"))
    scorer = method.compressor.scorer
    assert scorer.reads_questions and default_ranker(scorer) == "bm25"
    ex = Example("1", "\n\n".join(DOCS), QUESTION, ("seine",), tuple(DOCS))
    out = method.compress(ex, 0.5)
    assert out.compressed_tokens <= out.budget and QUESTION not in out.text


def test_a_folder_s_pipeline_settings_apply_when_no_config_is_given(tiny_encoder_dir, tmp_path):
    import json
    import shutil

    from headroom_lingua import CompressionConfig

    folder = tmp_path / "clf"
    shutil.copytree(tiny_encoder_dir, folder)
    meta = {"scorer": "classifier", "window": 32, "stride": 8, "weights": "full", "pipeline": {"sentence_slack": 0.0}}
    (folder / "headroom_lingua.json").write_text(json.dumps(meta))
    assert Compressor.from_pretrained(str(folder), device="cpu").config.sentence_slack == 0.0
    mine = CompressionConfig(protect_share=0.5)
    assert Compressor.from_pretrained(str(folder), device="cpu", config=mine).config == mine  # the caller's wins
    meta["pipeline"] = {"sentence_slack": -3}
    (folder / "headroom_lingua.json").write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match="pipeline settings"):
        Compressor.from_pretrained(str(folder), device="cpu")


def test_the_cli_and_the_harness_start_from_a_folder_s_pipeline_settings(tiny_encoder_dir, tmp_path):
    """A folder that turns the sentence step on gets it from ``compress`` on the command line and
    from an evaluation method with no settings; ``--sentence-slack off`` and ``sentence_slack=null``
    turn it off again."""
    import io
    import json
    import shutil

    from headroom_lingua.cli import main
    from headroom_lingua_eval.config import EvalConfig
    from headroom_lingua_eval.methods import make_method
    from headroom_lingua_eval.targets import StubFirstSentenceTarget

    folder = tmp_path / "clf"
    shutil.copytree(tiny_encoder_dir, folder)
    meta = {"scorer": "classifier", "window": 32, "stride": 8, "weights": "full", "pipeline": {"sentence_slack": 0.0}}
    (folder / "headroom_lingua.json").write_text(json.dumps(meta))
    path = tmp_path / "p.txt"
    path.write_text("\n\n".join(DOCS), encoding="utf-8")

    def cli(*extra):
        out, err = io.StringIO(), io.StringIO()
        code = main(["compress", str(path), "--rate", "0.3", "--model", str(folder), "--json", *extra],
                     stdout=out, stderr=err)
        assert code == 0, err.getvalue()
        return json.loads(out.getvalue())["text"]

    assert cli() == cli("--sentence-slack", "0") != cli("--sentence-slack", "off")
    counter = StubFirstSentenceTarget().counter
    run = EvalConfig(out="x", device="cpu")
    assert make_method(f"classifier:model={folder}", counter, run).compressor.config.sentence_slack == 0.0
    off = make_method(f"classifier:model={folder},sentence_slack=null", counter, run)
    assert off.compressor.config.sentence_slack is None
    docs = make_method(f"documents:model={folder}", counter, run)
    assert docs.compressor.config.sentence_slack == 0.0
