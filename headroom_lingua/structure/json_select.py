"""Which items of a long JSON array to keep: the choice behind ``json_shrink``.

Kept, in this order of obligation: the first and last items; a smallest greedy set of items that
together show every key path of the array's items (so the schema survives); items whose values
name a keep term; then, up to ``max_items``, the items that differ most (outliers), then evenly
spaced items. An item differs when it has a key path or a value type that at most ``RARE_SHARE``
of the items have, lacks a key path that all but ``RARE_SHARE`` have, holds a number whose robust
z-score (``0.6745 * |x - median| / MAD``) exceeds ``Z_OUTLIER``, or holds a categorical string
value (a path where values repeat) that at most ``RARE_SHARE`` of the items share.

Example:
    >>> items = [{"id": i, "status": "ok", "amount": 10 + i % 3} for i in range(50)]
    >>> items[20]["status"] = "failed"; items[30]["amount"] = 990
    >>> choose_items(items, max_items=4)
    [0, 20, 30, 49]
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from typing import Any, Iterable, Sequence

Path = tuple[str, ...]
RARE_SHARE = 0.05
Z_OUTLIER = 3.5
_WORD = re.compile(r"\w+")


def key_paths(value: Any, prefix: Path = ()) -> set[Path]:
    """Every key path of ``value``: object keys in order of nesting, ``"[]"`` for array elements.

    Example:
        >>> sorted(key_paths({"a": [{"b": 1}], "c": None}))
        [('a',), ('a', '[]', 'b'), ('c',)]
    """
    paths: set[Path] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            path = prefix + (str(key),)
            paths.add(path)
            paths |= key_paths(child, path)
    elif isinstance(value, list):
        for child in value:
            paths |= key_paths(child, prefix + ("[]",))
    return paths


def _leaves(value: Any, prefix: Path = ()) -> dict[Path, Any]:
    """Leaves reached through objects only, by key path: scalars, and arrays as whole values."""
    if isinstance(value, dict):
        out: dict[Path, Any] = {}
        for key, child in value.items():
            out.update(_leaves(child, prefix + (str(key),)))
        return out
    return {prefix: value}


def _type(value: Any) -> str:
    return "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else type(value).__name__


def _is_rare(count: int, n: int) -> bool:
    return count <= max(1.0, RARE_SHARE * n) and count < n


def _shape_flags(leaves: list[dict[Path, Any]], paths: list[set[Path]]) -> list[int]:
    """Per item: rare key paths, missing common key paths, rare value types."""
    n = len(leaves)
    df = Counter(p for ps in paths for p in ps)
    types = Counter((p, _type(v)) for lv in leaves for p, v in lv.items())
    common = [p for p, c in df.items() if n - c >= 1 and _is_rare(n - c, n)]
    flags = []
    for lv, ps in zip(leaves, paths):
        rare_key = any(_is_rare(df[p], n) for p in ps)
        missing = any(p not in ps for p in common)
        rare_type = any(_is_rare(types[(p, _type(v))], n) for p, v in lv.items())
        flags.append(int(rare_key) + int(missing) + int(rare_type))
    return flags


def _value_flags(leaves: list[dict[Path, Any]]) -> list[int]:
    """Per item: numeric outliers (robust z-score) and rare categorical values."""
    n = len(leaves)
    by_path: dict[Path, list[tuple[int, Any]]] = defaultdict(list)
    for i, lv in enumerate(leaves):
        for p, v in lv.items():
            by_path[p].append((i, v))
    flags = [0] * n
    for values in by_path.values():
        nums = [(i, float(v)) for i, v in values if _type(v) == "number" and math.isfinite(v)]
        for i in _numeric_outliers(nums, n):
            flags[i] += 1
        strings = [(i, v) for i, v in values if isinstance(v, str)]
        counts = Counter(v for _, v in strings)
        if strings and len(counts) <= len(strings) / 2:  # categorical: values repeat
            for i, v in strings:
                flags[i] += _is_rare(counts[v], n)
    return flags


def _numeric_outliers(nums: list[tuple[int, float]], n: int) -> list[int]:
    if len(nums) < 5:
        return []
    xs = [x for _, x in nums]
    med = statistics.median(xs)
    mad = statistics.median(abs(x - med) for x in xs)
    if mad == 0:
        off = [i for i, x in nums if x != med]
        return off if _is_rare(len(off), n) else []
    return [i for i, x in nums if 0.6745 * abs(x - med) / mad > Z_OUTLIER]


def _words(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_words(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_words(v) for v in value)) if value else set()
    if value is None or isinstance(value, bool):
        return set()
    return {w.lower() for w in _WORD.findall(str(value))}


def term_matches(items: Sequence[Any], terms: Iterable[str]) -> list[int]:
    """Indices of items whose values contain a word of ``terms`` (a value word equal to a term
    word, or starting with it when the term word has 4+ characters: ``fail`` finds ``failed``).
    A term word found in more than half of the items is ignored: it does not single any out.

    Example:
        >>> term_matches([{"s": "ok"}, {"s": "failed"}, {"s": "ok"}], ["why did it fail"])
        [1]
    """
    wanted = {w.lower() for t in terms for w in _WORD.findall(t)}
    words = [_words(item) for item in items]
    hits: dict[str, set[int]] = defaultdict(set)
    for i, ws in enumerate(words):
        for w in ws:
            for t in wanted:
                if w == t or (len(t) >= 4 and w.startswith(t)):
                    hits[t].add(i)
    keep = set().union(*(h for h in hits.values() if len(h) <= len(items) / 2)) if hits else set()
    return sorted(keep)


def _cover(paths: list[set[Path]], chosen: set[int]) -> set[int]:
    """Add items, those with the most key paths first, until the chosen ones show every key path
    of all items (a one-pass greedy cover: linear in the number of paths)."""
    missing = set().union(*paths) - set().union(*(paths[i] for i in chosen))
    chosen = set(chosen)
    for i in sorted(range(len(paths)), key=lambda i: (-len(paths[i]), i)):
        if not missing:
            break
        if paths[i] & missing:
            chosen.add(i)
            missing -= paths[i]
    return chosen


def choose_items(items: Sequence[Any], max_items: int, terms: Iterable[str] = ()) -> list[int]:
    """Sorted indices of the items to keep (see the module docstring); more than ``max_items``
    only when the first, last, schema-covering and term-matching items alone are more."""
    n = len(items)
    if n <= max_items:
        return list(range(n))
    paths = [key_paths(item) for item in items]
    chosen = _cover(paths, {0, n - 1}) | set(term_matches(items, terms))
    leaves = [_leaves(item) for item in items]
    flags = [a + b for a, b in zip(_shape_flags(leaves, paths), _value_flags(leaves))]
    for i in sorted((i for i in range(n) if flags[i]), key=lambda i: (-flags[i], i)):
        if len(chosen) >= max_items:
            break
        chosen.add(i)
    spread = [round(k * (n - 1) / (max_items - 1)) for k in range(max_items)] if max_items > 1 else []
    for i in spread:
        if len(chosen) >= max_items:
            break
        chosen.add(i)
    return sorted(chosen)
