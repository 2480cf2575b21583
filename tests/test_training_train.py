"""Training runs on CPU with the tiny BERT: the folder loads and holds the budget, kill-and-resume is
exact, head-only and LoRA folders load, the CLI reads YAML/JSON and flags."""

from __future__ import annotations

import io
import json

import pytest

from headroom_lingua import Compressor
from headroom_lingua.scorers.classifier.scorer import ClassifierScorer
from headroom_lingua_training.cli import main as train_main
from headroom_lingua_training.config import TrainConfig
from headroom_lingua_training.trainer import train

from .helpers import assert_cut_from
from .training_fixtures import tiny_encoder_dir, tiny_wordpiece  # noqa: F401

SENTENCES = [
    ("The quick brown fox jumps over the lazy dog.", "quick brown fox jumps lazy dog."),
    ("User: can you help me with my order please?", "help my order?"),
    ("Assistant: of course, what is the order number?", "order number?"),
    ("The meeting moved to friday and the deadline is the report.", "meeting moved friday deadline report."),
    ("Paris is the capital city of france and the river seine flows through paris.", "Paris capital france seine."),
    ("The team budget was approved and revenue grew in q3.", "team budget approved revenue grew q3."),
]
PROMPT = " ".join(s for s, _ in SENTENCES) * 3


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "data.jsonl"
    rows = [{"text": f"{a} {SENTENCES[(i + 1) % 6][0]}", "compressed": f"{b} {SENTENCES[(i + 1) % 6][1]}"}
            for i, (a, b) in enumerate(SENTENCES * 2)]
    rows[3]["text"] = 3  # one bad record: reported and skipped
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _cfg(data_file, tmp_path, encoder, **kw):
    base = dict(data=(str(data_file),), output=str(tmp_path / "run"), labels="alignment", backbone=str(encoder),
                window=32, stride=8, max_question_tokens=8, batch_size=4, epochs=2, save_steps=2, lr=5e-3,
                val_fraction=0.2, progress=False, device="cpu", seed=3)
    return TrainConfig(**{**base, **kw})


def _weights(folder):
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def test_few_step_run_loads_and_holds_the_budget(data_file, tmp_path, tiny_encoder_dir):
    logs = []
    result = train(_cfg(data_file, tmp_path, tiny_encoder_dir), log=logs.append)
    folder = result.model_dir
    meta = json.loads((folder / "headroom_lingua.json").read_text())
    assert meta["scorer"] == "classifier" and meta["weights"] == "full" and meta["window"] == 32
    assert 0 <= meta["threshold"] <= 1 and meta["backbone"]["sha256"]
    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"][0].endswith("ForTokenClassification")
    assert TrainConfig.from_dict(json.loads((folder / "train_config.json").read_text())).labels == "alignment"
    metrics = result.metrics
    assert metrics["data"]["rejected"] == {"wrong type": 1} and metrics["steps"] > 0
    assert {"val_f1", "val_pred_keep_rate", "val_label_keep_rate"} <= set(metrics["epochs"][-1])
    assert any("rejected" in line and "data.jsonl:4" in line for line in logs)
    scorer = ClassifierScorer.from_pretrained(folder, device="cpu")
    for rate in (0.3, 0.5):
        r = Compressor(scorer).compress(PROMPT, rate=rate)
        assert r.compressed_tokens <= r.budget
        assert_cut_from(PROMPT, r)


def test_kill_and_resume_gives_the_same_weights(data_file, tmp_path, tiny_encoder_dir):
    whole = train(_cfg(data_file, tmp_path / "a", tiny_encoder_dir, epochs=3), log=lambda _: None)

    def kill(step):
        if step == 5:  # after the checkpoint at step 4, in the middle of an epoch
            raise KeyboardInterrupt

    cfg = _cfg(data_file, tmp_path / "b", tiny_encoder_dir, epochs=3)
    with pytest.raises(KeyboardInterrupt):
        train(cfg, on_step=kill, log=lambda _: None)
    logs = []
    resumed = train(cfg, log=logs.append)
    assert any("resumed from" in line and "step 4" in line for line in logs)
    a, b = _weights(whole.model_dir), _weights(resumed.model_dir)
    assert a.keys() == b.keys()
    assert all(bool((a[k] == b[k]).all()) for k in a)
    assert whole.metrics["losses"] == resumed.metrics["losses"]


