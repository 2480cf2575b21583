"""CompressionConfig and PerplexityConfig: validation, round trip, version stamp, the deprecated
causal-LM fields of CompressionConfig."""

from __future__ import annotations

import pytest

from headroom_lingua import CompressionConfig, ConfigError, PerplexityConfig
from headroom_lingua.engine.protect import LINKERS, PROTECTORS


def test_defaults_turn_every_protector_on_and_round_trip(tmp_path):
    cfg = CompressionConfig()
    assert cfg.protect == tuple(PROTECTORS) + tuple(LINKERS)
    path = tmp_path / "c.json"
    cfg.replace(on_overflow="drop", protect=("numbers",), protect_share=0.5).save(path)
    loaded = CompressionConfig.load(path)
    assert loaded == CompressionConfig(on_overflow="drop", protect=("numbers",), protect_share=0.5)
    assert loaded != CompressionConfig()
    scorer_cfg = PerplexityConfig(reduction="max", window=512, overlap=64, iterative=True)
    assert PerplexityConfig.from_dict(scorer_cfg.to_dict()) == scorer_cfg


@pytest.mark.parametrize("kw,match", [
    ({"on_overflow": "ignore"}, "on_overflow='ignore'"),
    ({"protect": ("numbers", "zip_codes")}, "unknown protector\\(s\\) \\['zip_codes'\\]"),
    ({"protect": "numbers"}, "tuple of protector names"),
    ({"protect_share": 1.5}, "protect_share must be a number in \\[0, 1\\]"),
])
def test_bad_values_are_named(kw, match):
    with pytest.raises(ConfigError, match=match):
        CompressionConfig(**kw)


@pytest.mark.parametrize("kw,match", [
    ({"reduction": "median"}, "reduction='median' is not one of"),
    ({"window": 0}, "window must be a positive int"),
    ({"window": 8}, "too small"),
    ({"overlap": 1024}, "overlap must be an int in \\[0, window // 2\\)"),
    ({"iterative": "yes"}, "iterative must be a bool"),
])
def test_bad_scorer_values_are_named(kw, match):
    with pytest.raises(ConfigError, match=match):
        PerplexityConfig(**kw)


def test_deprecated_scorer_fields_still_work_and_warn(tmp_path):
    with pytest.warns(DeprecationWarning, match="PerplexityConfig"):
        cfg = CompressionConfig(reduction="max", window=512)
    assert cfg.window == 512 and cfg.reduction == "max" and cfg.overlap == PerplexityConfig().overlap
    assert PerplexityConfig.coerce(cfg) == PerplexityConfig(reduction="max", window=512)
    with pytest.warns(DeprecationWarning), pytest.raises(ConfigError, match="window must be a positive int"):
        CompressionConfig(window=0)
    path = tmp_path / "v1.json"  # a version-1 file held the causal-LM settings among its fields
    path.write_text('{"version": 1, "reduction": "max", "protect": ["numbers"], "on_overflow": "raise"}')
    assert CompressionConfig.load(path).scorer_options == (("reduction", "max"),)


def test_unknown_field_and_version_are_rejected():
    with pytest.raises(ConfigError, match="unknown config field\\(s\\) \\['bogus'\\]"):
        CompressionConfig.from_dict({"bogus": 1})
    with pytest.raises(ConfigError, match="config version 99 is not supported"):
        CompressionConfig.from_dict({"version": 99})
    with pytest.raises(TypeError, match="unexpected field"):
        CompressionConfig(bogus=1)
