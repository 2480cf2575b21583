"""The structure steps as a front end runs them before scoring, over a list of texts (the text
parts of a conversation, the documents of a prompt), with what each step removed, in tokens.

Steps, in this order (``STEPS``; each can be left out):

- ``dedup``: texts and paragraphs repeated across the list become back-references
  (``dedup_texts``, ``keep="first"``; with ``stable=True`` a text's output depends only on the
  texts before it, so earlier outputs stay byte-identical as texts are appended);
- ``noise``: blank-line runs, decorative rules, trailing spaces, page headers (``strip_noise``);
- ``json``: JSON in a text is shrunk by structure (``shrink_json_text``: long arrays keep their
  first, last, schema-covering, outlier and ``keep_terms`` items) and stays valid JSON;
- ``logs``: a text that reads as a log has its repeated lines folded (``collapse_logs``).

Only texts marked ``active`` change; the others (verbatim system prompts, the last user message)
still count as earlier texts for ``dedup``. ``whole_spans`` then names what the engine must keep
or drop whole: JSON values and unfenced or indented code blocks; ``alert_spans`` names a log's
error and warning lines, which the engine keeps or drops whole at a higher priority.

Example:
    >>> out, stats = run_steps(["same words here " * 6, "same words here " * 6], [True, True],
    ...                        ("dedup",), count=lambda t: len(t.split()))
    >>> out[1], stats[0].tokens_removed
    ('[same as text 1 above]', 13)
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from typing import Any, Callable, Iterable, Sequence

from ..errors import ConfigError
from .code import find_code_blocks
from .dedup import dedup_texts
from .json_shrink import find_json_values, shrink_json_text
from .logs import alert_lines, collapse_logs, is_log_like
from .noise import strip_noise

_REFERENCE = re.compile(r"\[same as [^\n]*?(?:above|below)[^\]\n]*\]")  # dedup's back-references
STEPS = ("dedup", "noise", "json", "logs")
"""The structure steps a front end can run before scoring, in the order they run."""


@dataclasses.dataclass(frozen=True)
class StepStat:
    """What one step did over the whole input: tokens (budget tokenizer) and items it removed
    (duplicates replaced, noise lines, array items omitted, log lines folded) and its time."""

    step: str
    tokens_removed: int
    items_dropped: int
    seconds: float


def check_steps(steps: Iterable[str]) -> tuple[str, ...]:
    """``steps`` as a tuple of known step names, or a ``ConfigError`` naming the bad ones."""
    if isinstance(steps, str):
        raise ConfigError(f"steps must be a tuple of step names from {list(STEPS)}, got the str {steps!r}")
    steps = tuple(steps)
    bad = [s for s in steps if s not in STEPS]
    if bad:
        raise ConfigError(f"unknown structure step(s) {bad}; choose from {list(STEPS)}")
    return steps


def _per_text(texts: list[str], active: Sequence[bool], step: Callable) -> tuple[list[str], int]:
    """``step(index, text)`` on each active, non-blank text; (the texts, items dropped in all)."""
    out, dropped = list(texts), 0
    for i, text in enumerate(texts):
        if active[i] and text.strip():
            out[i], report = step(i, text)
            dropped += report.items_dropped
    return out, dropped


def _logs(text: str):
    if is_log_like(text):
        return collapse_logs(text)
    return text, _NO_REPORT


class _NoReport:
    items_dropped = 0


_NO_REPORT = _NoReport()


def _fit_json_text(text: str, target: int | None, count: Callable[[str], int], **options: Any) -> tuple[str, Any]:
    """``shrink_json_text`` with its default item count, or fewer items (5, 3, 2, 1) until the
    text fits ``target`` tokens (None: no target); when the items matching the keep terms alone
    are too many, the same without the terms. A JSON value that does not fit yields whole, so a
    tool result could otherwise vanish while the budget had room for a sample of it."""
    new, report = shrink_json_text(text, **options)
    if target is None or not ("{" in text or "[" in text):  # no JSON to fit: no count needed
        return new, report
    ladder = [dict(options, max_items=n) for n in (5, 3, 2, 1)]
    ladder += [dict(options, max_items=n, keep_terms=()) for n in (3, 2, 1)] if options.get("keep_terms") else []
    for opts in ladder:
        if count(new) <= target:
            break
        new, report = shrink_json_text(text, **opts)
    return new, report


def run_steps(texts: Sequence[str], active: Sequence[bool], steps: Sequence[str], count: Callable[[str], int], *,
              stable: bool = False, names: Sequence[str] | None = None, label: str = "text",
              keep_terms: Iterable[str] = (), shorten: Callable[[str, int], str] | None = None,
              json_targets: Sequence[int | None] | None = None) -> tuple[list[str], tuple[StepStat, ...]]:
    """The texts after ``steps`` (inactive ones unchanged) and one ``StepStat`` per step run.
    ``count``: the budget tokenizer's count; ``names``: what back-references call each text;
    ``shorten``: how the JSON step shortens long strings (default: cut with a marker; front ends
    pass their scorer, ``frontends.strings``); ``json_targets``: per text, the tokens its JSON
    should fit (arrays keep fewer items until it does), or None."""
    steps = check_steps(steps)
    terms = tuple(keep_terms)
    out, stats = list(texts), []
    for step in (s for s in STEPS if s in steps):
        started = time.perf_counter()
        before = sum(count(t) for t, a in zip(out, active) if a)
        if step == "dedup":
            new, report = dedup_texts(out, keep="first", stable=stable, label=label, names=names)
            new = [n if a else t for n, t, a in zip(new, out, active)]
            dropped = report.items_dropped if any(n != t for n, t in zip(new, out)) else 0
        elif step == "noise":
            new, dropped = _per_text(out, active, lambda i, t: strip_noise(t))
        elif step == "json":
            targets = list(json_targets) if json_targets is not None else [None] * len(out)
            new, dropped = _per_text(out, active, lambda i, t: _fit_json_text(t, targets[i], count, keep_terms=terms,
                                                                                 shorten=shorten))
        else:
            new, dropped = _per_text(out, active, lambda i, t: _logs(t))
        after = sum(count(t) for t, a in zip(new, active) if a)
        out = new
        stats.append(StepStat(step, before - after, dropped, time.perf_counter() - started))
    return out, tuple(stats)


def whole_spans(text: str, json_values: bool = True, code: bool = True) -> list[tuple[int, int]]:
    """Spans of ``text`` to keep or drop whole: the whole text when it is JSON, else the JSON
    values in it (``json_values``), its unfenced and indented code blocks (``code``; fenced
    blocks are the ``code_blocks`` protector's) and the back-references ``dedup`` wrote."""
    spans = [m.span() for m in _REFERENCE.finditer(text)]
    if json_values and text.strip()[:1] in ("{", "["):
        try:
            json.loads(text)
            return [(len(text) - len(text.lstrip()), len(text.rstrip()))]  # references are JSON strings
        except (ValueError, RecursionError):
            pass
    if json_values:
        spans += [(s, e) for s, e, _ in find_json_values(text, min_chars=20)]
    if code:
        spans += _disjoint(spans, [(b.start, b.end) for b in find_code_blocks(text, kinds=("indented", "unfenced"))])
    return sorted(spans)


def alert_spans(text: str) -> list[tuple[int, int]]:
    """In a text that reads as a log (folded by ``collapse_logs`` or not), each error or warning
    line (``logs.alert_lines``): a front end keeps or yields it whole, at the priority of names.
    Word pruning would keep the line's timestamp and drop what went wrong.

    >>> log = "\\n".join(f"2026-03-14 10:00:0{i} INFO tick" for i in range(6)) + "\\n2026-03-14 10:00:07 ERROR disk full"
    >>> [log[s:e] for s, e in alert_spans(log)], alert_spans("An error in prose is not a log line.")
    (['2026-03-14 10:00:07 ERROR disk full'], [])
    """
    return alert_lines(text) if is_log_like(text) else []


def engine_spans(text: str, protect: Sequence[str], steps: Sequence[str]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """What a front end hands the engine after ``steps`` ran on ``text``: the spans to keep or
    drop whole (``whole_spans``, as far as ``protect`` has ``json`` and ``code_blocks``) and a
    log's error lines (``alert_spans``, when the ``logs`` step is on)."""
    if not steps:
        return [], []
    return (whole_spans(text, "json" in protect, "code_blocks" in protect),
            alert_spans(text) if "logs" in steps else [])


def _disjoint(taken: list[tuple[int, int]], new: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans of ``new`` that overlap none of ``taken``."""
    return [(s, e) for s, e in new if not any(a < e and s < b for a, b in taken)]


def query_terms(text: str, force: Iterable = ()) -> tuple[str, ...]:
    """Words of ``text`` (at least 3 characters) and the plain-string ``force`` items: the
    ``keep_terms`` the JSON step keeps array items for."""
    words = {w.strip(".,;:!?()[]{}\"'`").lower() for w in text.split()}
    return tuple(sorted(w for w in words if len(w) >= 3)) + tuple(f for f in force if isinstance(f, str))