@pytest.mark.parametrize("mode", ["head", "lora"])
def test_head_only_and_lora_folders_are_small_and_load(data_file, tmp_path, tiny_encoder_dir, mode):
    if mode == "lora":
        pytest.importorskip("peft")
    result = train(_cfg(data_file, tmp_path, tiny_encoder_dir, mode=mode, epochs=1), log=lambda _: None)
    folder = result.model_dir
    assert not (folder / "model.safetensors").exists()
    expected = "head.safetensors" if mode == "head" else "adapter_model.safetensors"
    assert (folder / expected).is_file()
    scorer = ClassifierScorer.from_pretrained(folder, device="cpu")
    r = Compressor(scorer).compress(PROMPT, rate=0.5)
    assert r.compressed_tokens <= r.budget
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        (folder / name).unlink(missing_ok=True)  # as shipped: the tokenizer comes from the backbone
    again = Compressor(ClassifierScorer.from_pretrained(folder, device="cpu")).compress(PROMPT, rate=0.5)
    assert again.text == r.text


def test_lora_targets_reach_the_adapter(data_file, tmp_path, tiny_encoder_dir):
    pytest.importorskip("peft")
    cfg = _cfg(data_file, tmp_path, tiny_encoder_dir, mode="lora", epochs=1, lora_targets=["query", "dense"])
    assert cfg.lora_targets == ("query", "dense") and TrainConfig.from_dict(cfg.to_dict()) == cfg
    folder = train(cfg, log=lambda _: None).model_dir
    adapter = json.loads((folder / "adapter_config.json").read_text())
    assert sorted(adapter["target_modules"]) == ["dense", "query"]
    r = Compressor(ClassifierScorer.from_pretrained(folder, device="cpu")).compress(PROMPT, rate=0.5)
    assert r.compressed_tokens <= r.budget


def test_head_only_refuses_a_different_backbone(data_file, tmp_path, tiny_encoder_dir):
    from headroom_lingua.errors import ModelNotFoundError

    folder = train(_cfg(data_file, tmp_path, tiny_encoder_dir, mode="head", epochs=1), log=lambda _: None).model_dir
    meta = json.loads((folder / "headroom_lingua.json").read_text())
    meta["backbone"]["sha256"] = "0" * 64
    (folder / "headroom_lingua.json").write_text(json.dumps(meta))
    with pytest.raises(ModelNotFoundError, match="SHA-256"):
        ClassifierScorer.from_pretrained(folder, device="cpu")


def test_cli_yaml_config_and_flags(data_file, tmp_path, tiny_encoder_dir):
    cfg = _cfg(data_file, tmp_path, tiny_encoder_dir, epochs=5).to_dict()
    cfg.pop("version")
    yaml_file = tmp_path / "run.yaml"
    yaml_file.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in cfg.items()), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert train_main(["--config", str(yaml_file), "--epochs", "1", "--no-progress"], out, err) == 0, err.getvalue()
    folder = tmp_path / "run" / "model"
    assert out.getvalue().strip() == str(folder)
    saved = json.loads((folder / "train_config.json").read_text())
    assert saved["epochs"] == 1 and saved["window"] == 32  # the flag beat the file, the file beat the default


