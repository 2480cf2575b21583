"""Shrink JSON tool outputs by structure; the result is always valid JSON of the same shape.

Every array longer than ``max_items`` keeps the items ``json_select.choose_items`` picks (first
and last, items covering every key path, items naming a ``keep_terms`` word, outliers, then evenly
spaced ones), in their original order, followed by one string, ``"... 93 of 100 items omitted"``:
a trailing string keeps the array valid JSON wherever it is (top level or nested), adds no key
path, and is read naturally by an LLM (an array whose omitted items would be shorter than that
string stays whole). Strings longer than ``max_string`` characters go through ``shorten(s,
max_string)`` (the front end passes its scorer), by default a cut at a grapheme boundary with a
marker (``"...[+1234 chars]"``). Keys, numbers, booleans and nulls are never changed, and every key path
of the input (``json_select.key_paths``) is still in the output.

Example:
    >>> rows = [{"id": i, "status": "ok"} for i in range(30)]
    >>> rows[7]["status"] = "failed"
    >>> out, report = shrink_json(rows, max_items=3)
    >>> out
    [{'id': 0, 'status': 'ok'}, {'id': 7, 'status': 'failed'}, {'id': 29, 'status': 'ok'}, '... 27 of 30 items omitted']
    >>> report.items_dropped
    27
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from typing import Any, Callable, Iterable

import regex

from ..errors import ConfigError
from .json_select import choose_items
from .report import StepReport, make_report

MARKER = "... {omitted} of {total} items omitted"
Shorten = Callable[[str, int], str]


def truncate(text: str, max_chars: int) -> str:
    """The default ``shorten``: at most ``max_chars`` characters, cut between graphemes (never
    inside an emoji sequence or before a combining mark), and a marker of what was cut.

    Example:
        >>> truncate("abcdefghij", 4)
        'abcd...[+6 chars]'
    """
    if len(text) <= max_chars:
        return text
    cut = 0
    for m in regex.finditer(r"\X", text[:max_chars + 16]):
        if m.end() > max_chars:
            break
        cut = m.end()
    return f"{text[:cut]}...[+{len(text) - cut} chars]"


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON text of ``value``: compact (``","`` and ``":"``, no spaces) unless ``indent`` is given;
    non-ASCII characters stay as they are."""
    if indent is None:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(value, ensure_ascii=False, indent=indent)


@dataclasses.dataclass(frozen=True)
class _Options:
    max_items: int
    terms: tuple[str, ...]
    max_string: int | None
    shorten: Shorten
    marker: str


def _worth_dropping(items: list, keep: list[int], marker: str) -> list[int]:
    """``keep``, or every index when the omitted items are shorter than the marker that names them."""
    if len(keep) == len(items):
        return keep
    kept = set(keep)
    omitted = dumps([item for i, item in enumerate(items) if i not in kept])
    return keep if len(omitted) > len(marker.format(omitted=len(items) - len(keep), total=len(items))) + 2 \
        else list(range(len(items)))


def _shrink(value: Any, opts: _Options, dropped: list[int]) -> Any:
    if isinstance(value, dict):
        return {key: _shrink(child, opts, dropped) for key, child in value.items()}
    if isinstance(value, list):
        keep = _worth_dropping(value, choose_items(value, opts.max_items, opts.terms), opts.marker)
        out = [_shrink(value[i], opts, dropped) for i in keep]
        if len(keep) < len(value):
            dropped[0] += len(value) - len(keep)
            out.append(opts.marker.format(omitted=len(value) - len(keep), total=len(value)))
        return out
    if isinstance(value, str) and opts.max_string is not None and len(value) > opts.max_string:
        short = opts.shorten(value, opts.max_string)
        if not isinstance(short, str):
            raise TypeError(f"shorten returned {type(short).__name__}, not str, for a string of {len(value)} chars")
        return short if len(short) < len(value) else value
    return value


def _options(max_items: Any, keep_terms: Any, max_string: Any, shorten: Any, marker: Any) -> _Options:
    if not isinstance(max_items, int) or isinstance(max_items, bool) or max_items < 1:
        raise ConfigError(f"max_items={max_items!r} must be an integer >= 1")
    if max_string is not None and (not isinstance(max_string, int) or max_string < 1):
        raise ConfigError(f"max_string={max_string!r} must be None or an integer >= 1")
    if isinstance(keep_terms, str) or not all(isinstance(t, str) for t in keep_terms):
        raise ConfigError(f"keep_terms={keep_terms!r} must be a list of strings")
    if shorten is not None and not callable(shorten):
        raise ConfigError(f"shorten={shorten!r} must be None or a callable (text, max_chars) -> str")
    if not isinstance(marker, str) or "{omitted}" not in marker:
        raise ConfigError(f"marker={marker!r} must be a str containing '{{omitted}}' (and may use '{{total}}')")
    return _Options(max_items, tuple(keep_terms), max_string, shorten or truncate, marker)


def shrink_json(value: Any, *, max_items: int = 10, keep_terms: Iterable[str] = (), max_string: int | None = 400,
                shorten: Shorten | None = None, marker: str = MARKER) -> tuple[Any, StepReport]:
    """A smaller copy of the parsed JSON ``value`` (see the module docstring) and a report:
    ``items_dropped`` counts the array items omitted, characters are those of compact JSON text.

    ``max_items``: items kept per array, exceeded only when the first, last, schema-covering and
    keep-term items alone are more. ``keep_terms``: words of the user's question or forced
    strings. ``max_string``: longest string left as is (None: never shorten).
    """
    started = time.perf_counter()
    opts = _options(max_items, keep_terms, max_string, shorten, marker)
    dropped = [0]
    out = _shrink(value, opts, dropped)
    return out, make_report("json", len(dumps(value)), len(dumps(out)), dropped[0], started)


