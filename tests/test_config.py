"""CompressionConfig: validation, round trip, version stamp."""

from __future__ import annotations

import pytest

from headroom_lingua import CompressionConfig, ConfigError
from headroom_lingua.protect import PROTECTORS


def test_defaults_turn_every_protector_on_and_round_trip(tmp_path):
    cfg = CompressionConfig()
    assert cfg.protect == tuple(PROTECTORS)
    path = tmp_path / "c.json"
    cfg.replace(reduction="max", protect=("numbers",)).save(path)
    assert CompressionConfig.load(path) == CompressionConfig(reduction="max", protect=("numbers",))


@pytest.mark.parametrize("kw,match", [
    ({"reduction": "median"}, "reduction='median' is not one of"),
    ({"on_overflow": "ignore"}, "on_overflow='ignore'"),
    ({"protect": ("numbers", "zip_codes")}, "unknown protector\\(s\\) \\['zip_codes'\\]"),
    ({"protect": "numbers"}, "tuple of protector names"),
    ({"window": 0}, "window must be a positive int"),
    ({"window": 8}, "too small"),
    ({"overlap": 1024}, "overlap must be an int in \\[0, window // 2\\)"),
    ({"iterative": "yes"}, "iterative must be a bool"),
])
def test_bad_values_are_named(kw, match):
    with pytest.raises(ConfigError, match=match):
        CompressionConfig(**kw)


def test_unknown_field_and_version_are_rejected():
    with pytest.raises(ConfigError, match="unknown config field\\(s\\) \\['bogus'\\]"):
        CompressionConfig.from_dict({"bogus": 1})
    with pytest.raises(ConfigError, match="config version 99 is not supported"):
        CompressionConfig.from_dict({"version": 99})