def test_cli_errors_are_one_line(tmp_path, data_file):
    err = io.StringIO()
    assert train_main(["--data", str(data_file), "--mode", "everything"], io.StringIO(), err) == 1
    assert err.getvalue().startswith("headroom-lingua train: error: mode='everything' is not one of")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    err = io.StringIO()
    assert train_main(["--config", str(bad)], io.StringIO(), err) == 1
    assert "bad.json: not valid json" in err.getvalue()
    err = io.StringIO()
    assert train_main(["--output", str(tmp_path / "x")], io.StringIO(), err) == 1
    assert "no training data" in err.getvalue()


def test_labels_only_and_add_train_parser(data_file, tmp_path, tiny_encoder_dir):
    import argparse

    from headroom_lingua_training.cli import add_train_parser

    parser = argparse.ArgumentParser()
    add_train_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["train", "--data", str(data_file), "--labels", "alignment", "--labels-only",
                              "--output", str(tmp_path / "run"), "--no-progress"])
    out = io.StringIO()
    assert args.func(args, out, io.StringIO()) == 0
    assert "labels in" in out.getvalue()
    assert (tmp_path / "run" / "labels-alignment.md").is_file() and not (tmp_path / "run" / "model").exists()


def test_max_steps_inside_an_epoch_still_validates(data_file, tmp_path, tiny_encoder_dir):
    result = train(_cfg(data_file, tmp_path, tiny_encoder_dir, epochs=3, max_steps=4), log=lambda _: None)
    history = result.metrics["epochs"]
    assert result.metrics["steps"] == 4 and history[-1]["step"] == 4 and "val_f1" in history[-1]


def test_dropout_override(data_file, tmp_path, tiny_encoder_dir):
    import torch

    from headroom_lingua_training.modeling import build_model

    model, _, pointer = build_model(_cfg(data_file, tmp_path, tiny_encoder_dir, dropout=0.0))
    assert all(m.p == 0.0 for m in model.modules() if isinstance(m, torch.nn.Dropout))
    assert pointer["path"] == str(tiny_encoder_dir.resolve()) and len(pointer["sha256"]) == 64


@pytest.mark.parametrize("bad,match", [
    ({"labels": "gold"}, "labels='gold'"), ({"keep_rate": 1.0}, "keep_rate"), ({"stride": 300}, "stride=300"),
    ({"class_weight": "heavy"}, "class_weight"), ({"epochs": 0}, "epochs"), ({"dropout": 1.0}, "dropout"),
])
def test_train_config_is_validated(bad, match):
    from headroom_lingua.errors import ConfigError

    with pytest.raises(ConfigError, match=match):
        TrainConfig(data=("x.jsonl",), **bad)
    with pytest.raises(ConfigError, match="unknown config field"):
        TrainConfig.from_dict({"data": ["x"], "learning_rate": 1})


