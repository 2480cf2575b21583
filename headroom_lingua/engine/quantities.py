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


def quantity_spans(text: str) -> list[Span]:
    """Spans of numbers with their currency, magnitude, unit, or the date they belong to. A bare
    number is a span too; trailing sentence punctuation is left out."""
    spans = []
    for m in _QUANTITY.finditer(text):
        s, e = m.span()
        while e > s and text[e - 1] in ",.:_-":
            if text[e - 1] == "." and regex.search(r"[ap]\.m\.$", text[s:e]):
                break  # "10 a.m." keeps its last dot
            e -= 1
        if e > s and any(c.isdigit() for c in text[s:e]):
            spans.append((s, e))
    return spans
