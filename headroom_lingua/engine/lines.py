"""Matches of a line-anchored pattern found from the lines that can hold one.

A pattern such as the speaker-label one (``(?m)^ ... :``) matches only at a line start, inside one
line, and every match holds a ``needle`` (``:``). On prose with long lines and few colons, trying
the pattern at the start of each line that holds the needle finds the same matches as scanning
every position, several times faster; on a transcript with a colon on every line the whole scan
is as fast, so the text decides which way is taken.

Example:
    >>> import regex
    >>> label = regex.compile(r"(?m)^[A-Z]\\w*:")
    >>> text = "Ann: hi\\nthe plan: ok\\nBob: fine"
    >>> [m.group() for m in line_matches(label, text)]
    ['Ann:', 'Bob:']
"""

from __future__ import annotations

import regex

SPARSE = 40  # characters per needle above which the lines are tried one by one


def line_matches(pattern: regex.Pattern, text: str, needle: str = ":") -> list[regex.Match]:
    """The matches of ``pattern.finditer(text)`` for a pattern whose matches start at a line start
    (``(?m)^``: the text's start or just after ``\\n``), end on that line and hold ``needle``."""
    hits = text.count(needle)
    if not hits:
        return []
    if hits * SPARSE >= len(text):
        return list(pattern.finditer(text))
    starts, at = set(), text.find(needle)
    while at >= 0:
        starts.add(text.rfind("\n", 0, at) + 1)
        at = text.find(needle, at + 1)
    found = (pattern.match(text, s) for s in sorted(starts))
    return [m for m in found if m is not None]
