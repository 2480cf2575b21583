"""End to end: the stub target and a fake scorer run the jsonl suite and write every report."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from headroom_lingua.errors import ConfigError
from headroom_lingua.scorers import Scorer
from headroom_lingua_eval.config import EvalConfig
from headroom_lingua_eval.methods import BASELINE_CONFIG, ScorerMethod, make_method, parse_method
from headroom_lingua_eval.runner import load_records, merge_only, run_eval
from headroom_lingua_eval.targets import StubFirstSentenceTarget

RATES = (0.5, 0.25)
FACTS = [
    ("Paris", "Paris is the capital of France. It lies on the Seine river. Many tourists visit every year."),
    ("1889", "The Eiffel Tower was completed in 1889. It was built for a world fair. Gustave Eiffel's company built it."),
    ("Amazon", "The Amazon is the largest rainforest on Earth. It spans nine countries. Its river carries much water."),
    ("Jupiter", "Jupiter is the largest planet of the solar system. It has dozens of moons. Storms rage on it."),
    ("Everest", "Mount Everest is the highest mountain above sea level. Climbers attempt it each spring. It sits in Nepal."),
    ("Nile", "The Nile flows north through Egypt. Farmers depend on its floods. It ends in a delta."),
]
QUESTIONS = ["What is the capital of France?", "When was the Eiffel Tower completed?",
             "What is the largest rainforest?", "Which planet is the largest?",
             "Which mountain is the highest?", "Which river flows through Egypt?"]


class FakeLengthVowelScorer(Scorer):
    """Test double: a unit scores its vowel count plus a small position tie-break."""

    name = "fake"

    def score(self, units, rate=None):
        words = [units.text[s:e] for s, e in zip(units.starts, units.ends)]
        return np.array([sum(c in "aeiouAEIOU" for c in w) - 1e-3 * i for i, w in enumerate(words)])


class CountingStub(StubFirstSentenceTarget):
    """The stub target, counting how often it is really asked."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def generate(self, messages, max_new_tokens, stop=()):
        self.calls += 1
        return super().generate(messages, max_new_tokens, stop)


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "records.jsonl"
    lines = [json.dumps({"id": f"q{i}", "context": ctx, "question": q, "answers": [a]})
             for i, ((a, ctx), q) in enumerate(zip(FACTS, QUESTIONS))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_config(tmp_path: Path, data_file: Path, out: str = "out", **kw) -> EvalConfig:
    base = dict(out=str(tmp_path / out), suites=("jsonl",), jsonl_path=str(data_file),
                methods=("none", "truncate", "random", "fake"), rates=RATES, limit=5, target="stub",
                bootstrap=200, reference="truncate")
    base.update(kw)
    return EvalConfig(**base)


def fake_methods(target):
    return {"fake": ScorerMethod("fake", FakeLengthVowelScorer(), target.counter, BASELINE_CONFIG)}


def run(config, target, tmp_path, **kw):
    return run_eval(config, target=target, methods=fake_methods(target), cache_dir=tmp_path / "cache",
                    progress=False, **kw)


def read_summary(out: Path) -> list[dict]:
    with open(out / "summary.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_end_to_end_writes_every_output(tmp_path, data_file):
    pytest.importorskip("matplotlib")
    target = CountingStub()
    out = run(make_config(tmp_path, data_file), target, tmp_path)
    for name in ("summary.csv", "summary.md", "quality_vs_ratio.png", "examples.jsonl", "config.json"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert (out / "quality_vs_ratio.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    records = [json.loads(line) for line in (out / "examples.jsonl").read_text().splitlines()]
    assert len(records) == 5 * (1 + 3 * len(RATES))  # 5 examples x (none + 3 methods x 2 rates)
    assert len({r["id"] for r in records}) == 5
    for r in records:
        assert "error" not in r
        assert r["compressed_tokens"] <= r["budget"], r  # every method holds the shared budget
        if r["method"] != "none":
            assert r["budget"] == int(r["rate"] * r["original_tokens"])
        assert r["compressed_prompt"].endswith(f"Question: {QUESTIONS[int(r['id'][1:])]}\nAnswer:")
        assert set(r["scores"]) == {"f1", "em"}
        context = r["compressed_prompt"].split("Context:\n", 1)[1].rsplit("\n\nQuestion:", 1)[0]
        answer = FACTS[int(r["id"][1:])][0]
        assert r["answer_kept"] == (f" {answer.lower()} " in f" {' '.join(context.lower().replace('.', ' ').split())} ")
    assert all(r["answer_kept"] for r in records if r["method"] == "none")
    assert not all(r["answer_kept"] for r in records)  # some cut lost the answer: the column can tell
    rows = read_summary(out)
    cells = {(r["method"], float(r["rate"]), r["metric"]) for r in rows}
    assert ("none", 1.0, "f1") in cells and ("fake", 0.25, "em") in cells and len(rows) == 2 * 7
    none_f1 = next(r for r in rows if r["method"] == "none" and r["metric"] == "f1")
    assert float(none_f1["retention"]) == 1.0 and int(none_f1["n"]) == 5
    assert float(none_f1["ci_low"]) <= float(none_f1["mean"]) <= float(none_f1["ci_high"])
    md = (out / "summary.md").read_text()
    assert "## jsonl" in md and "| fake | 0.25 |" in md and "Δ vs truncate" in md and "answer kept" in md
    for row in rows:
        cell = [r for r in records if r["method"] == row["method"] and float(r["rate"]) == float(row["rate"])]
        assert float(row["answer_kept"]) == pytest.approx(sum(r["answer_kept"] for r in cell) / len(cell))
    saved = json.loads((out / "config.json").read_text())
    assert EvalConfig.load(out / "config.json") == make_config(tmp_path, data_file)
    assert saved["run"]["torch"]
    assert target.calls == len(records) - sum(r["cached"] for r in records)


def test_answers_are_cached_and_resume_skips_done_items(tmp_path, data_file):
    first = CountingStub()
    run(make_config(tmp_path, data_file), first, tmp_path)
    assert first.calls > 0
    # the same prompts in a new run: every answer comes from the on-disk cache
    again = CountingStub()
    out2 = run(make_config(tmp_path, data_file, out="out2"), again, tmp_path)
    assert again.calls == 0
    assert all(json.loads(line)["cached"] for line in (out2 / "examples.jsonl").read_text().splitlines())
    # resuming a finished run computes nothing and writes no new records
    size = sum(p.stat().st_size for p in (out2 / "records").glob("*.jsonl"))
    run(make_config(tmp_path, data_file, out="out2"), again, tmp_path, resume=True)
    assert size == sum(p.stat().st_size for p in (out2 / "records").glob("*.jsonl"))
    with pytest.raises(ConfigError, match="already holds results"):
        run(make_config(tmp_path, data_file, out="out2"), again, tmp_path)
    with pytest.raises(ConfigError, match="seed"):
        run(make_config(tmp_path, data_file, out="out2", seed=3), again, tmp_path, resume=True)


def test_resume_extends_limit_and_retries_failures(tmp_path, data_file):
    class FlakyMethod(ScorerMethod):
        def __init__(self, counter, fail):
            super().__init__("fake", FakeLengthVowelScorer(), counter, BASELINE_CONFIG)
            self.fail = fail

        def compress(self, example, rate):
            if self.fail:
                raise RuntimeError("boom")
            return super().compress(example, rate)

    target = CountingStub()
    cfg = make_config(tmp_path, data_file, limit=3, methods=("none", "fake"), reference="")
    out = run_eval(cfg, target=target, methods={"fake": FlakyMethod(target.counter, True)},
                   cache_dir=tmp_path / "c", progress=False)
    rows = read_summary(out)
    fake = next(r for r in rows if r["method"] == "fake" and r["metric"] == "f1")
    assert fake["n"] == "0" and fake["n_errors"] == "3"
    assert "RuntimeError: boom" in (out / "examples.jsonl").read_text()
    cfg = make_config(tmp_path, data_file, limit=6, methods=("none", "fake"), reference="")
    run_eval(cfg, target=target, methods={"fake": FlakyMethod(target.counter, False)},
             cache_dir=tmp_path / "c", progress=False, resume=True)
    records = load_records(out)
    assert len(records) == 6 * (1 + len(RATES)) and not any(r.get("error") for r in records.values())
    fake = next(r for r in read_summary(out) if r["method"] == "fake" and r["metric"] == "f1")
    assert fake["n"] == "6" and fake["n_errors"] == "0"


def test_shards_merge_to_the_single_process_result(tmp_path, data_file):
    target = CountingStub()
    single = run(make_config(tmp_path, data_file, out="single"), target, tmp_path)
    for i in range(2):
        run(make_config(tmp_path, data_file, out="sharded"), target, tmp_path, shard=f"{i}/2")
    sharded = tmp_path / "sharded"
    assert not (sharded / "summary.csv").exists()  # a manual shard leaves merging to --merge-only
    assert len(list((sharded / "records").glob("*.jsonl"))) == 2
    merge_only(sharded)

    def table(out):
        return [{k: v for k, v in r.items() if k != "compress_seconds"} for r in read_summary(out)]

    assert table(sharded) == table(single)
    with pytest.raises(ConfigError, match="need 0 <= i < n"):
        run(make_config(tmp_path, data_file, out="bad"), target, tmp_path, shard="2/2")


def test_transcript_style_reference_is_the_uncompressed_answer(tmp_path, data_file, monkeypatch):
    from headroom_lingua_eval import suites

    summary = suites.Suite("jsonl", "test", suites.load_jsonl, suites.SUMMARY_TEMPLATE, ("f1",), 64,
                           reference_from_none=True)
    monkeypatch.setitem(suites.SUITES, "jsonl", summary)
    out = run(make_config(tmp_path, data_file, methods=("none", "truncate"), reference=""), CountingStub(), tmp_path)
    records = load_records(out)
    for (suite, ex, method, rate), rec in records.items():
        assert rec["gold"] == [records[(suite, ex, "none", 1.0)]["answer"]]
        if method == "none":
            assert rec["scores"]["f1"] == 1.0


def test_cli_runs_in_process(tmp_path, data_file):
    from headroom_lingua.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["eval", "--suite", "jsonl", "--jsonl", str(data_file), "--target", "stub", "--methods",
                 "none,truncate", "random", "--rates", "0.5", "--limit", "3", "--out", str(tmp_path / "cli"),
                 "--cache-dir", str(tmp_path / "cache"), "--bootstrap", "200", "--no-progress"], stdout, stderr)
    assert code == 0, stderr.getvalue()
    assert "| truncate | 0.50 |" in stdout.getvalue() and "| random | 0.50 |" in stdout.getvalue()
    assert (tmp_path / "cli" / "summary.csv").is_file()
    code = main(["eval", "--suite", "jsonl", "--target", "stub", "--out", str(tmp_path / "x")], stdout, stderr)
    assert code == 1 and "jsonl_path" in stderr.getvalue() and "Traceback" not in stderr.getvalue()


@pytest.mark.parametrize("kwargs, message", [
    ({"rates": (0.5, 1.0)}, "rates must be numbers in"),
    ({"suites": ("nope",)}, "unknown suite"),
    ({"limit": 0}, "limit must be"),
    ({"reference": "llmlingua"}, "reference='llmlingua' is not among"),
    ({"target_url": "http://127.0.0.1:1/v1"}, "target_model is empty"),
])
def test_config_errors_name_the_bad_value(tmp_path, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        EvalConfig(out=str(tmp_path), **kwargs)


def test_method_specs():
    assert parse_method("perplexity:iterative=true,window=512") == ("perplexity", {"iterative": True, "window": 512})
    assert parse_method("random") == ("random", {})
    cfg = EvalConfig(out="x")
    target = StubFirstSentenceTarget()
    with pytest.raises(ConfigError, match="known methods are"):
        make_method("bogus", target.counter, cfg)
    with pytest.raises(ConfigError, match="expected field=value"):
        make_method("truncate:oops", target.counter, cfg)
    with pytest.raises(ConfigError, match="fields are"):
        make_method("truncate:nonsense=1", target.counter, cfg)
    # truncate keeps a prefix of the context
    from headroom_lingua_eval.suites import Example

    ex = Example("1", "alpha beta gamma delta epsilon zeta", "q?", ("a",))
    assert make_method("truncate", target.counter, cfg).compress(ex, 0.5).text == "alpha beta gamma"
    kept = make_method("random", target.counter, cfg).compress(ex, 0.5)
    assert kept.compressed_tokens == 3 and set(kept.text.split()) <= set(ex.context.split())


def test_launcher_ranks_shard_and_rank0_merges_after_all_are_done(tmp_path, data_file, monkeypatch):
    """What `accelerate launch --num_processes 2` does, with the two ranks run one after the other."""
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("MASTER_PORT", "29555")
    target = CountingStub()
    monkeypatch.setenv("RANK", "1")
    out = run(make_config(tmp_path, data_file, out="launched"), target, tmp_path)
    assert not (out / "summary.csv").exists()  # rank 1 never merges
    monkeypatch.setenv("RANK", "0")
    run(make_config(tmp_path, data_file, out="launched"), target, tmp_path)  # rank 1's marker is there
    assert len(load_records(out)) == 5 * 7 and (out / "summary.csv").is_file()
    monkeypatch.delenv("WORLD_SIZE")
    single = run(make_config(tmp_path, data_file, out="one"), target, tmp_path)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "compress_seconds"} for r in rows]  # noqa: E731
    assert strip(read_summary(out)) == strip(read_summary(single))


def test_per_suite_limits(tmp_path, data_file):
    from headroom_lingua_eval.cli import parse_limits
    from headroom_lingua_eval.suites import SUITES

    assert parse_limits(["7", "jsonl=2"]) == (7, {"jsonl": 2})
    with pytest.raises(ConfigError, match="expected N or SUITE=N"):
        parse_limits(["jsonl=many"])
    cfg = make_config(tmp_path, data_file, limit=5, suite_limits={"jsonl": 2})
    assert cfg.limit_for("jsonl") == 2 and cfg.limit_for("squad") == 5
    assert [e.id for e in SUITES["jsonl"].load(cfg)] == [e.id for e in SUITES["jsonl"].load(
        make_config(tmp_path, data_file, limit=5))][:2]
    assert EvalConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="not among the suites"):
        make_config(tmp_path, data_file, suite_limits={"squad": 3})
    with pytest.raises(ConfigError, match="positive int"):
        make_config(tmp_path, data_file, suite_limits={"jsonl": 0})


def test_paired_script_pools_runs_of_different_seeds(tmp_path, data_file, monkeypatch, capsys):
    """scripts/chat_history_paired.py with RUN_A+RUN_B pairs every example either run drew, once."""
    import importlib.util
    import sys

    from headroom_lingua.cli import main

    drawn = []
    for seed in (0, 1):
        out = tmp_path / f"s{seed}"
        assert main(["eval", "--suite", "jsonl", "--jsonl", str(data_file), "--target", "stub", "--methods", "none",
                     "truncate", "random", "--rates", "0.5", "--limit", "4", "--seed", str(seed), "--out", str(out),
                     "--cache-dir", str(tmp_path / "cache"), "--bootstrap", "100", "--no-progress"],
                    io.StringIO(), io.StringIO()) == 0
        drawn.append({r["id"] for r in load_records(out).values() if r["method"] == "truncate"})
    assert drawn[0] != drawn[1] and drawn[0] & drawn[1]  # the two draws overlap, and differ
    spec = importlib.util.spec_from_file_location(
        "chat_history_paired", Path(__file__).resolve().parents[1] / "scripts" / "chat_history_paired.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    pooled = f"{tmp_path / 's0'}+{tmp_path / 's1'}"
    monkeypatch.setattr(sys, "argv", ["x", f"A={pooled}:truncate@0.5", f"B={pooled}:random@0.5", "--pairs", "A-B",
                                      "--resamples", "100"])
    assert script.main() == 0
    row = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| A (truncate@0.5)")]
    assert len(row) == 1 and row[0].split("|")[6].strip() == str(len(drawn[0] | drawn[1]))
