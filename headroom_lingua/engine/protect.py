"""Protected spans: text that is kept whole whatever its score.

Each built-in protector is a pure function ``text -> list[(start, end)]``. They are on by default
and switched off by leaving their name out of ``CompressionConfig.protect``. Callers add their own
with ``force=``: plain strings match literally, compiled patterns (``re`` or ``regex``) as regexes.

Example:
    >>> from headroom_lingua.engine.protect import find_protected
    >>> text = "Ship v2.1.0 to https://example.com by 10:30."
    >>> [text[s:e] for s, e in find_protected(text, ("numbers", "urls"))]
    ['v2.1.0', 'https://example.com', '10:30']
"""

from __future__ import annotations

import json
import re
from typing import Callable, Iterable, Sequence

import numpy as np
import regex

from ..errors import ConfigError
from .entities import commitment_spans, entity_spans
from .inputs import as_force
from .lines import line_matches
from .quantities import quantity_spans, scan
from .segment import LINKED, STRICT, Units, segment

Span = tuple[int, int]

_CURRENCY = r"[$€£¥₹]"
_NUMBER = regex.compile(
    rf"(?<![\p{{L}}\p{{N}}_])(?:{_CURRENCY}\s?)?[+\-−]?"
    r"(?:[vV](?=\d))?\d[\d,._:/\-]*(?:\d|(?<=\d)[a-zA-Z]{1,3}\b)?%?"
)
_URL = regex.compile(r"(?:\b[a-zA-Z][a-zA-Z0-9+.\-]*://|\bwww\.)[^\s<>\"'`]+")
_EMAIL = regex.compile(r"\b[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\b")
_PATH = regex.compile(
    r"(?:(?<![\w/<])(?:~|\.{1,2})?/(?:[\w.\-]+/)*[\w.\-]+/?"      # /abs/path, ./rel, ~/x
    r"|\b[A-Za-z]:\\(?:[\w.\- ]+\\)*[\w.\-]+"                   # C:\dir\file
    r"|\b[\w.\-]+(?:/[\w.\-]+)+\.[A-Za-z0-9]{1,8}\b)"           # dir/file.ext
)
_IDENTIFIER = regex.compile(
    r"\b0[xX][0-9a-fA-F]+\b"                                                      # hex literal
    r"|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"  # UUID
    r"|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{7,}\b"             # hashes, hex ids
    r"|\b[A-Za-z_][\w]*_[\w]*\b"                                                  # snake_case
    r"|\b[a-z]+[A-Z][A-Za-z0-9]*\b|\b[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*\b"          # camelCase, CamelCase
    r"|\b[A-Za-z]+[0-9]\w*\b|\b[A-Z]{2,}[a-z]+\w*"                                  # Q3, ERR42, HTTPServer
    r"|\b[A-Z][A-Z0-9]+-\d+\b"                                                      # INC-123, ORD-10457
    r"|\b[A-Za-z_]\w+(?:\.[A-Za-z_]\w+)+(?:\(\))?"                                # dotted.names
)
# What every identifier holds: a digit, "_", a hyphen before a hex digit (UUID), a dot before a
# name (dotted.names) or a capital after a letter (camelCase, HTTPServer). A full stop or a hyphen
# in prose is no signal, so most prose runs are never scanned.
_IDENTIFIER_SIGNAL = regex.compile(r"[\d_]|-(?=[0-9a-fA-F])|\.(?=[A-Za-z_])|(?<=[\p{L}\p{N}])\p{Lu}")
_FENCED = regex.compile(r"(?m)^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?^[ \t]*\1[ \t]*$", regex.DOTALL)
_INLINE_CODE = regex.compile(r"(?<!`)`[^`\n]+`(?!`)")
_LABEL = regex.compile(r"(?m)^[ \t]*(?:\[[^\]\n]{1,40}\][ \t]*)?[A-Za-z][\w .\-]{0,30}:(?=[ \t]|$)")
_TAG = regex.compile(r"</?[A-Za-z][\w:.\-]*(?:\s+[^<>]*?)?/?>")


def _regex_spans(pattern: regex.Pattern, needs: tuple[str, ...] = ()) -> Callable[[str], list[Span]]:
    """All non-empty matches; ``needs``: strings one of which every match contains (a text
    without any of them is not scanned)."""
    def find(text: str) -> list[Span]:
        if needs and not any(n in text for n in needs):
            return []
        return [m.span() for m in pattern.finditer(text) if m.end() > m.start()]

    return find


