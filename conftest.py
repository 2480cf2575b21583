"""Doctest collection over the package: modules that need an optional framework are collected
only where it is installed (their tests in tests/ say so by skipping)."""

from __future__ import annotations

import importlib.util

collect_ignore = [path for path, needs in (("headroom_lingua/integrations/langchain.py", "langchain_core"),
                                           ("headroom_lingua/integrations/llama_index.py", "llama_index.core"))
                  if importlib.util.find_spec(needs.split(".")[0]) is None]
