"""Fold repeated log lines into one counted line; keep errors and warnings verbatim.

A line is masked before lines are compared: timestamps become ``<TS>``, UUIDs ``<UUID>``, IP
addresses ``<IP>``, hex ids (``0x1f``, or six or more hex digits with a digit among them)
``<HEX>`` and other numbers ``<N>``, except a standalone 100-599 not followed by a unit, which is
an HTTP status and stays (a 500 must not fold into the 200s). Lines with the same mask, between
two kept error blocks, become one line at the place of the first, ``[x37] GET /api/v1/items 200
in <N> ms``; a mask seen once keeps its original line. Folding stops at every error block, so the
output still says what happened before and after each error.

Kept verbatim: lines naming an error or warning (``ERROR``, ``WARN``, ``WARNING``, ``FATAL``,
``CRITICAL``, ``SEVERE``, ``level=error``, ``Traceback``, ``panic``, ``error``, class names ending
in ``Error`` or ``Exception``) and the trace after one: the lines that follow it and are
indented or look like a trace (``Traceback``, ``Caused by:``, ``goroutine 1 [running]:``, call
frames such as ``main.main()``), up to the first other line. Blank lines stay as they are.

Example:
    >>> log = "\\n".join(f"10:00:{s:02d} GET /items 200 in {s + 3} ms" for s in range(5))
    >>> out, report = collapse_logs(log + "\\n10:00:09 ERROR db down\\n10:00:10 GET /items 200 in 4 ms")
    >>> print(out)
    [x5] <TS> GET /items 200 in <N> ms
    10:00:09 ERROR db down
    10:00:10 GET /items 200 in 4 ms
    >>> report.items_dropped
    4
"""

from __future__ import annotations

import re
import time

from ..errors import ConfigError
from .code import split_lines
from .report import StepReport, make_report

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_MASKS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
                rf"|\d{{1,2}}/{_MONTH}/\d{{4}}:\d{{2}}:\d{{2}}:\d{{2}}(?: [+-]\d{{4}})?"
                rf"|\b{_MONTH} +\d{{1,2}} \d{{2}}:\d{{2}}:\d{{2}}|\b\d{{1,2}}:\d{{2}}:\d{{2}}(?:[.,]\d+)?"), "<TS>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<UUID>"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<IP>"),
    (re.compile(r"\b0[xX][0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{6,}\b"), "<HEX>"),
    (re.compile(r"(?<![\w.])(?![1-5]\d\d(?![\w.])(?!\s*(?:ms|s|us|µs|ns|sec|secs|seconds|[kKMG]?B|%)\b))"
                r"\d+(?:\.\d+)?"), "<N>"),
)
_ALERT = re.compile(r"\b(?:ERROR|ERR|WARN|WARNING|FATAL|CRITICAL|CRIT|SEVERE|ALERT|EMERG|PANIC|Traceback|panic|error)\b"
                    r"|level=(?:error|warn|warning|fatal|critical)\b|\b\w*(?:Error|Exception)\b")
_ENTRY = re.compile(rf"^\s*(?:\[x\d+\] |\[?\d{{4}}-\d{{2}}-\d{{2}}|\[?\d{{1,2}}:\d{{2}}:\d{{2}}|\[?{_MONTH} +\d"
                    rf"|\[?\d{{1,2}}/{_MONTH}/"
                    r"|\d{1,3}(?:\.\d{1,3}){3}\s|\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL)\b"
                    r"|[IWEF]\d{4}\s|(?:level|ts|time)=|\{\"(?:time|ts|timestamp|level)\")")
_TRACE = re.compile(r"^(?:\s|Traceback|Caused by|During handling|The above exception|goroutine \d+|panic:"
                    r"|\.\.\. \d+ more|[\w.$/*()]+\(.*\)\s*$|\w[\w.$]*(?:Error|Exception)\b)")


def mask_line(line: str) -> str:
    """``line`` with its variable parts masked (see the module docstring).

    Example:
        >>> mask_line("2026-03-14T10:00:01Z GET /a 404 in 12 ms id=9f8e7d6c5b4a")
        '<TS> GET /a 404 in <N> ms id=<HEX>'
    """
    for pattern, placeholder in _MASKS:
        line = pattern.sub(placeholder, line)
    return line


