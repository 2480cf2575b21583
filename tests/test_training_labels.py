"""Label sources on the tiny random teacher; caching, resume after a kill, sharding, the report."""

from __future__ import annotations

import json

import numpy as np
import pytest

from headroom_lingua.engine.segment import segment
from headroom_lingua.scorers.base import reduce_to_units
from headroom_lingua_training.data import Record
from headroom_lingua_training.labels import SOURCES, LabelCache, build_labels, make_source, write_report
from headroom_lingua_training.labels.base import Labels, top_fraction
from headroom_lingua_training.labels.task import TaskSource, sentence_ids
from headroom_lingua_training.labels.teacher import TeacherSource

TEXT = "The quick brown fox jumps over the lazy dog. Revenue grew 12% to $4.2M in Q3 2024.\nUser: can you help?"


@pytest.fixture
def teacher(tiny_model, tiny_tokenizer):
    from headroom_lingua import PerplexityConfig
    from headroom_lingua.scorers.perplexity import PerplexityScorer

    return PerplexityScorer(tiny_model, tiny_tokenizer, PerplexityConfig(reduction="sum", window=64, overlap=8),
                            model_name="tiny")


def _records(n: int) -> list[Record]:
    return [Record(f"{TEXT} Item number {i}.", f"f:{i + 1}", compressed=f"fox jumps Revenue {i}") for i in range(n)]


def test_registry_has_the_three_sources():
    assert sorted(SOURCES) == ["alignment", "task", "teacher"]
    with pytest.raises(ValueError, match="unknown label source 'gold'.*alignment"):
        make_source("gold")


def test_top_fraction():
    assert top_fraction(np.array([0.1, 0.9, 0.5, np.nan]), 0.5).tolist() == [0, 1, 1, 0]
    assert top_fraction(np.array([1.0, 1.0, 1.0]), 0.34).tolist() == [1, 1, 0]  # ceil, ties by position


def test_teacher_labels_keep_rate_and_contrastive(teacher):
    source = TeacherSource(teacher, keep_rate=0.4)
    plain, asked = source.label_batch([Record(TEXT, "t:1"), Record(TEXT, "t:2", question="How much did revenue grow?")])
    n = len(segment(TEXT))
    for lab in (plain, asked):
        assert lab.reject is None and len(lab.keep) == len(lab.soft) == n
        assert lab.keep.sum() == int(np.ceil(0.4 * n)) and np.isfinite(lab.soft).all()
        kept_min = lab.soft[lab.keep == 1].min()
        assert kept_min >= lab.soft[lab.keep == 0].max()  # the top scores are the kept ones
    assert asked.meta == {"contrastive": True} and not plain.meta
    assert not np.allclose(plain.soft, asked.soft)
    # the plain soft score is the summed surprisal the perplexity scorer gives the same units
    assert np.allclose(plain.soft, teacher.score(segment(TEXT)), atol=1e-3)


