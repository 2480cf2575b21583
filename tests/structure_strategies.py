"""Hypothesis strategies for the structure steps: JSON values, record arrays, logs, paragraphs."""

from __future__ import annotations

from hypothesis import strategies as st

scalars = (st.none() | st.booleans() | st.integers(-10**6, 10**6)
           | st.floats(allow_nan=False, allow_infinity=False, width=32) | st.text(max_size=40))
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=25) | st.dictionaries(st.text(max_size=6), children, max_size=5),
    max_leaves=80,
)
KEYS = ("id", "name", "status", "amount", "tags", "meta", "error")
records = st.lists(
    st.dictionaries(st.sampled_from(KEYS), scalars | st.lists(scalars, max_size=4)
                    | st.dictionaries(st.sampled_from(KEYS), scalars, max_size=3), max_size=6),
    min_size=0, max_size=60)

_LOG_TEMPLATES = (
    "2026-03-14T10:{m:02d}:{s:02d}Z INFO GET /api/v1/items 200 in {n} ms req={h}",
    "2026-03-14T10:{m:02d}:{s:02d}Z INFO GET /api/v1/orders 503 in {n} ms",
    "2026-03-14T10:{m:02d}:{s:02d}Z DEBUG cache hit key=user:{n}",
    "2026-03-14T10:{m:02d}:{s:02d}Z WARN slow query {n} ms",
    "2026-03-14T10:{m:02d}:{s:02d}Z ERROR upstream timeout after {n} ms",
    "Traceback (most recent call last):\n  File \"app.py\", line {n}, in run\nValueError: bad id {h}",
    "",
)
log_lines = st.builds(
    lambda t, m, s, n, h: t.format(m=m, s=s, n=n, h=h),
    st.sampled_from(_LOG_TEMPLATES), st.integers(0, 59), st.integers(0, 59), st.integers(0, 5000),
    st.sampled_from(["9f8e7d6c5b4a", "0a1b2c3d4e5f6a7b", "deadbeef01", "x"]))
logs = st.lists(log_lines, min_size=1, max_size=80).map("\n".join)

PARAGRAPHS = (
    "The nightly export job has been failing every other night since the upgrade to 4.12.3.",
    "Please restart the ingestion workers and then re-run the export with the --resume flag.",
    "Confidential: this message is intended only for the named recipient of the ACME Corp team.",
    "line one of a small table: id=1 status=ok\nline two of a small table: id=2 status=ok\nline three: id=3",
    "line one of a small table: id=1 status=ok\nline two of a small table: id=2 status=FAILED\nline three: id=3",
    "> The nightly export job has been failing every other night since the upgrade to 4.12.3.",
    "```\ndef f(x):\n\n    return x + 1  # a code block that is long enough to count\n```",
    "Short reply.",
    "Thanks!",
)
paragraphs = st.sampled_from(PARAGRAPHS) | st.text(min_size=1, max_size=90)
documents = st.lists(paragraphs, min_size=1, max_size=6).map("\n\n".join)
document_lists = st.lists(documents | st.sampled_from(PARAGRAPHS), min_size=1, max_size=7)
