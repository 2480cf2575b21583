"""The structure modules' docstring examples run as doctests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ("__init__", "code", "dedup", "json_select", "json_shrink", "logs", "minhash", "noise", "report")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module("headroom_lingua.structure" + ("" if name == "__init__" else f".{name}"))
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