@pytest.mark.slow
def test_sigkill_and_rerun_gives_the_same_weights(data_file, tmp_path, tiny_encoder_dir):
    """A real kill (SIGKILL, mid-run, possibly mid-write) of the command, then the same command again."""
    import os
    import signal
    import subprocess
    import sys
    import time

    def command(out):
        return [sys.executable, "-m", "headroom_lingua_training", "--data", str(data_file), "--labels", "alignment",
                "--backbone", str(tiny_encoder_dir), "--window", "32", "--stride", "8", "--max-question-tokens", "8",
                "--batch-size", "4", "--epochs", "40", "--patience", "0", "--save-steps", "2", "--lr", "5e-3",
                "--device", "cpu", "--seed", "3", "--no-progress", "--output", str(out)]

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run(command(tmp_path / "a"), check=True, env=env, capture_output=True)
    proc = subprocess.Popen(command(tmp_path / "b"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        done = list((tmp_path / "b" / "checkpoints").glob("step-*/trainer_state.json"))
        if any(int(p.parent.name[5:]) >= 20 for p in done):
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    assert proc.wait() == -signal.SIGKILL, "the run finished before it could be killed"
    again = subprocess.run(command(tmp_path / "b"), env=env, capture_output=True, text=True)
    assert again.returncode == 0 and "resumed from" in again.stderr
    a, b = _weights(tmp_path / "a" / "model"), _weights(tmp_path / "b" / "model")
    assert all(bool((a[k] == b[k]).all()) for k in a)


def test_token_labels_follow_the_words_and_skip_the_question(tiny_wordpiece):
    import numpy as np

    from headroom_lingua_training.data import Record
    from headroom_lingua_training.features import record_examples
    from headroom_lingua_training.labels.base import Labels

    rec = Record("Hello, wörld revenues", "t:1", question="what grew?")
    labels = Labels(rec.fingerprint, np.array([1, 0, 1, 0], np.int8))  # Hello , wörld revenues
    (ex,) = record_examples(tiny_wordpiece, rec, labels, window=32, stride=8, max_question_tokens=8)
    tokens = tiny_wordpiece.convert_ids_to_tokens(ex.ids.tolist())
    got = {t: int(l) for t, l in zip(tokens, ex.labels)}
    assert got["hello"] == 1 and got[","] == 0 and got["world"] == 1 and got["revenue"] == 0 and got["##s"] == 0
    assert got["[CLS]"] == got["[SEP]"] == got["what"] == got["grew"] == -100
    with pytest.raises(ValueError, match="3 labels for 4 units"):
        record_examples(tiny_wordpiece, rec, Labels(rec.fingerprint, np.array([1, 0, 1], np.int8)), 32, 8, 8)


def test_teacher_labels_with_questions_train_end_to_end(tmp_path, tiny_encoder_dir, tiny_model, tiny_tokenizer):
    from headroom_lingua import PerplexityConfig
    from headroom_lingua.scorers.perplexity import PerplexityScorer
    from headroom_lingua_training.labels.teacher import TeacherSource

    teacher = PerplexityScorer(tiny_model, tiny_tokenizer, PerplexityConfig(reduction="sum", window=64, overlap=8))
    path = tmp_path / "qa.jsonl"
    rows = [{"text": f"{a} {b}", "question": "what is the order number?"} for (a, _), (b, _) in
            zip(SENTENCES, SENTENCES[1:] + SENTENCES[:1])]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cfg = TrainConfig(data=(str(path),), output=str(tmp_path / "run"), labels="teacher", keep_rate=0.4,
                      backbone=str(tiny_encoder_dir), window=32, stride=8, max_question_tokens=8, batch_size=4,
                      epochs=1, val_fraction=0.2, progress=False, device="cpu")
    result = train(cfg, source=TeacherSource(teacher, keep_rate=0.4), log=lambda _: None)
    assert result.metrics["labels"]["keep_rate"] == pytest.approx(0.4, abs=0.05)
    scorer = ClassifierScorer.from_pretrained(result.model_dir, device="cpu").conditioned("what is the order number?")
    r = Compressor(scorer).compress(PROMPT, rate=0.4)
    assert r.compressed_tokens <= r.budget


def test_importing_the_training_package_stays_light():
    import subprocess
    import sys

    code = ("import sys, headroom_lingua_training.cli, headroom_lingua_training.labels, "
            "headroom_lingua_training.config, headroom_lingua.scorers.classifier; "
            "heavy = [m for m in ('torch', 'accelerate', 'transformers', 'peft', 'datasets') if m in sys.modules]; "
            "print(heavy); sys.exit(1 if heavy else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", ["minilm-transcripts", "minilm-questions", "minilm-prose"])
def test_the_repository_training_configs_are_valid(name):
    """The configs scripts/train_*.sh and docs/results point to load as they are (no typo waits for a run)."""
    pytest.importorskip("yaml")
    from pathlib import Path

    cfg = TrainConfig.load(Path(__file__).resolve().parents[1] / "training" / "configs" / f"{name}.yaml")
    assert cfg.backbone == "minilm" and cfg.mode == "lora" and cfg.data and cfg.epochs >= 1
