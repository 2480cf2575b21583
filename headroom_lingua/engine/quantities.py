"""Quantities: a number together with what gives it meaning, found as one span.

"$48.6 million" without "million", "420 ms" without "ms" or "March 14, 2023" without "March"
states a different fact than the original, so the ``numbers`` protector keeps these whole:

- a currency sign or code before it and a magnitude word after it (``$48.6 million``, ``EUR 12k``,
  ``3 billion USD``);
- a unit after it (``420 ms``, ``3.5 GB``, ``60-70%``, ``12 percent``, ``10:30 am``, ``02:15 UTC``);
- a date written with a month name (``March 14, 2023``, ``14 March 2023``, ``Sep 3``, ``April 2026``)
  and a quarter with its year (``Q3 2024``, ``Q3 FY2024``).

Example:
    >>> text = "It cost $48.6 million by March 14, 2023; p99 was 420 ms in Q3 2024 at 10:30 am."
    >>> [text[s:e] for s, e in quantity_spans(text)]
    ['$48.6 million', 'March 14, 2023', '420 ms', 'Q3 2024', '10:30 am']
"""

from __future__ import annotations

import regex

Span = tuple[int, int]

_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
           r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_MAGNITUDE = r"(?:thousand|million|billion|trillion|mn|bn|[kKMBT])"
_CURRENCY_CODE = r"(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|CNY|INR|dollars?|euros?|pounds?|yen)"
_UNITS = (
    r"(?:[kKMGTP]i?B|bytes?|bits?|[kMG]bps|[kKMG]?Hz|tokens?|"                     # sizes, rates
    r"ns|µs|us|ms|s|sec|secs|seconds?|min|mins|minutes?|h|hrs?|hours?|days?|weeks?|months?|years?|"
    r"mm|cm|m|km|kg|g|mg|lbs?|°[CF]|[CF]°|percent|pct|%|x|"                        # lengths, weights
    r"[ap]\.?m\.?|AM|PM|UTC|GMT|[A-Z]{2,4}T|"                                      # times of day
    r"cores?|CPUs?|GPUs?|nodes?|requests?|req/s|rps|qps|users?|customers?)"
)
_NUM = r"\d(?:[\d,._:]*\d)?(?:\s?[-–]\s?\d(?:[\d,._]*\d)?)?"
_YEAR = r"(?:1[89]|2\d)\d\d"
_QUANTITY = regex.compile(
    rf"(?<![\p{{L}}\p{{N}}_])(?:"
    rf"{_MONTHS}\s\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s{_YEAR})?(?![\p{{L}}\p{{N}}])"    # March 14, 2023
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s(?:of\s)?{_MONTHS}(?:,?\s{_YEAR})?(?![\p{{L}}\p{{N}}])"  # 14 March 2023
    rf"|{_MONTHS}\s{_YEAR}(?![\p{{L}}\p{{N}}])"                                   # April 2026
    rf"|[QH][1-4]\s(?:FY)?{_YEAR}(?![\p{{L}}\p{{N}}])|FY\s?{_YEAR}"                # Q3 2024
    rf"|(?:[$€£¥₹]\s?|{_CURRENCY_CODE}\s)?[+\-−]?{_NUM}"                           # the number
    rf"(?:\s?{_MAGNITUDE}(?![\p{{L}}\p{{N}}]))?"                                   # magnitude
    rf"(?:\s?(?:{_UNITS}|{_CURRENCY_CODE})(?![\p{{L}}\p{{N}}]))?"                  # unit or currency
    rf")",
    regex.VERSION1,
)


# Every match of the quantity pattern (and of ``protect``'s plain-number pattern) holds a digit,
# starts at most 11 characters before its first one ("September. 14") and ends at most 20 after
# the run of digits and number punctuation it holds ("14th of September", "5 thousand customers",
# "12abc%"), plus the character a lookahead reads. So only windows around those runs are scanned:
# runs closer than _GAP are one window, which reaches _BEFORE / _AFTER characters beyond them.
# Windows are more than _BEFORE + _AFTER apart, so a match never spans two, and the matches are
# those of a scan of the whole text (tested against ``scan(windowed=False)``), several times faster
# on prose.
_RUNS = regex.compile(r"\d[\d,._:/\-]*")
_BEFORE, _AFTER, _GAP = 16, 32, 64


def number_windows(text: str) -> list[Span]:
    """The windows of ``text`` that hold every number match (see above)."""
    windows: list[Span] = []
    for m in _RUNS.finditer(text):
        if windows and m.start() - (windows[-1][1] - _AFTER) < _GAP:
            windows[-1] = (windows[-1][0], min(m.end() + _AFTER, len(text)))
        else:
            windows.append((max(m.start() - _BEFORE, 0), min(m.end() + _AFTER, len(text))))
    return windows


def scan(text: str, windowed: bool = True, pattern: regex.Pattern | None = None) -> list[Span]:
    """The raw matches of ``pattern`` (default: the quantity pattern): in the windows around
    numbers, or (``windowed=False``) over the whole text; both give the same spans."""
    pattern = pattern or _QUANTITY
    if not windowed:
        return [m.span() for m in pattern.finditer(text)]
    return [m.span() for s, e in number_windows(text) for m in pattern.finditer(text, s, e)]


def quantity_spans(text: str) -> list[Span]:
    """Spans of numbers with their currency, magnitude, unit, or the date they belong to. A bare
    number is a span too; trailing sentence punctuation is left out."""
    spans = []
    for s, e in scan(text):
        while e > s and text[e - 1] in ",.:_-":
            if text[e - 1] == "." and regex.search(r"[ap]\.m\.$", text[s:e]):
                break  # "10 a.m." keeps its last dot
            e -= 1
        if e > s and any(c.isdigit() for c in text[s:e]):
            spans.append((s, e))
    return spans
