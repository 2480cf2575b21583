"""Replace repeated content by a short back-reference the target LLM can follow.

Two levels, both across a list of texts (documents, chat messages) and within each text:

- a whole text that repeats an earlier one (a file pasted twice, a tool result fetched again)
  becomes ``[same as message 3 above]``;
- a block (a paragraph: lines between blank lines, quote markers ``>`` ignored; a fenced code
  block is one block) that repeats an earlier block becomes ``[same as "first words..." in
  message 3 above]``; consecutive repeated blocks whose originals are consecutive too become one
  reference (``[same as the 8 paragraphs from "..." to "..." in message 1 above]``), and so do
  consecutive copies of one block (``[same as "..." above, 3 times]``). A text that
  parses as a JSON object or array is never cut into blocks: it stays whole, or becomes a
  whole-text reference.

Matching is on normalized text (quote markers removed, whitespace collapsed, blank lines
dropped). A unit of several lines also matches a *near* duplicate: MinHash Jaccard similarity of
5-word shingles at least ``threshold`` (default 0.8, see ``minhash``); its reference then ends
``, except for these lines:`` followed by the lines the copy has that the original lacks, and is used only when
those lines are at most half the copy. Units shorter than ``min_chars`` characters are left alone
(short replies such as "Thanks, that works!" are content, not repetition), and a reference is
used only when it is shorter than what it replaces.

Which copy stays (``keep``): ``"first"`` keeps the earliest and replaces later copies (references
say ``above``); ``"last"`` keeps the most recent and replaces earlier ones (``below``), which puts
repeated tool results nearest the question. ``keep="first"`` decides text ``i`` from
``texts[:i + 1]`` alone, so earlier outputs never change as texts are appended; ``stable=True``
requires it. Every replaced unit points at a unit that is kept, so the only copy is never
dropped: each non-blank line of the input still appears (normalized) in some output text.

Example:
    >>> notes = "Deploy checklist: run the migrations, then restart the workers, then warm the cache."
    >>> out, report = dedup_texts(["Intro.", notes, "Again:\\n\\n" + notes], label="document")
    >>> out[2]
    'Again:\\n\\n[same as "Deploy checklist: run the migrations, then..." in document 2 above]'
    >>> report.items_dropped
    1
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from typing import Hashable, Sequence

from ..errors import ConfigError
from .code import fenced_spans, split_lines
from .minhash import LSHIndex, signature
from .report import StepReport, make_report

KEEP = ("first", "last")
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+")
_SPACE = re.compile(r"\s+")
SNIPPET_WORDS = 6


def normalize_lines(text: str) -> list[str]:
    """Non-blank lines of ``text`` with quote markers removed and whitespace collapsed.

    Example:
        >>> normalize_lines("> Hello   there\\n>\\n  world ")
        ['Hello there', 'world']
    """
    lines = (_SPACE.sub(" ", _QUOTE.sub("", line)).strip() for line in text.split("\n"))
    return [line for line in lines if line]


def block_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the blocks of ``text``: paragraphs (their final newline excluded) and
    whole fenced code blocks.

    Example:
        >>> text = "a\\nb\\n\\n> c\\n>\\n> d"
        >>> [text[s:e] for s, e in block_spans(text)]
        ['a\\nb', '> c', '> d']
    """
    fences = fenced_spans(text)
    spans: list[tuple[int, int]] = []
    pos, cur, f = 0, None, 0
    for line in split_lines(text):
        start, end = pos, pos + len(line.rstrip("\r\n"))
        pos += len(line)
        while f < len(fences) and fences[f][1] <= start:
            f += 1
        fence = fences[f] if f < len(fences) and fences[f][0] <= start else None
        if fence is not None or not normalize_lines(line):
            if cur is not None:
                spans.append(cur)
                cur = None
            if fence is not None and (not spans or spans[-1] != fence):
                spans.append(fence)
            continue
        cur = (cur[0], end) if cur is not None else (start, end)
    return spans + ([cur] if cur is not None else [])


