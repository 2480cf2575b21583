"""Entities and who-does-what clauses, so a compressed text never states a different relation.

Dropping words one by one can turn "Dana owns the idempotency fix, Marcus owns the alerting" into
"Dana owns alerting": every kept word is from the original, the fact is not. Two protectors:

- ``entities``: the names the text itself uses: speaker labels (``Priya:``), ``@handles``, and
  capitalised words it repeats at least once away from the start of a sentence (people, teams,
  products). Every occurrence of such a name is kept.
- ``commitments``: a clause in which a named owner (an entity, or "I" / "we" of the speaker)
  takes something on ("Dana owns the idempotency fix", "@sam-ops will review the runbook by
  April 2", "I'll send the report") is one protected span, kept whole: subject, verb and object
  travel together, so an action item keeps its owner and its object or goes away entirely (only
  when protected text alone overflows the budget and ``on_overflow="drop"``).

Example:
    >>> text = "Priya: Dana owns the fix, Marcus owns the alerts.\\nMarcus: Fine, Dana."
    >>> sorted(entity_names(text))
    ['Dana', 'Marcus', 'Priya']
    >>> [text[s:e] for s, e in commitment_spans(text)]
    ['Dana owns the fix', 'Marcus owns the alerts']
"""

from __future__ import annotations

import collections
import functools
import re
from typing import Iterator

import regex

from .lines import line_matches

Span = tuple[int, int]

