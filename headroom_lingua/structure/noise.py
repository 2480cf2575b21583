"""Remove structural noise from text: blank-line runs, decorative rules, trailing spaces and
page headers/footers repeated through a document. Fenced code blocks are never touched.

Rules, applied outside fenced code only:

- trailing spaces and tabs are removed from every line (a Markdown hard break, two trailing
  spaces, becomes a plain line break);
- a decorative rule, a line of four or more of ``- = * _ ~ # +`` or box-drawing characters
  (spaces allowed between), becomes a blank line; ``|---|---|`` table separators contain ``|`` and
  stay, and so does ``---`` (a YAML document separator or front-matter fence);
- in a text made of pages (it has form feeds, or ``min_repeats`` page-number lines such as
  ``Page 3 of 9`` or ``- 4 -``... ``4 / 9``), a repeated header or footer, a short line (at most 100
  characters, with a letter, not ending in ``:`` so speaker labels stay) standing alone between
  blank lines that occurs ``min_repeats`` times or more, is kept at its first occurrence only;
  page-number lines count as one line (only the first stays). Text without pages keeps its
  repeated lines: there they are content (a reply such as "Thanks!" said three times);
- a run of more than ``max_blank_lines`` blank lines is cut to ``max_blank_lines``.

Example:
    >>> text = "Title\\n=====\\n\\n\\n\\nBody.   \\n```\\ncode   \\n\\n\\n\\n```\\n"
    >>> out, report = strip_noise(text)
    >>> out
    'Title\\n\\n\\nBody.\\n```\\ncode   \\n\\n\\n\\n```\\n'
    >>> report.items_dropped  # the rule and two of the four blank lines after the title
    3
"""

from __future__ import annotations

import re
import time
from collections import Counter

from ..errors import ConfigError
from .code import fenced_spans, split_lines
from .report import StepReport, make_report

_RULE = re.compile(r"^[ \t]*(?:[-=*_~#+\u2500-\u257f\u2580-\u259f][ \t]*){4,}$")
_PAGE = re.compile(r"(?i)^[-\u2013\u2014 ]*(?:(?:page|p\.|pg\.?|seite)\s*\d+(?:\s*(?:of|/|von)\s*\d+)?"
                   r"|\d+\s*(?:of|/)\s*\d+|-\s*\d+\s*-)[-\u2013\u2014 ]*$")
PAGE_KEY = "<page number>"
_LETTER = re.compile(r"[^\W\d_]")
MAX_HEADER_CHARS = 100


def _segments(text: str) -> list[tuple[bool, str]]:
    """(is_code, piece) in order; each code piece is a fenced block with its closing newline."""
    out, pos = [], 0
    for start, end in fenced_spans(text):
        end += text.startswith("\n", end)
        if start > pos:
            out.append((False, text[pos:start]))
        out.append((True, text[start:end]))
        pos = end
    if pos < len(text):
        out.append((False, text[pos:]))
    return out


def _split_ending(line: str) -> tuple[str, str]:
    for ending in ("\r\n", "\n"):
        if line.endswith(ending):
            return line[: -len(ending)], ending
    return line, ""


def _header_key(lines: list[str | None], i: int) -> str | None:
    """What line ``i`` counts as when it could be a page header or footer (its stripped text, or
    ``PAGE_KEY`` for any page number), else None."""
    body = lines[i]
    stripped = body.strip() if body is not None else ""
    page = bool(_PAGE.match(stripped))
    if not page and (not stripped or len(stripped) > MAX_HEADER_CHARS or stripped.endswith(":")
                     or not _LETTER.search(stripped)):
        return None
    before = i == 0 or lines[i - 1] is None or not lines[i - 1].strip()
    after = i == len(lines) - 1 or lines[i + 1] is None or not lines[i + 1].strip()
    return (PAGE_KEY if page else stripped) if before and after else None


def _clean_lines(text: str, rules: bool, trailing: bool) -> tuple[list, int]:
    """Items ("code", piece) and ("line", body, ending, was_rule), and how many rules were blanked."""
    items: list = []
    removed = 0
    for is_code, piece in _segments(text):
        if is_code:
            items.append(("code", piece))
            continue
        for line in split_lines(piece):
            body, ending = _split_ending(line)
            if trailing:
                body = body.rstrip(" \t")
            rule = rules and bool(_RULE.match(body))
            if rule:
                body, removed = "", removed + 1
            items.append(("line", body, ending, rule))
    return items, removed


def _drop_headers(items: list, min_repeats: int, paged: bool) -> tuple[list, int]:
    bodies = [it[1] if it[0] == "line" else None for it in items]
    keys = [_header_key(bodies, i) if it[0] == "line" else None for i, it in enumerate(items)]
    counts = Counter(k for k in keys if k is not None)
    if not paged and counts[PAGE_KEY] < min_repeats:
        return items, 0
    seen: set[str] = set()
    out, removed = [], 0
    for item, key in zip(items, keys):
        if key is not None and counts[key] >= min_repeats:
            if key in seen:
                removed += 1
                continue
            seen.add(key)
        out.append(item)
    return out, removed


def _squeeze_blanks(items: list, max_blank: int) -> tuple[str, int]:
    parts, run, removed = [], 0, 0
    for item in items:
        if item[0] == "code":
            parts.append(item[1])
            run = 0
            continue
        _, body, ending, was_rule = item
        blank = not body.strip() and bool(ending)
        run = run + 1 if blank else 0
        if blank and run > max_blank:
            removed += not was_rule  # a rule line is counted once, when it was blanked
            continue
        parts.append(body + ending)
    return "".join(parts), removed


def strip_noise(text: str, *, max_blank_lines: int = 2, rules: bool = True, trailing_spaces: bool = True,
                repeated_lines: bool = True, min_repeats: int = 3) -> tuple[str, StepReport]:
    """``text`` without structural noise (see the module docstring), and a report whose
    ``items_dropped`` counts the lines removed or blanked (rules, repeated headers and footers,
    blank lines beyond ``max_blank_lines``), each line once.

    Example:
        >>> strip_noise("a\\n\\n\\n\\n\\nb")[0]
        'a\\n\\n\\nb'
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if not isinstance(max_blank_lines, int) or max_blank_lines < 0:
        raise ConfigError(f"max_blank_lines={max_blank_lines!r} must be an integer >= 0")
    if not isinstance(min_repeats, int) or min_repeats < 2:
        raise ConfigError(f"min_repeats={min_repeats!r} must be an integer >= 2")
    started = time.perf_counter()
    items, dropped = _clean_lines(text, rules, trailing_spaces)
    if repeated_lines:
        items, removed = _drop_headers(items, min_repeats, "\f" in text)
        dropped += removed
    out, removed = _squeeze_blanks(items, max_blank_lines)
    return out, make_report("noise", len(text), len(out), dropped + removed, started)