_START = re.compile(r"(?m)(?:^[ \t]*|[:=][ \t]*)(\{(?=\s*[\"}])|\[(?=\s*[\[{\"\-\d\]tfn]))")
FIRST_WINDOW = 4096


def _decode_at(decoder: json.JSONDecoder, text: str, start: int) -> tuple[Any, int] | None:
    """The JSON value starting at ``start`` and its end, or None. Decodes growing windows of the
    text: a parse error costs time in proportion to the window, not to the text before it."""
    window = FIRST_WINDOW
    while True:
        chunk = text[start:start + window]
        try:
            value, end = decoder.raw_decode(chunk)
            return value, start + end
        except RecursionError:
            return None
        except ValueError as err:
            cut = start + window < len(text)
            truncated = getattr(err, "pos", 0) >= len(chunk) - 64 or str(err).startswith("Unterminated")
            if not (cut and truncated):
                return None
            window *= 16


def find_json_values(text: str, min_chars: int = 200) -> list[tuple[int, int, Any]]:
    """``(start, end, value)`` of each top-level JSON object or array of at least ``min_chars``
    characters in ``text`` that starts a line or follows ``:`` or ``=``.

    Example:
        >>> text = 'Tool result: {"rows": [1, 2, 3]} done'
        >>> find_json_values(text, min_chars=10)
        [(13, 32, {'rows': [1, 2, 3]})]
    """
    if not isinstance(min_chars, int) or min_chars < 1:
        raise ConfigError(f"min_chars={min_chars!r} must be an integer >= 1")
    decoder, found, pos = json.JSONDecoder(), [], 0
    for m in _START.finditer(text):
        start = m.start(1)
        if start < pos:
            continue
        found_at = _decode_at(decoder, text, start)
        if found_at is None:
            continue
        value, end = found_at
        if end - start >= min_chars:
            found.append((start, end, value))
            pos = end
    return found


def shrink_json_text(text: str, *, indent: int | None = None, min_chars: int = 200,
                     **options: Any) -> tuple[str, StepReport]:
    """``text`` with its JSON shrunk by ``shrink_json(**options)``: the whole text when it
    parses, else each JSON value found by ``find_json_values``. A value nothing was taken from
    keeps its original text; a shrunk one is written by ``dumps(value, indent)``.

    Example:
        >>> text = "Orders: " + json.dumps([{"id": i} for i in range(40)])
        >>> shrink_json_text(text, max_items=2, min_chars=10)[0]
        'Orders: [{"id":0},{"id":39},"... 38 of 40 items omitted"]'
    """
    started = time.perf_counter()
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if indent is not None and (not isinstance(indent, int) or indent < 0):
        raise ConfigError(f"indent={indent!r} must be None (compact) or an integer >= 0")
    try:
        spans = [(0, len(text), json.loads(text))] if text.strip()[:1] in ("{", "[", '"') else None
    except (ValueError, RecursionError):
        spans = None
    parts, pos, dropped = [], 0, 0
    for start, end, value in spans if spans is not None else find_json_values(text, min_chars):
        try:
            out, report = shrink_json(value, **options)
        except RecursionError:  # nested deeper than Python's recursion limit allows: left as it is
            continue
        if out != value:
            lead = text[start:end][: len(text[start:end]) - len(text[start:end].lstrip())]
            tail = text[start:end][len(text[start:end].rstrip()):]
            parts += [text[pos:start], lead, dumps(out, indent), tail]
            pos, dropped = end, dropped + report.items_dropped
    result = "".join(parts) + text[pos:]
    return result, make_report("json", len(text), len(result), dropped, started)


@dataclasses.dataclass(frozen=True)
class JsonFit:
    """How ``fit_json`` met its target: the ``max_items`` it chose, the output's ``tokens``,
    whether they are within ``target_tokens`` (``fits``), and the step's ``report``."""

    max_items: int
    tokens: int
    target_tokens: int
    fits: bool
    report: StepReport


def _longest_array(value: Any) -> int:
    if isinstance(value, dict):
        return max((_longest_array(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max([len(value)] + [_longest_array(v) for v in value])
    return 0


def fit_json(value: Any, target_tokens: int, *, tokenizer: Any = "cl100k", indent: int | None = None,
             **options: Any) -> tuple[Any, JsonFit]:
    """``shrink_json`` with the largest ``max_items`` whose ``dumps(out, indent)`` fits
    ``target_tokens`` in ``tokenizer`` (a binary search; tokens grow with ``max_items``). When
    even ``max_items=1`` does not fit, that output comes back with ``fits=False``.

    Example:
        >>> rows = [{"id": i, "name": f"user{i}"} for i in range(200)]
        >>> out, fit = fit_json(rows, 60)
        >>> fit.fits, fit.tokens <= 60, 2 < fit.max_items < 200
        (True, True, True)
    """
    from ..engine.budget import get_counter

    if not isinstance(target_tokens, int) or target_tokens < 1:
        raise ConfigError(f"target_tokens={target_tokens!r} must be an integer >= 1")
    counter = get_counter(tokenizer)
    lo, hi = 1, max(1, _longest_array(value))
    best = None
    while lo <= hi:
        mid = (lo + hi) // 2
        out, report = shrink_json(value, max_items=mid, **options)
        tokens = counter.count(dumps(out, indent))
        if tokens <= target_tokens:
            best, lo = (out, JsonFit(mid, tokens, target_tokens, True, report)), mid + 1
        else:
            hi = mid - 1
    if best is None:
        out, report = shrink_json(value, max_items=1, **options)
        best = (out, JsonFit(1, counter.count(dumps(out, indent)), target_tokens, False, report))
    return best