_LABEL_NAME = regex.compile(r"(?m)^[ \t]*(?:\[[^\]\n]{1,40}\][ \t]*)?(\p{Lu}[\p{L}\-]{1,30})(?=:[ \t])")
_HANDLE = regex.compile(r"(?<![\w@])@[A-Za-z0-9][\w.\-]*[A-Za-z0-9]")
_CAPITALISED = regex.compile(r"(?<![\p{L}\p{N}_@.\-])\p{Lu}\p{Ll}+(?:\p{Lu}\p{Ll}+)?(?![\p{L}\p{N}_\-])")
# Searched backwards ((?r)): every alternative ends at the end of the text searched, so a reverse
# search decides at once instead of trying every start position (the same answer, 3x faster).
_SENTENCE_START = regex.compile(r"(?r)(?:^|[.!?:;\"“(]\s*|\n\s*|^\s*\[[^\]]*\]\s*)$")
_NOT_NAMES = frozenset(
    "I A An The This That These Those It Its We Our You Your He She They Them Their His Her And But Or "
    "So If Then When While Yes No Not Okay Ok Hi Hello Thanks Thank Great Good Sure Right Well Just "
    "Also Almost Last Next One Two Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split())
_VERBS = (r"(?:owns?|will|'ll|shall|takes?|took|handles?|leads?|drives?|is\s+on|is\s+taking|is\s+handling|"
          r"is\s+responsible\s+for|(?:needs?|has|have)\s+to|should|must|is\s+going\s+to|are\s+going\s+to|"
          r"follows?\s+up|reviews?|sends?|fix(?:es)?|ships?|picks?\s+up|is\s+assigned|gets?)")
# A capitalised word the text does not otherwise use as a name ("Congress will ...") is an owner
# only with a verb of ownership, not with any "will" or "should".
_STRONG = regex.compile(r"\s*(?:owns?|takes?\s+on|handles?|leads?|is\s+on|is\s+responsible\s+for|is\s+assigned|"
                        r"follows?\s+up|picks?\s+up)\b")
# Anchors for the owner search: every place a verb could start, found by the standard library's
# engine (4x faster on this alternation). A verb starts a word ("Dana owns", "I'll"; not the
# "owns" of "Browns"); without the final word boundary, and with its wider whitespace, this finds
# a superset of the verbs the owner pattern accepts; extra anchors only widen the search.
_VERB_AT = re.compile(rf"\b{_VERBS}|'ll")
# Owners and names without a pattern built from the names (see ``_owners``, ``entity_spans``).
_NAME_CHAR = regex.compile(r"[\p{L}\p{N}_@\-]")  # a name or owner never starts right after one
_NAME_AFTER = regex.compile(r"[\p{L}\p{N}_\-]")  # ... nor ends right before one
_OWNER_START = regex.compile(r"(?<![\p{L}\p{N}_@\-])[^\s']")
_OWNER_STOP = regex.compile(r"[\s']")
_CAPITAL_WORD = regex.compile(r"\p{Lu}\p{Ll}+")
_VERB_AHEAD = regex.compile(rf"(?:\s+\p{{Ll}}+)?(?:\s+|(?=')){_VERBS}\b")
_CLAUSE_END = regex.compile(r",(?!\s?\d)|[;!?\n]|\.(?!\d)|\s(?:and|but)\s(?=@|\p{Lu})")


def entity_names(text: str) -> frozenset[str]:
    """Names the text uses (see ``_entity_names``); the last few texts' are remembered, since the
    entity protector and the commitment linker both ask."""
    return _entity_names(text)


@functools.lru_cache(maxsize=8)
def _entity_names(text: str) -> frozenset[str]:
    """Names the text uses: speaker-label names, @handles and repeated capitalised words that
    occur at least once away from a sentence start (not common sentence openers)."""
    names = {m.group(1) for m in line_matches(_LABEL_NAME, text)} - _NOT_NAMES
    names |= {m.group() for m in _HANDLE.finditer(text)}
    found = _capitalised(text)
    seen = collections.Counter(word for word, _ in found)
    repeated = {w for w, n in seen.items() if n >= 2} - _NOT_NAMES
    inside: set[str] = set()  # only repeated words need the (slower) sentence-start test
    for word, start in found:
        if word in repeated and word not in inside and not _SENTENCE_START.search(text[max(0, start - 40):start]):
            inside.add(word)
    return frozenset(names | inside)


@functools.lru_cache(maxsize=8)
def _capitalised(text: str) -> list[tuple[str, int]]:
    """(word, start) of each capitalised word (``_CAPITALISED``)."""
    return [(m.group(), m.start()) for m in _CAPITALISED.finditer(text)]


def entity_spans(text: str) -> list[Span]:
    """Every occurrence of every name from ``entity_names``: not inside a longer word, the
    longest name first where two start at one place, never overlapping (a scan with the names as
    one pattern finds the same, but building that pattern for a new text's names took 1.2 ms).
    A name shaped as a capitalised word occurs where ``_CAPITALISED`` found it, or after a full
    stop (which that pattern does not start after); other names are searched for."""
    names = entity_names(text)
    found = [(at, -len(word)) for word, at in _capitalised(text) if word in names]
    for name in names:
        shaped = _CAPITALISED.fullmatch(name) is not None
        at = text.find("." + name) + 1 if shaped else text.find(name)
        while (at > 0) if shaped else (at >= 0):
            end = at + len(name)
            if (at == 0 or not _NAME_CHAR.match(text, at - 1)) and not _NAME_AFTER.match(text, end):
                found.append((at, -len(name)))
            at = text.find("." + name, at) + 1 if shaped else text.find(name, at + 1)
    spans, covered = [], 0
    for at, neg in sorted(found):
        if at >= covered:
            spans.append((at, at - neg))
            covered = at - neg
    return spans


def commitment_spans(text: str) -> list[Span]:
    """Clauses in which an owner (a name from ``entity_names``, "I" or "we", or any other
    capitalised name with a verb of ownership such as "owns") takes something on, from the owner to the end of the clause (a comma, semicolon,
    sentence end, line end, or "and" before another name). Only the few words before each verb
    are searched for an owner (an owner is at most one lowercase word away from its verb)."""
    names = entity_names(text)
    found: dict[int, Span] = {}
    for verb in _VERB_AT.finditer(text):
        for start, end, word in _owners(text, _runs_back(text, verb.start(), 4), _runs_ahead(text, verb.start(), 4),
                                        names):
            if start in found:
                continue
            if word in _NOT_NAMES and word not in ("I", "We"):
                continue
            if word not in names and word not in ("I", "We", "we") and not _STRONG.match(text, end):
                continue
            clause = _CLAUSE_END.search(text, end + 1)
            stop = clause.start() if clause else len(text)
            if text[end:stop].strip():
                found[start] = (start, stop)
    return [found[k] for k in sorted(found)]


def _owners(text: str, start: int, stop: int, names: frozenset[str]) -> Iterator[tuple[int, int, str]]:
    """(start, end, word) of each owner in ``text[start:stop]``, left to right, not overlapping: a
    word not inside a longer one (``_NAME_CHAR`` before it) that is a name, a capitalised word,
    "I" or "we", followed by its verb (at most one lowercase word between). An owner never holds
    whitespace or an apostrophe, so it is the whole stretch up to the first of them: a set lookup,
    not a pattern built from the text's names."""
    pos = start
    while pos < stop:
        m = _OWNER_START.search(text, pos, stop)
        if m is None:
            return
        at = m.start()
        stop_at = _OWNER_STOP.search(text, at, stop)
        end = stop_at.start() if stop_at else stop
        word = text[at:end]
        if ((word in names or word in ("I", "We", "we") or _CAPITAL_WORD.fullmatch(word))
                and _VERB_AHEAD.match(text, end, stop)):
            yield at, end, word
            pos = end
        else:
            pos = at + 1


def _runs_ahead(text: str, at: int, runs: int) -> int:
    """The end of the ``runs``-th whitespace-separated run of text from position ``at`` on (the
    longest verb is three words: a search that stops there still sees what follows each verb)."""
    i, n = at, len(text)
    for _ in range(runs):
        while i < n and text[i].isspace():
            i += 1
        while i < n and not text[i].isspace():
            i += 1
    return i


def _runs_back(text: str, at: int, runs: int) -> int:
    """The start of the ``runs``-th whitespace-separated run of text before position ``at``."""
    i = at
    for _ in range(runs):
        while i > 0 and text[i - 1].isspace():
            i -= 1
        while i > 0 and not text[i - 1].isspace():
            i -= 1
    return i
