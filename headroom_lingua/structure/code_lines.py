"""Code and config outside fences: lines that are kept or dropped whole, never cut inside.

Dropping single words from an indented YAML block or an unfenced code line leaves text that no
longer parses (``night_start: "00:00`` lost its closing quote, ``sha256(customer_id billing_period``
its comma and bracket). So each line of such a block is one unit (``segment``'s ``groups``); lines
joined by an open bracket or quote stay together until it closes. A line is a unit, so quotes and
brackets stay balanced in what is kept. A line that holds a protected span (a number, an
identifier) is protected whole.

Blocks are the indented and unfenced code that ``structure.code.find_code_blocks`` finds, and
runs of two or more key-value lines (``key: value``, ``key = value``, ``- item``) whose values
are config values (one token, a quoted string, a list or a map), not sentences.

Example:
    >>> text = "Set this:\\n\\n    a: \\"00:00\\"\\n    key: f(x, y)\\n\\nthen restart."
    >>> [text[s:e] for s, e in code_line_groups(text)]
    ['a: "00:00"', 'key: f(x, y)']
"""

from __future__ import annotations

import re

from .code import find_code_blocks, split_lines

Span = tuple[int, int]

_VALUE = r"(?:[\"'\[{].*|[\w.]+\(.*\)|[\w./:@+\-]*[\d_/:@+\-][\w./:@+\-]*(?<!\.)|true|false|null|none|yes|no|on|off|~)"
_KEY_VALUE = re.compile(
    rf"^[ \t]*(?:-[ \t]+)?(?:[\"']?[\w.\-]+[\"']?[ \t]*[:=](?:[ \t]*|[ \t]+{_VALUE}[ \t]*)$"
    rf"|-[ \t]+{_VALUE}[ \t]*$)"
)
_OPEN, _CLOSE = "([{", ")]}"


def _depth_change(line: str) -> int:
    """Net open brackets on ``line``, ignoring those inside quotes; an unclosed quote counts 1."""
    depth, quote = 0, ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote and line[i - 1] != "\\":
                quote = ""
        elif ch in "\"'" and (ch == '"' or i == 0 or not line[i - 1].isalnum()):
            quote = ch
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
    return depth + (1 if quote == '"' else 0)


def _config_runs(lines: list[str], starts: list[int]) -> list[Span]:
    runs, i = [], 0
    while i < len(lines):
        j = i
        while j < len(lines) and lines[j].strip() and _KEY_VALUE.match(lines[j].rstrip("\n")):
            j += 1
        if j - i >= 2:
            runs.append((starts[i], starts[j - 1] + len(lines[j - 1].rstrip("\n"))))
        i = max(j, i + 1)
    return runs


def _line_groups(text: str, start: int, end: int) -> list[Span]:
    """One span per line of ``text[start:end]`` (without its indentation), lines joined while a
    bracket or quote stays open."""
    groups, pos, depth, open_at = [], start, 0, None
    for line in split_lines(text[start:end]):
        body = line.rstrip("\n").rstrip()
        lead = len(body) - len(body.lstrip())
        if body.strip():
            if open_at is None:
                open_at = pos + lead
            depth = max(depth + _depth_change(body), 0)
            if depth == 0:
                groups.append((open_at, pos + len(body)))
                open_at = None
        pos += len(line)
    if open_at is not None:
        groups.append((open_at, end))
    return groups


def code_line_groups(text: str) -> list[Span]:
    """Sorted, disjoint spans: one per line (or bracket-joined lines) of indented code, unfenced
    code and key-value config blocks."""
    if "\n" not in text:
        return []
    lines = split_lines(text)
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line)
    blocks = [(b.start, b.end) for b in find_code_blocks(text, kinds=("indented", "unfenced"))]
    blocks += _config_runs(lines, starts)
    spans: list[Span] = []
    covered = -1
    for s, e in sorted(blocks, key=lambda b: (b[0], -b[1])):
        if s < covered:  # a config run inside a code block found already
            continue
        spans.extend(_line_groups(text, s, e))
        covered = e
    return spans