class _Finder:
    """Kept units by normalized text, and by MinHash for units of two lines or more."""

    def __init__(self, threshold: float):
        self.threshold = threshold
        self.exact: dict[str, Hashable] = {}
        self.lines: dict[Hashable, list[str]] = {}
        self.lsh = LSHIndex()

    def match(self, norm: list[str]) -> tuple[Hashable, list[str]] | None:
        """The kept unit ``norm`` repeats, and the lines it adds to that unit (empty if exact)."""
        key = "\n".join(norm)
        if key in self.exact:
            return self.exact[key], []
        if len(norm) < 2:
            return None
        hit = self.lsh.best(signature(key), self.threshold)
        if hit is None:
            return None
        have = set(self.lines[hit[0]])
        return hit[0], [line for line in norm if line not in have]

    def add(self, ref: Hashable, norm: list[str]) -> None:
        key = "\n".join(norm)
        self.exact.setdefault(key, ref)
        self.lines[ref] = norm
        if len(norm) >= 2:
            self.lsh.add(ref, signature(key))


def _snippet(line: str, tail: bool = False) -> str:
    words = line.split(" ")
    if tail:
        return ("..." if len(words) > SNIPPET_WORDS else "") + " ".join(words[-SNIPPET_WORDS:])
    return " ".join(words[:SNIPPET_WORDS]) + ("..." if len(words) > SNIPPET_WORDS else "")


def _with_extra(reference: str, extra: list[str]) -> str:
    return reference if not extra else reference[:-1] + ", except for these lines:]\n" + "\n".join(extra)


@dataclasses.dataclass(frozen=True)
class _Options:
    where: str
    names: tuple[str, ...]
    min_chars: int
    blocks: bool
    reverse: bool


def _worth(new: str, old: str, extra: list[str]) -> bool:
    return len(new) < len(old) and sum(len(line) for line in extra) <= len(old) / 2


def _block_reference(i: int, refs: list, extra: list[str], finder: _Finder, opts: _Options) -> str:
    j = refs[0][0]
    place = "" if j == i else f" in {opts.names[j]}"
    head = _snippet(" ".join(finder.lines[refs[0]][:SNIPPET_WORDS]))
    if len(refs) == 1:
        return _with_extra(f'[same as "{head}"{place} {opts.where}]', extra)
    if refs[1] == refs[0]:
        return f'[same as "{head}"{place} {opts.where}, {len(refs)} times]'
    tail = _snippet(" ".join(finder.lines[refs[-1]][-SNIPPET_WORDS:]), tail=True)
    return f'[same as the {len(refs)} paragraphs from "{head}" to "{tail}"{place} {opts.where}]'


def _run(hits: dict, b: int) -> list[int]:
    """Block ``b`` and the exact repeats right after it whose originals follow each other too, or
    that all repeat the same original."""
    run, step = [b], None
    while not hits[run[-1]][1] and run[-1] + 1 in hits and not hits[run[-1] + 1][1]:
        (j, k), (j2, k2) = hits[run[-1]][0], hits[run[-1] + 1][0]
        if j2 != j or k2 - k not in ((0, 1) if step is None else (step,)):
            break
        step = k2 - k
        run.append(run[-1] + 1)
    return run


def _render_blocks(i: int, text: str, spans: list, hits: dict, finder: _Finder, opts: _Options) -> tuple[str, int]:
    parts, pos, dropped, b = [], 0, 0, 0
    while b < len(spans):
        if b not in hits:
            b += 1
            continue
        run = _run(hits, b)
        start, end = spans[run[0]][0], spans[run[-1]][1]
        quote = _QUOTE.match(text[start:end])
        new = (quote.group(0) if quote else "") + _block_reference(
            i, [hits[k][0] for k in run], hits[b][1], finder, opts)
        if _worth(new, text[start:end], hits[b][1]):
            parts += [text[pos:start], new]
            pos, dropped = end, dropped + len(run)
        b = run[-1] + 1
    return "".join(parts) + text[pos:], dropped


