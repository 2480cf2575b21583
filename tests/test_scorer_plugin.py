"""Adding a scorer is one file plus a registry entry: this file's own scorer, registered here and
nowhere else, goes through ``from_pretrained`` (by folder), ``compress``, ``compress_documents``,
``compress_messages``, the CLI and the evaluation harness."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from headroom_lingua import Compressor, compress, compress_documents, compress_messages
from headroom_lingua.loading import MODEL_CACHE
from headroom_lingua.scorers import SCORER_KINDS, Scorer, ScorerKind, register_scorer

TEXT = ("Dana owns the idempotency fix, Marcus owns the alerting and the refund follow-up. "
        "The incident cost about $48.6 million in delayed payouts over three quarters.")


class LetterWeightScorer(Scorer):
    """A 'model' that is a JSON table of letter weights: a unit scores the sum of its letters'."""

    name = "letters"

    def __init__(self, weights: dict[str, float]):
        self.weights = weights
        self.counter = None  # the budget falls back to cl100k

    @classmethod
    def from_pretrained(cls, name_or_path=None, device="auto", dtype="auto", config=None):
        return cls(json.loads((Path(name_or_path) / "weights.json").read_text()))

    def score(self, units, rate=None):
        return np.array([sum(self.weights.get(c, 0.0) for c in units.text[s:e].lower())
                         for s, e in zip(units.starts.tolist(), units.ends.tolist())])


@pytest.fixture
def letters_folder(tmp_path, monkeypatch):
    monkeypatch.setitem(SCORER_KINDS, "letters", ScorerKind("letters", LetterWeightScorer, model_kind="letter-table"))
    folder = tmp_path / "letters-model"
    folder.mkdir()
    (folder / "weights.json").write_text(json.dumps({c: float(i % 5) for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")}))
    (folder / "headroom_lingua.json").write_text(json.dumps({"scorer": "letters"}))
    yield folder
    MODEL_CACHE.clear()


def test_from_pretrained_picks_the_scorer_from_the_folder(letters_folder):
    comp = Compressor.from_pretrained(str(letters_folder))
    assert isinstance(comp.scorer, LetterWeightScorer) and comp.counter().name == "cl100k"
    r = comp.compress(TEXT, rate=0.5)
    assert r.compressed_tokens <= r.budget < r.original_tokens and "$48.6" in r.text


def test_every_front_end_takes_it_by_name(letters_folder):
    name = str(letters_folder)
    r = compress(TEXT, rate=0.6, model=name)
    assert r.compressed_tokens <= r.budget
    d = compress_documents([TEXT, "Unrelated words about weather."], question="Who owns the alerting?", rate=0.5,
                           model=name)
    assert d.compressed_tokens <= d.budget and d.stats[0].rank == 0  # lexical ranker: no causal LM here
    m = compress_messages([{"role": "user", "content": TEXT}, {"role": "assistant", "content": TEXT},
                           {"role": "user", "content": "Who owns it?"}], rate=0.6, model=name)
    assert m.compressed_tokens <= m.budget and m.messages[-1]["content"] == "Who owns it?"


def test_cli_takes_the_folder(letters_folder, tmp_path):
    import io

    from headroom_lingua.cli import main

    path = tmp_path / "t.txt"
    path.write_text(TEXT)
    out, err = io.StringIO(), io.StringIO()
    assert main(["compress", str(path), "--rate", "0.5", "--model", str(letters_folder), "--json"], out, err) == 0, err.getvalue()
    assert json.loads(out.getvalue())["compressed_tokens"] <= json.loads(out.getvalue())["budget"]


def test_the_harness_runs_it_as_a_method(letters_folder, tmp_path):
    from headroom_lingua_eval.config import EvalConfig
    from headroom_lingua_eval.runner import load_records, run_eval
    from headroom_lingua_eval.targets import StubFirstSentenceTarget

    data = tmp_path / "records.jsonl"
    data.write_text("".join(json.dumps({"id": f"q{i}", "context": TEXT, "question": "Who owns the alerting?",
                                        "answers": ["Marcus"]}) + "\n" for i in range(3)))
    config = EvalConfig(out=str(tmp_path / "out"), suites=("jsonl",), jsonl_path=str(data), methods=("none", "letters"),
                        rates=(0.5,), target="stub", scorer_model=str(letters_folder), bootstrap=100, reference="none")
    out = run_eval(config, target=StubFirstSentenceTarget(), cache_dir=tmp_path / "cache", progress=False)
    records = [r for r in load_records(out).values() if r["method"] == "letters"]
    assert len(records) == 3 and all(not r.get("error") for r in records)
    assert all(r["compressed_tokens"] <= r["budget"] for r in records)


def test_register_scorer_refuses_a_silent_overwrite(monkeypatch):
    from headroom_lingua import ConfigError

    monkeypatch.setitem(SCORER_KINDS, "letters", ScorerKind("letters", LetterWeightScorer))
    with pytest.raises(ConfigError, match="registered already"):
        register_scorer(ScorerKind("letters", LetterWeightScorer))
