"""The held-out rule (shared/OFFLINE_ASSETS.md): HotpotQA's odd positions are never read. The ranker
check samples from the even positions only, whatever the seed and however many questions it asks."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest


def _script():
    path = Path(__file__).resolve().parents[1] / "scripts" / "check_rankers_hotpotqa.py"
    spec = importlib.util.spec_from_file_location("check_rankers_hotpotqa", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_hotpotqa_check_samples_even_positions_only(tmp_path, monkeypatch, seed):
    import headroom_lingua_eval.suites as suites

    rows = []
    for i in range(60):
        docs = [[f"T{i}-{j}", [f"Paragraph {j} of item {i} mentions answer{i}. "]] for j in range(10)]
        rows.append({"question": f"q{i}?", "answer": f"answer{i}", "context": docs,
                     "supporting_facts": [[f"T{i}-0", 0], [f"T{i}-1", 0]]})
    data = tmp_path / "hotpotqa.json"
    data.write_text(json.dumps(rows), encoding="utf-8")
    monkeypatch.setattr(suites, "package_file", lambda package, relative: data)
    check = _script()
    questions = check.load_questions(check.CheckArgs(questions=100, seed=seed))
    assert len(questions) == 30  # every even item, and nothing else
    assert all(q["position"] % 2 == 0 for q in questions)
    assert {q["question"] for q in questions} == {f"q{i}?" for i in range(0, 60, 2)}


def test_hotpotqa_training_records_come_from_every_fourth_position(tmp_path, monkeypatch):
    """Training takes positions 0, 4, 8, ...: never an odd (held-out) one, and never one of the
    even positions 2, 6, ... left for development checks."""
    path = Path(__file__).resolve().parents[1] / "scripts" / "hotpotqa_to_jsonl.py"
    spec = importlib.util.spec_from_file_location("hotpotqa_to_jsonl", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = []
    for i in range(40):
        context = [[f"T{i}-{j}", [f"Sentence one of {j} says answer{i}. ", f"Sentence two of {j}."]] for j in range(6)]
        rows.append({"question": f"q{i}?", "answer": f"answer{i}", "context": context,
                     "supporting_facts": [[f"T{i}-0", 0], [f"T{i}-1", 1]]})
    data = tmp_path / "hotpotqa.json"
    data.write_text(json.dumps(rows), encoding="utf-8")
    import headroom_lingua_eval.suites as suites

    monkeypatch.setattr(suites, "package_file", lambda package, relative: data)
    module.main(["--out", str(tmp_path / "train.jsonl"), "--limit", "100"])
    records = [json.loads(line) for line in (tmp_path / "train.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == [f"hotpotqa-{i}" for i in range(0, 40, 4)]
    for r in records:
        i = int(r["id"].split("-")[1])
        assert r["question"] == f"q{i}?" and r["compressed"].split(" Sentence")[0] in r["text"]
        assert r["text"].count("\n\n") == 3  # two supporting paragraphs and two distractors