_SPACE_AHEAD, _SPACE_BEHIND = regex.compile(r"\s"), regex.compile(r"(?r)\s")


def _in_runs(pattern: regex.Pattern, signal: regex.Pattern, unless: str = "") -> Callable[[str], list[Span]]:
    """All non-empty matches of a pattern whose matches never hold whitespace and always hold a
    ``signal`` match: only the whitespace-free runs around signals are scanned (the same matches
    as a scan of the whole text, several times faster on prose). A text holding ``unless``
    (where a match could hold whitespace after all) is scanned whole."""
    def find(text: str) -> list[Span]:
        if unless and unless in text:
            return [m.span() for m in pattern.finditer(text) if m.end() > m.start()]
        spans: list[Span] = []
        end = -1
        for hit in signal.finditer(text):
            if hit.start() < end:  # in the run just scanned
                continue
            before = _SPACE_BEHIND.search(text, 0, hit.start())
            after = _SPACE_AHEAD.search(text, hit.start())
            start, end = before.end() if before else 0, after.start() if after else len(text)
            spans.extend(m.span() for m in pattern.finditer(text, start, end) if m.end() > m.start())
        return spans

    return find


def _numbers(text: str) -> list[Span]:
    """Numbers, and with them their currency, magnitude, unit or date (``quantities``)."""
    spans = quantity_spans(text)
    for s, e in scan(text, pattern=_NUMBER):
        while e > s and text[e - 1] in ",.:/_-":  # trailing sentence punctuation is not part of it
            e -= 1
        if e > s:
            spans.append((s, e))
    return merge_spans(spans)


def _urls(text: str) -> list[Span]:
    if "://" not in text and "www." not in text:  # every URL holds one of them
        return []
    spans = []
    for m in _URL.finditer(text):
        s, e = m.span()
        while e > s and text[e - 1] in ".,;:!?)]}":
            if text[e - 1] == ")" and text[s:e].count("(") >= text[s:e].count(")"):
                break  # a balanced parenthesis is part of the URL (wiki links)
            e -= 1
        spans.append((s, e))
    return spans


def _json_objects(text: str) -> list[Span]:
    """Top-level balanced ``{...}`` regions that parse as JSON objects; one linear scan."""
    spans, depth, start, in_str, escape = [], 0, -1, False, False
    for i, ch in enumerate(text) if "{" in text else ():
        if in_str:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_str = False
        elif ch == '"' and depth:
            in_str = True
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                candidate = text[start:i + 1]
                try:
                    if isinstance(json.loads(candidate), dict) and ":" in candidate:
                        spans.append((start, i + 1))
                except ValueError:
                    pass
        elif ch == "\n" and depth and not in_str and i - start > 200_000:
            depth = 0  # give up on an unbalanced brace that runs on forever
    return spans


PROTECTORS: dict[str, Callable[[str], list[Span]]] = {
    "numbers": _numbers,
    "urls": _urls,
    "emails": _regex_spans(_EMAIL, ("@",)),
    "paths": _in_runs(_PATH, regex.compile(r"/"), unless="\\"),
    "identifiers": _in_runs(_IDENTIFIER, _IDENTIFIER_SIGNAL),
    "code_blocks": _regex_spans(_FENCED, ("```", "~~~")),
    "inline_code": _regex_spans(_INLINE_CODE, ("`",)),
    "json": _json_objects,
    "tags": _regex_spans(_TAG, ("<",)),
    "labels": lambda text: [m.span() for m in line_matches(_LABEL, text) if m.end() > m.start()],  # "Q:", "[10:02] Ann:"
    "entities": entity_spans,  # names the text uses: speaker names, @handles, repeated capitalised names
}
"""Built-in protectors by name, all on by default."""

LINKERS: dict[str, Callable[[str], list[Span]]] = {
    "commitments": commitment_spans,  # "Dana owns the idempotency fix": owner, verb and object whole
}
"""Built-in linkers by name, on by default and switched off like protectors: each span becomes one
protected unit (``PRIORITY["commitments"]``, or the highest priority of what it holds) that is
kept or yielded whole, names and numbers inside it included; a first-person clause keeps its
line's speaker label (``frontends.prepare``)."""

