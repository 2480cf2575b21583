"""A user's first hour with the command line: bad arguments fail before any model loads, colour
only where asked, several files and globs in one call, encodings, folders of documents."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from headroom_lingua.cli import DIM_RED, main
from headroom_lingua.cli.console import use_color, wants_progress
from headroom_lingua.loading import MODEL_CACHE

TEXT = "The quarterly revenue grew by 12% to $4.2M in Q3 2024, said the CFO during the long call.\n"


def run(argv, monkeypatch=None, stdin=None):
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv, needle", [
    (["--rate", "7"], "rate must be"),
    (["--rate", "0.5", "--tokenizer", "gpt5"], "unknown tokenizer 'gpt5'"),
    (["--rate", "0.5", "--model", "no-such-model"], "--model 'no-such-model'"),
    (["--rate", "0.5", "--device", "tpu"], "--device 'tpu'"),
    (["--rate", "0.5", "--no-protect", "nums"], "unknown protector"),
    (["--rate", "0.5", "--protect-share", "2"], "--protect-share"),
    (["--rate", "0.5", "--encoding", "utf-9"], "--encoding 'utf-9'"),
])
def test_bad_arguments_fail_before_any_model_loads(argv, needle, tmp_path, monkeypatch):
    def no_loading(*a, **k):
        raise AssertionError("a model was loaded before the arguments were checked")

    monkeypatch.setattr(MODEL_CACHE, "get", no_loading)
    monkeypatch.setattr("headroom_lingua.compressor.Compressor.from_pretrained", no_loading)
    path = tmp_path / "p.txt"
    path.write_text(TEXT)
    code, out, err = run(["compress", str(path)] + argv)
    assert code == 1 and needle in err and err.count("\n") == 1, err


def test_bad_rate_fails_fast_in_a_fresh_process(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text(TEXT)
    proc = subprocess.run([sys.executable, "-m", "headroom_lingua", "compress", str(path), "--rate", "7"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stderr == "headroom-lingua: error: rate must be a number in (0, 1], got 7.0\n"
    # Fast because nothing heavy is imported before the check (0.4 s measured by hand; no wall-clock
    # assertion here, the suite runs on shared machines).
    probe = ("import sys; from headroom_lingua.cli import main; main(['compress', %r, '--rate', '7']); "
             "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))" % str(path))
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip()
    assert loaded == "[]"


def test_color_only_on_a_terminal_and_never_with_no_color():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert use_color("auto", Tty(), environ={}) is True
    assert use_color("auto", Tty(), environ={"NO_COLOR": "1"}) is False
    assert use_color("auto", io.StringIO(), environ={}) is False
    assert use_color("never", Tty(), environ={}) is False
    assert wants_progress(None, 10**6, Tty()) and not wants_progress(None, 100, Tty())
    assert not wants_progress(None, 10**6, io.StringIO()) and wants_progress(True, 1, io.StringIO())


def test_show_without_a_terminal_marks_dropped_text_plainly(tiny_model_dir, monkeypatch):
    code, out, err = run(["compress", "--rate", "0.5", "--show", "--model", str(tiny_model_dir)],
                         monkeypatch, stdin=TEXT)
    assert code == 0 and DIM_RED not in out and "[-" in out


def test_several_files_and_globs_go_to_an_output_folder(tiny_model_dir, tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    for name in ("a.txt", "b.txt", "sub/a.txt"):
        (tmp_path / "in" / name).write_text(TEXT * 2)
    pattern = str(tmp_path / "in" / "**" / "*.txt")
    code, out, err = run(["compress", pattern, "--rate", "0.5", "--model", str(tiny_model_dir)])
    assert code == 1 and "--output DIR" in err  # several inputs never go to stdout
    code, out, err = run(["compress", pattern, "--rate", "0.5", "--model", str(tiny_model_dir),
                          "--output", str(tmp_path / "out")])
    assert code == 0 and out == "", err
    written = sorted(os.path.relpath(os.path.join(r, f), tmp_path / "out")
                     for r, _, fs in os.walk(tmp_path / "out") for f in fs)
    assert written == ["a.txt", "b.txt", os.path.join("sub", "a.txt")]
    assert err.count("\n") == 3


def test_one_file_to_an_output_file(tiny_model_dir, tmp_path):
    (tmp_path / "p.txt").write_text(TEXT * 2)
    code, out, err = run(["compress", str(tmp_path / "p.txt"), "--rate", "0.5", "--model", str(tiny_model_dir),
                          "-o", str(tmp_path / "o.txt")])
    assert code == 0 and out == "" and (tmp_path / "o.txt").read_text().strip()


def test_encoding_error_names_file_and_byte_and_latin1_reads(tiny_model_dir, tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Le café coûte 3 € par tasse, dit le patron du café.\n".encode("latin-1", "replace"))
    code, out, err = run(["compress", str(path), "--rate", "0.5", "--model", str(tiny_model_dir)])
    assert code == 1 and str(path) in err and "byte 6" in err and err.count("\n") == 1
    code, out, err = run(["compress", str(path), "--rate", "0.5", "--model", str(tiny_model_dir),
                          "--encoding", "latin-1"])
    assert code == 0 and "caf" in out


def test_missing_file_and_empty_glob(tmp_path):
    code, _, err = run(["compress", str(tmp_path / "nope.txt"), "--rate", "0.5"])
    assert code == 1 and "No such file" in err
    code, _, err = run(["compress", str(tmp_path / "*.md"), "--rate", "0.5"])
    assert code == 1 and "no file matches" in err


def test_docs_from_a_folder(tiny_model_dir, tmp_path):
    (tmp_path / "docs" / ".hidden").mkdir(parents=True)
    (tmp_path / "docs" / "one.txt").write_text("Paris is the capital of France. " * 5)
    (tmp_path / "docs" / "two.md").write_text("Berlin is the capital of Germany. " * 5)
    (tmp_path / "docs" / ".hidden" / "x.txt").write_text("never read")
    code, out, err = run(["compress", "--docs", str(tmp_path / "docs"), "--question", "Capital of France?",
                          "--rate", "0.5", "--ranker", "bm25", "--model", str(tiny_model_dir), "--json"])
    assert code == 0, err
    assert "never read" not in out


def test_progress_bar_on_a_long_input(tiny_model_dir, tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(TEXT * 250)  # ~23,000 characters: above the progress threshold, several windows
    code, out, err = run(["compress", str(path), "--rate", "0.5", "--model", str(tiny_model_dir), "--progress"])
    assert code == 0 and "scoring" in err and "tok/s" in err
    code, out, err = run(["compress", str(path), "--rate", "0.5", "--model", str(tiny_model_dir)])
    assert code == 0 and err == ""  # not a terminal: no bar, and nothing else on stderr


def test_explain_table_and_jsonl(tiny_model_dir, monkeypatch):
    import json

    code, out, err = run(["compress", "--rate", "0.5", "--explain", "jsonl", "--model", str(tiny_model_dir)],
                         monkeypatch, stdin=TEXT)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert {"text", "start", "end", "score", "kept", "why"} <= set(rows[0])
    assert "".join("".join(r["text"].split()) for r in rows) == "".join(TEXT.split())
    by_text = {r["text"]: r for r in rows}
    assert by_text["$4.2M"]["why"] == "protected:numbers" and by_text["Q3 2024"]["kept"]
    code, out, err = run(["compress", "--rate", "0.5", "--explain", "--model", str(tiny_model_dir)],
                         monkeypatch, stdin=TEXT)
    assert code == 0 and "protected:numbers" in out and out.splitlines()[0].split()[:3] == ["kept", "why", "score"]