def test_contrastive_teacher_reads_the_question_in_every_window(teacher):
    """A text of several windows: the question conditions the last window's words too."""
    text = " ".join(f"Item {i} costs {i * 3} dollars and ships on day {i % 7}." for i in range(40))
    source = TeacherSource(teacher, keep_rate=0.4)
    units = segment(text)
    q1, q2 = "Which item costs most?", "Which day ships item?"  # as many tokens: the same windows
    assert teacher.counter.count(q1) == teacher.counter.count(q2)
    a = source.conditioned(Record(text, "q:1", question=q1), units)
    b = source.conditioned(Record(text, "q:2", question=q2), units)
    assert len(a) == len(b) == len(units) and np.isfinite(a).all()
    last = units.starts >= len(text) * 3 // 4  # far beyond the first window of 64 tokens
    assert not np.allclose(a[last], b[last])
    # A text within one window: the same as scoring [question ; text] in one pass.
    text = "Revenue grew 12% to $4.2M."
    short = source.conditioned(Record(text, "q:3", question="How much?"), segment(text))
    q = list(teacher.counter.encode("Question: How much?\n\n")[0])[-64 // 4:]  # capped at a quarter window
    ids, offsets = teacher.counter.encode(text)
    assert len(q) + len(ids) <= 64  # one pass of the teacher's window
    off = np.asarray(offsets).reshape(-1, 2)
    whole = reduce_to_units(segment(text), off[:, 0], off[:, 1], teacher.token_surprisal(q + list(ids))[len(q):], "sum")
    assert np.allclose(short, whole, atol=1e-3)


@pytest.mark.parametrize("method", ["saliency", "leave_out"])
def test_task_labels(teacher, method):
    source = TaskSource(teacher, keep_rate=0.5, method=method, top_sentences=2, max_word_evals=8)
    rec = Record(TEXT, "t:1", question="How much did revenue grow?", answer="12%")
    summ = Record(TEXT, "t:2", summary="Revenue grew.")
    for lab in source.label_batch([rec, summ]):
        assert lab.reject is None and len(lab.keep) == len(segment(TEXT)) and np.isfinite(lab.soft).all()
        assert lab.keep.sum() == int(np.ceil(0.5 * len(lab.keep)))
    assert source.applies(Record(TEXT, "t:3")) == "no 'answer' or 'summary' field"
    long = TaskSource(teacher, method=method, max_tokens=10).label_one(rec)
    assert long.reject is not None and "max_tokens 10" in long.reject


def test_leave_out_deltas_are_nll_differences(teacher):
    source = TaskSource(teacher, method="leave_out", top_sentences=0)
    rec = Record("Alpha beta. Gamma delta.", "t:1", summary="Gamma")
    lab = source.label_one(rec)
    ids, off, suffix, ref = source._pieces(rec)
    full = source._ref_nll([ids], suffix + ref, len(ref))[0]
    first = [t for t, (s, _) in zip(ids, off) if s >= rec.text.index("Gamma") - 1]  # without sentence 0
    assert sentence_ids(segment(rec.text)).tolist() == [0, 0, 0, 1, 1, 1]
    assert lab.soft[0] == pytest.approx(source._ref_nll([first], suffix + ref, len(ref))[0] - full, abs=1e-3)


def test_cache_resume_after_kill(tmp_path):
    records = _records(7)
    calls = []

    class Dying(type(make_source("alignment"))):
        def label_batch(self, batch):
            calls.append(len(batch))
            if len(calls) == 3:
                raise KeyboardInterrupt  # killed while labelling the third batch
            return super().label_batch(batch)

    with pytest.raises(KeyboardInterrupt):
        build_labels(records, Dying(), tmp_path, batch_size=2, progress=False)
    cache = LabelCache(tmp_path, "alignment", Dying().cache_key())
    assert len(cache.load()) == 4  # two batches were written before the kill
    with open(cache.path, "a") as fh:
        fh.write('{"fp": "torn')  # and the kill tore a line
    calls.clear()
    run = build_labels(records, make_source("alignment"), tmp_path, batch_size=2, progress=False)
    assert len(run.labels) == 7 and run.units_labelled > 0
    again = build_labels(records, make_source("alignment"), tmp_path, batch_size=2, progress=False)
    assert again.units_labelled == 0 and again.seconds < 1  # all from the cache
    fresh = build_labels(records, make_source("alignment"), None, progress=False)
    for fp, lab in fresh.labels.items():
        assert np.array_equal(lab.keep, again.labels[fp].keep)
    other = make_source("alignment", method="greedy")
    assert other.cache_key() != make_source("alignment").cache_key()  # settings never share a cache file


def test_sharded_labelling_meets_in_the_cache(tmp_path, monkeypatch):
    import headroom_lingua_training.labels as labels_mod

    monkeypatch.setattr(labels_mod, "_barrier", lambda: None)
    records = _records(5)
    source = make_source("alignment")
    first = build_labels(records, source, tmp_path, progress=False, shard=(0, 2))
    second = build_labels(records, source, tmp_path, progress=False, shard=(1, 2))
    assert first.units_labelled + second.units_labelled == sum(len(segment(r.text)) for r in records)
    assert len(second.labels) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"alignment-{source.cache_key()}.part{i}of2.jsonl" for i in (0, 1)]
    with pytest.raises(ValueError, match="needs a cache_dir"):
        build_labels(records, source, None, progress=False, shard=(0, 2))


def test_rejects_are_cached_and_reported(tmp_path):
    records = _records(3) + [Record("no reference here", "f:9")]
    run = build_labels(records, make_source("alignment"), tmp_path, progress=False)
    rep = run.report
    assert rep["rejects"] == {"no 'compressed' field": 1} and rep["labelled"] == 3
    assert 0 < rep["keep_rate"] < 1 and sum(rep["length_histogram"].values()) == 3
    assert rep["examples"][0]["rendered"].startswith("~~The quick brown~~ fox jumps ~~over the lazy dog.~~ Revenue")
    md = write_report(run, "alignment", tmp_path).read_text()
    assert "keep rate" in md and "no 'compressed' field" in md
    line = json.loads(LabelCache(tmp_path, "alignment", make_source("alignment").cache_key()).path.read_text().splitlines()[-1])
    assert line["reject"] == "no 'compressed' field"


def test_labels_round_trip():
    lab = Labels("abc", np.array([1, 0, 1], np.int8), np.array([0.5, -1.0, 2.0], np.float32), meta={"m": 1})
    back = Labels.from_json(json.loads(json.dumps(lab.to_json())))
    assert back.keep.tolist() == [1, 0, 1] and back.soft.tolist() == [0.5, -1.0, 2.0] and back.meta == {"m": 1}