def _dedup_blocks(i: int, text: str, finder: _Finder, opts: _Options) -> tuple[str, int]:
    spans = block_spans(text)
    hits: dict[int, tuple[Hashable, list[str]]] = {}
    for b in (reversed(range(len(spans))) if opts.reverse else range(len(spans))):
        chunk = text[spans[b][0]:spans[b][1]]
        if len(chunk.strip()) < opts.min_chars:
            continue
        norm = normalize_lines(chunk)
        hit = finder.match(norm)
        if hit is None:
            finder.add((i, b), norm)
        else:
            hits[b] = hit
    return _render_blocks(i, text, spans, hits, finder, opts)


def _dedup_one(i: int, text: str, whole: _Finder, blocks: _Finder, opts: _Options) -> tuple[str, int]:
    """Text ``i``'s output and how many units were replaced in it."""
    if len(text.strip()) >= opts.min_chars:
        norm = normalize_lines(text)
        hit = whole.match(norm)
        if hit is not None:
            new = _with_extra(f"[same as {opts.names[hit[0]]} {opts.where}]", hit[1])
            if _worth(new, text, hit[1]):
                return new, 1
        whole.add(i, norm)
    return _dedup_blocks(i, text, blocks, opts) if opts.blocks and not _is_json(text) else (text, 0)


def _is_json(text: str) -> bool:
    """A text that parses as a JSON object or array: its blocks are not replaced, so it stays JSON."""
    if text.lstrip()[:1] not in ("{", "["):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _check(texts, keep, stable, threshold, min_chars, label, names) -> tuple[str, ...]:
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise TypeError(f"texts must be a list of str, got {type(texts).__name__}")
    if keep not in KEEP:
        raise ConfigError(f"keep={keep!r} is not valid: choose from {KEEP}")
    if stable and keep != "first":
        raise ConfigError(f"stable=True keeps earlier texts unchanged, so it needs keep='first', not keep={keep!r}")
    if not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise ConfigError(f"threshold={threshold!r} must be a number in (0, 1]")
    if not isinstance(min_chars, int) or min_chars < 1:
        raise ConfigError(f"min_chars={min_chars!r} must be an integer >= 1")
    names = tuple(f"{label} {k + 1}" for k in range(len(texts))) if names is None else tuple(names)
    if len(names) != len(texts):
        raise ConfigError(f"names has {len(names)} entries for {len(texts)} texts: give one name per text")
    return names


def dedup_texts(texts: Sequence[str], *, keep: str = "first", stable: bool = False, blocks: bool = True,
                threshold: float = 0.8, min_chars: int = 64, label: str = "message",
                names: Sequence[str] | None = None) -> tuple[list[str], StepReport]:
    """The texts with repeats replaced by references (see the module docstring), and a report
    whose ``items_dropped`` counts the texts and blocks replaced.

    ``blocks``: also replace repeated paragraphs (else whole texts only). ``label``: what the
    references call a text (``"message 3"``, ``"document 2"``; numbered from 1); ``names``: one
    name per text instead.
    """
    started = time.perf_counter()
    texts = list(texts) if not isinstance(texts, str) else texts
    names = _check(texts, keep, stable, threshold, min_chars, label, names)
    opts = _Options("above" if keep == "first" else "below", names, min_chars, blocks, keep == "last")
    whole, parts = _Finder(threshold), _Finder(threshold)
    out, dropped = list(texts), 0
    for i in (range(len(texts)) if keep == "first" else reversed(range(len(texts)))):
        out[i], replaced = _dedup_one(i, texts[i], whole, parts, opts)
        dropped += replaced
    return out, make_report("dedup", sum(map(len, texts)), sum(map(len, out)), dropped, started)


def dedup_text(text: str, **options) -> tuple[str, StepReport]:
    """Repeated blocks within one text replaced by references (``dedup_texts`` on ``[text]``).

    Example:
        >>> sig = "--\\nJane Doe, Head of Operations, ACME Corp, 1 Main Street, Springfield"
        >>> dedup_text(f"Hi Bob,\\n\\n{sig}\\n\\nAnd also:\\n\\n{sig}")[0].endswith(
        ...     'And also:\\n\\n[same as "-- Jane Doe, Head of Operations,..." above]')
        True
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    out, report = dedup_texts([text], **options)
    return out[0], report
