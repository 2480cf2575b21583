"""docs/migration.md stays true: its runnable code blocks run, in order, in one namespace, with a
model-free fake scorer in place of the model; blocks for an optional framework run when it is
installed. The LLMLingua call and the compatibility layer's call must be the same call."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from headroom_lingua import Compressor
from headroom_lingua.scorers import LengthScorer

DOC = Path(__file__).resolve().parent.parent / "docs" / "migration.md"
BLOCK = re.compile(r"(?:<!-- runnable(?::\s*(?P<needs>[\w.]+))? -->\n)?```python\n(?P<code>.*?)```", re.S)


def blocks() -> list[tuple[str | None, str, bool]]:
    """(module the block needs or None, code, runnable) of every python block, in order."""
    return [(m["needs"], m["code"], m.group(0).startswith("<!-- runnable"))
            for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))]


def _installed(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def test_the_runnable_blocks_run(monkeypatch, capsys):
    fake = Compressor(LengthScorer(), tokenizer="cl100k")
    monkeypatch.setattr(Compressor, "from_pretrained", classmethod(lambda cls, *a, **k: fake))
    runnable = [(needs, code) for needs, code, run in blocks() if run]
    assert len(runnable) >= 8
    namespace: dict = {}
    ran = 0
    for needs, code in runnable:
        if needs and not _installed(needs):
            continue
        exec(compile(code, f"{DOC.name} block", "exec"), namespace)  # noqa: S102 - our own documentation
        ran += 1
    assert ran >= 6
    assert "not supported by headroom-lingua" in capsys.readouterr().out


def test_only_the_import_and_the_model_change():
    def call(code: str) -> str:
        return " ".join(code[code.index("out = llm_lingua.compress_prompt("):code.index("print(")].split())

    llmlingua = next(code for _, code, run in blocks() if "from llmlingua import" in code)
    compat = next(code for _, code, run in blocks() if "from headroom_lingua.compat import" in code)
    assert call(llmlingua) == call(compat)
