"""The shape of the package, checked on its import graph (imports inside functions count):
no cycles; front ends import neither each other nor anything above them; the engine imports no
scorer, front end or loader; the core never imports the evaluation harness or training."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"headroom_lingua": ROOT / "headroom_lingua", "headroom_lingua_eval": ROOT / "eval" / "headroom_lingua_eval"}


def _modules() -> dict[str, Path]:
    mods = {}
    for name, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            parts = [name, *rel.parts]
            mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return mods


def _imports(module: str, path: Path, mods: dict[str, Path]) -> set[str]:
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module or ""
            for alias in node.names:
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in mods else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    # Importing a submodule runs its parents' __init__; an edge to a parent package is not a dependency.
    return {m for m in found if m in mods and m != module and not module.startswith(m + ".")}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    mods = _modules()
    return {m: _imports(m, p, mods) for m, p in mods.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles(graph):
    assert _cycles(graph) == []


def test_the_cycle_check_can_fail():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


def _family(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_front_ends_stand_side_by_side(graph):
    ends = ["headroom_lingua.frontends.text", "headroom_lingua.frontends.documents", "headroom_lingua.frontends.messages"]
    above = ["headroom_lingua.compressor", "headroom_lingua.cli", "headroom_lingua.documents", "headroom_lingua.messages"]
    for mod, deps in graph.items():
        own = [e for e in ends if _family(mod, e)]
        if not own:
            continue
        bad = [d for d in deps if any(_family(d, e) for e in ends if e not in own) or any(_family(d, a) for a in above)]
        assert not bad, f"front end {mod} imports {bad}"


def test_engine_is_below_everything(graph):
    allowed = ("headroom_lingua.engine", "headroom_lingua.errors", "headroom_lingua.models")
    for mod, deps in graph.items():
        if _family(mod, "headroom_lingua.engine"):
            bad = [d for d in deps if not any(_family(d, a) for a in allowed)]
            assert not bad, f"engine module {mod} imports {bad}"


def test_scorers_know_nothing_of_front_ends(graph):
    for mod, deps in graph.items():
        if _family(mod, "headroom_lingua.scorers") or _family(mod, "headroom_lingua.rankers"):
            bad = [d for d in deps if _family(d, "headroom_lingua.frontends") or _family(d, "headroom_lingua.loading")]
            assert not bad, f"{mod} imports {bad}"


def test_core_never_imports_the_harness():
    for path in PACKAGES["headroom_lingua"].rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "headroom_lingua_eval" not in text.replace("headroom_lingua_eval.cli:", ""), path