def is_log_like(text: str, min_lines: int = 5, share: float = 0.6) -> bool:
    """True when ``text`` has at least ``min_lines`` non-blank lines and at least ``share`` of
    them start like a log entry (a timestamp, a level such as ``INFO``, ``level=``/``ts=``, ...).

    Example:
        >>> is_log_like("\\n".join(f"2026-03-14 10:00:0{i} INFO tick" for i in range(6)))
        True
        >>> is_log_like("Dear team,\\nthe report is attached.\\nBest,\\nAnn\\nCEO")
        False
    """
    if not isinstance(min_lines, int) or min_lines < 1:
        raise ConfigError(f"min_lines={min_lines!r} must be an integer >= 1")
    if not isinstance(share, (int, float)) or not 0 < share <= 1:
        raise ConfigError(f"share={share!r} must be a number in (0, 1]")
    lines = [line for line in text.split("\n") if line.strip()]
    return len(lines) >= min_lines and sum(bool(_ENTRY.match(line)) for line in lines) >= share * len(lines)


def alert_lines(text: str, max_chars: int = 400) -> list[tuple[int, int]]:
    """Character spans of the lines of ``text`` that name an error or warning (the lines
    ``collapse_logs`` keeps verbatim, without their traces), line breaks excluded; lines longer
    than ``max_chars`` are left out, so that a long one is pruned by words, not kept or lost whole.

    Example:
        >>> text = "10:00:01 INFO ok\\n10:00:02 ERROR db: pool exhausted\\n"
        >>> [text[s:e] for s, e in alert_lines(text)]
        ['10:00:02 ERROR db: pool exhausted']
    """
    spans, start = [], 0
    for line in split_lines(text):
        body = line.rstrip("\r\n")
        lead = len(body) - len(body.lstrip())
        if body.strip() and len(body) <= max_chars and _ALERT.search(body):
            spans.append((start + lead, start + len(body.rstrip())))
        start += len(line)
    return spans


def _kept_verbatim(lines: list[str]) -> list[bool]:
    """Error and warning lines and the trace lines after each (indented lines, ``Caused by:``,
    ``goroutine 1 [running]:``, call frames); blank lines do not end a trace."""
    keep, inside = [], False
    for line in lines:
        if _ALERT.search(line):
            inside = True
        elif line.strip() and (_ENTRY.match(line) or not _TRACE.match(line)):
            inside = False
        keep.append(inside and bool(line.strip()))
    return keep


def _groups(lines: list[str], keep: list[bool]) -> list[tuple[int, str] | None]:
    """Per line: (segment, mask) for a foldable line, None for a verbatim or blank one."""
    out, segment = [], 0
    for line, verbatim in zip(lines, keep):
        segment += verbatim
        out.append(None if verbatim or not line.strip() else (segment, mask_line(line.rstrip("\r\n"))))
    return out


def _fold_lines(lines: list[str], min_repeats: int) -> list[str]:
    groups = _groups(lines, _kept_verbatim(lines))
    counts: dict[tuple[int, str], int] = {}
    for group in groups:
        if group is not None:
            counts[group] = counts.get(group, 0) + 1
    out, done = [], set()
    for line, group in zip(lines, groups):
        if group is None or counts[group] < min_repeats:
            out.append(line)
        elif group not in done:
            done.add(group)
            out.append(f"[x{counts[group]}] {group[1]}{line[len(line.rstrip(chr(13) + chr(10))):]}")
    return out


def collapse_logs(text: str, *, min_repeats: int = 2) -> tuple[str, StepReport]:
    """``text`` with repeated (masked) lines folded into counted lines, errors and warnings and
    their tracebacks verbatim; the report's ``items_dropped`` counts the lines folded away.
    ``min_repeats``: how many lines with one mask make a counted line.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if not isinstance(min_repeats, int) or min_repeats < 2:
        raise ConfigError(f"min_repeats={min_repeats!r} must be an integer >= 2")
    started = time.perf_counter()
    lines = split_lines(text)
    out = _fold_lines(lines, min_repeats)
    result = "".join(out)
    if not text.endswith("\n") and result.endswith("\n"):  # the last line was folded into an earlier one
        result = result[:-2] if result.endswith("\r\n") else result[:-1]
    return result, make_report("logs", len(text), len(result), len(lines) - len(out), started)
