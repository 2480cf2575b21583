"""Training data: record shapes, and bad files and records named by file and line."""

from __future__ import annotations

import json

import pytest

from headroom_lingua_training.data import DataError, Record, load_records


def _jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_record_shapes(tmp_path):
    path = _jsonl(tmp_path / "d.jsonl", [
        {"text": "Hello there.", "question": "Who?", "answer": "me"},
        {"turns": [{"speaker": "A", "text": "hi"}, {"speaker": "B", "text": "yo"}], "summary": "greeting"},
        {"messages": [{"role": "user", "content": "hi"},
                      {"role": "assistant", "content": [{"type": "text", "text": "hello"}]}], "compressed": "hi"},
    ])
    loaded = load_records(path)
    texts = [r.text for r in loaded.records]
    assert texts == ["Hello there.", "A: hi\nB: yo", "user: hi\nassistant: hello"]
    assert loaded.records[0].reference == "me" and loaded.records[1].reference == "greeting"
    assert loaded.records[2].compressed == "hi"
    assert loaded.records[1].where == f"{path}:2"
    assert loaded.summary()["rejected"] == {}


def test_fingerprint_depends_on_content_not_place():
    a, b = Record("x", "f:1"), Record("x", "g:9")
    assert a.fingerprint == b.fingerprint != Record("x", "f:1", compressed="y").fingerprint


@pytest.mark.parametrize("row,kind,words", [
    ({"txt": "hello"}, "missing field", "needs one of"),
    ({"text": 3}, "wrong type", "'text' must be a string"),
    ({"text": "   "}, "empty text", "empty"),
    ({"turns": [{"speaker": "A"}]}, "missing field", "turns[0].text"),
    ({"messages": "hi"}, "wrong type", "'messages' must be a list"),
    ({"text": "a", "turns": []}, "ambiguous", "exactly one"),
    ({"text": "a", "answer": "b"}, "missing field", "'question'"),
    ('{"text": "a"', "bad JSON", "column"),
    ("[1, 2]", "wrong type", "JSON object"),
])
def test_bad_records_are_named_by_file_and_line(tmp_path, row, kind, words):
    path = _jsonl(tmp_path / "d.jsonl", [{"text": "good one"}, row, {"text": "good two"}])
    loaded = load_records(path)  # on_bad="skip": reported, not dropped silently
    assert [r.text for r in loaded.records] == ["good one", "good two"]
    assert loaded.summary()["rejected"] == {kind: 1}
    bad = loaded.rejected[0]
    assert bad.where == f"{path}:2" and words in bad.detail
    with pytest.raises(DataError, match=rf"d\.jsonl:2: {kind}") as info:
        load_records(path, on_bad="raise")
    assert words in str(info.value)


def test_not_utf8_line(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"text": "fine"}\n{"text": "caf\xe9"}\n')
    loaded = load_records(path)
    assert loaded.summary()["rejected"] == {"not UTF-8": 1} and loaded.rejected[0].where.endswith("d.jsonl:2")
    with pytest.raises(DataError, match=r"d\.jsonl:2: not UTF-8"):
        load_records(path, on_bad="raise")


def test_a_50_mb_record_is_rejected_with_its_line(tmp_path):
    path = tmp_path / "big.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"text": "small"}) + "\n")
        fh.write('{"text": "' + "a" * (50 * 1024 * 1024) + '"}\n')
    with pytest.raises(DataError, match=r"big\.jsonl:2: too large: line is 52,428,813 bytes \(limit 8,388,608\)"):
        load_records(path, on_bad="raise")
    assert load_records(path).summary()["rejected"] == {"too large": 1}


def test_bad_files(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(DataError, match=r"empty\.jsonl: the file is empty"):
        load_records(empty)
    blank = _jsonl(tmp_path / "blank.jsonl", ["", "  "])
    with pytest.raises(DataError, match="blank.jsonl: no records"):
        load_records(blank)
    with pytest.raises(DataError, match="missing.jsonl: no such file"):
        load_records(tmp_path / "missing.jsonl")
    with pytest.raises(DataError, match=r"unsupported file type '\.txt'"):
        (tmp_path / "a.txt").write_text("x")
        load_records(tmp_path / "a.txt")
    allbad = _jsonl(tmp_path / "allbad.jsonl", [{"text": 1}, {"text": 2}])
    with pytest.raises(DataError, match=r"all 2 rejected .*allbad\.jsonl:1: wrong type"):
        load_records(allbad)
    with pytest.raises(ValueError, match="on_bad"):
        load_records(allbad, on_bad="ignore")


def test_csv_parquet_and_dataset(tmp_path):
    import datasets

    ds = datasets.Dataset.from_list([{"text": "one", "compressed": "one"}, {"text": None, "compressed": "x"}])
    loaded = load_records(ds)
    assert [r.text for r in loaded.records] == ["one"]
    assert loaded.rejected[0].where == "<dataset>:1"
    csv = tmp_path / "d.csv"
    csv.write_text("text,question,answer\nhello world,what?,world\n,x,y\n", encoding="utf-8")
    got = load_records(csv)
    assert got.records[0].answer == "world" and got.rejected[0].where == f"{csv}:3"
    parquet = tmp_path / "d.parquet"
    datasets.Dataset.from_list([{"text": "p1"}, {"text": "p2"}]).to_parquet(str(parquet))
    assert [r.text for r in load_records(parquet).records] == ["p1", "p2"]
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="broken.parquet: could not read as parquet"):
        load_records(broken)
