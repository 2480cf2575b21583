"""Hypothesis strategies for arbitrary, awkward text."""

from __future__ import annotations

from hypothesis import strategies as st

PIECES = [
    "the", "revenue", "grew", "12%", "$4.2M", "Q3", "2024-03-05", "10:30", "v1.2.3", "https://example.com/a?b=1",
    "ops@example.com", "/usr/bin/env", "snake_case_name", "CamelCase", "0xDEADBEEF", "`code`", "{\"a\": 1}",
    "<b>", "</b>", "😀", "👨‍👩‍👧", "日本語", "中文字符", "עברית", "مرحبا", "é", "e\u0301", "naïve",
    ",", ".", "!", "?", "(", ")", "—", "'", "\"", "supercalifragilisticexpialidocious" * 3,
]
SPACES = [" ", " ", " ", "  ", "\t", "\n", "\r\n", "\n\n", "\n    ", "\u00a0", ""]

words = st.sampled_from(PIECES) | st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=12)
texts = st.lists(st.tuples(words, st.sampled_from(SPACES)), min_size=1, max_size=60).map(
    lambda parts: "".join(w + s for w, s in parts))
