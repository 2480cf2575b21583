"""The data set mode: a column in batches, in memory or in resumable parts split by rank."""

from __future__ import annotations

import io
import json

import pytest

datasets = pytest.importorskip("datasets")

from headroom_lingua import Compressor  # noqa: E402
from headroom_lingua.cli import main  # noqa: E402
from headroom_lingua.dataset import compress_dataset, process_share  # noqa: E402
from headroom_lingua.scorers import LengthScorer  # noqa: E402

ROWS = [f"Row {i}: the quarterly revenue grew by {i}% in Q3 2024, said the CFO during a long call." for i in range(23)]


@pytest.fixture
def comp():
    return Compressor(LengthScorer(), tokenizer="cl100k")


def test_in_memory_matches_compress_batch(comp):
    data = datasets.Dataset.from_dict({"text": ROWS, "id": list(range(len(ROWS)))})
    out = compress_dataset(data, "text", rate=0.5, model=comp, batch_size=4)
    assert out["text_compressed"] == [r.text for r in comp.compress_batch(ROWS, rate=0.5)]
    assert out["id"] == list(range(len(ROWS)))


def test_parts_split_by_rank_and_resume(comp, tmp_path):
    data = datasets.Dataset.from_dict({"text": ROWS})
    a = compress_dataset(data, "text", rate=0.5, model=comp, output_dir=tmp_path, part_rows=5, rank=0, world=2)
    b = compress_dataset(data, "text", rate=0.5, model=comp, output_dir=tmp_path, part_rows=5, rank=1, world=2)
    assert [p.name for p in a] == ["part-00000.jsonl", "part-00002.jsonl", "part-00004.jsonl"]
    assert [p.name for p in b] == ["part-00001.jsonl", "part-00003.jsonl"]
    (tmp_path / "part-00003.jsonl").unlink()  # a run that stopped: only the missing part is redone
    again = compress_dataset(data, "text", rate=0.5, model=comp, output_dir=tmp_path, part_rows=5, rank=0, world=1)
    assert [p.name for p in again] == ["part-00003.jsonl"]
    back = datasets.load_dataset("json", data_files=str(tmp_path / "part-*.jsonl"), split="train")
    assert sorted(back["text"]) == sorted(ROWS) and not list(tmp_path.glob("*.tmp*"))


def test_rank_from_the_launcher_environment(monkeypatch):
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("WORLD_SIZE", "4")
    assert process_share() == (3, 4)
    with pytest.raises(ValueError):
        process_share(4, 4)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_cli_reads_and_writes_each_format(tiny_model_dir, tmp_path, suffix):
    src = tmp_path / f"in{suffix}"
    data = datasets.Dataset.from_dict({"text": ROWS[:6]})
    {".jsonl": lambda: data.to_json(str(src)), ".csv": lambda: data.to_csv(str(src), index=False),
     ".parquet": lambda: data.to_parquet(str(src))}[suffix]()
    out, err = io.StringIO(), io.StringIO()
    code = main(["compress-dataset", str(src), "--column", "text", "--rate", "0.5", "--model", str(tiny_model_dir),
                 "-o", str(tmp_path / "out.jsonl")], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and all(r["text_compressed_tokens"] <= r["text_original_tokens"] // 2 for r in rows)


def test_cli_names_a_missing_column(tiny_model_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    datasets.Dataset.from_dict({"body": ROWS[:2]}).to_json(str(src))
    err = io.StringIO()
    code = main(["compress-dataset", str(src), "--column", "text", "--rate", "0.5", "--model", str(tiny_model_dir),
                 "-o", str(tmp_path / "o.jsonl")], stdout=io.StringIO(), stderr=err)
    assert code == 1 and "no column 'text'" in err.getvalue() and "['body']" in err.getvalue()