FORCE = STRICT
"""Priority of ``force=`` items: they never yield (a ``BudgetError`` says when they alone overflow)."""
PRIORITY: dict[str, int] = {
    "emails": 3, "urls": 3, "paths": 3, "identifiers": 3, "entities": 3,  # names of things: the last to yield
    "numbers": 2, "commitments": LINKED,  # a who-does-what clause: at least this, or the highest it holds
    "code_blocks": 1, "inline_code": 1, "json": 1, "tags": 1,  # long spans, shrunk by structure first
    "labels": 1,  # a first-person clause keeps its line's label whatever (Units.with_needs)
}
"""When protected text alone exceeds the budget (``on_overflow="yield"``), protected spans give
way lowest priority first, then lowest score, whole spans only; ``force=`` items never."""


def force_spans(text: str, force: Iterable) -> list[Span]:
    """Spans of ``force`` items: strings match literally, compiled patterns as regexes."""
    spans: list[Span] = []
    for item in as_force(force):
        if isinstance(item, str):
            spans.extend((m.start(), m.end()) for m in re.finditer(re.escape(item), text))
        else:
            spans.extend(m.span() for m in item.finditer(text) if m.end() > m.start())
    return spans


def find_protected(text: str, protect: Sequence[str], force: Iterable = ()) -> list[Span]:
    """Sorted, merged protected spans from the named built-in protectors and ``force`` items."""
    return [(s, e) for s, e, _ in find_ranked(text, protect, force)]


def find_ranked(text: str, protect: Sequence[str], force: Iterable = ()) -> list[tuple[int, int, int]]:
    """Sorted, merged protected spans ``(start, end, priority)`` (``PRIORITY``; ``FORCE`` for
    ``force`` items); a merged span takes its longest part's priority, ``FORCE`` if it holds one."""
    spans: list[tuple[int, int, int]] = []
    for name in protect:
        if name in LINKERS:
            continue
        if name not in PROTECTORS:
            raise ConfigError(f"unknown protector {name!r}; built-in protectors are {list(PROTECTORS)}")
        spans.extend((s, e, PRIORITY[name]) for s, e in PROTECTORS[name](text))
    spans.extend((s, e, FORCE) for s, e in force_spans(text, force))
    return merge_ranked(spans)


def protected_units(text: str, protect: Sequence[str], force: Iterable = (), whole: Iterable[Span] = ()) -> Units:
    """``text`` segmented with its protected spans (and their priorities) marked. ``whole``: more
    spans to keep or yield whole, at the priority of code and JSON (structure steps name them).

    >>> u = protected_units("Call 555-0100 now", ("numbers",), force=["now"])
    >>> u.priority.tolist()
    [0, 2, 4]
    """
    ranked = find_ranked(text, protect, force)
    if whole:
        ranked = merge_ranked(ranked + [(s, e, PRIORITY["json"]) for s, e in whole])
    return segment(text, [(s, e) for s, e, _ in ranked], [p for _, _, p in ranked])


def merge_ranked(spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Union of ranked spans. A merged span takes the priority of its longest part (a code block
    or JSON object holding numbers and names is code or JSON), or ``FORCE`` when it holds a
    forced item (that never yields)."""
    merged: list[list[int]] = []  # start, end, priority, length of the longest part
    for s, e, p in sorted(spans):
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], e)
            if p >= FORCE or last[2] >= FORCE:
                last[2] = FORCE
            elif e - s > last[3]:
                last[2], last[3] = p, e - s
        else:
            merged.append([s, e, p, e - s])
    return [(s, e, p) for s, e, p, _ in merged]


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Union of half-open intervals, sorted; touching intervals are merged too.

    >>> merge_spans([(5, 7), (0, 2), (2, 3), (6, 9)])
    [(0, 3), (5, 9)]
    """
    arr = np.array(list(spans), dtype=np.int64).reshape(-1, 2)
    if not len(arr):
        return []
    arr = arr[np.lexsort((arr[:, 1], arr[:, 0]))]
    reach = np.maximum.accumulate(arr[:, 1])  # the furthest end so far
    fresh = np.flatnonzero(np.concatenate(([True], arr[1:, 0] > reach[:-1])))  # starts a new interval
    return list(zip(arr[fresh, 0].tolist(), np.maximum.reduceat(arr[:, 1], fresh).tolist()))
