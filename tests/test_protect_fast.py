"""The protectors' shortcuts (skip a text that cannot match, scan only the runs around a signal)
find exactly what a scan of the whole text finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_lingua.engine import protect
from headroom_lingua.engine.protect import PROTECTORS

from .strategies import texts

FULL = {"emails": protect._EMAIL, "paths": protect._PATH, "identifiers": protect._IDENTIFIER,
        "code_blocks": protect._FENCED, "inline_code": protect._INLINE_CODE, "tags": protect._TAG}
TECHNICAL = st.lists(st.sampled_from([
    "src/app/main.py", "/etc/x.conf", "~/notes", "./run.sh", "C:\\Program Files\\app.exe", "a/b", "and/or",
    "snake_case", "camelCase", "CamelCase", "HTTPServer", "Q3", "ERR42", "0xDEAD", "deadbeef12", "e.g.", "os.path.join()",
    "123e4567-e89b-12d3-a456-426614174000", "abcdefab-abcd-abcd-abcd-abcdefabcdef", "ops@example.com", "<b>", "`x`",
    "```\ncode\n```", "well-known", "The", "Paris", "ÉTÉ", "naïveTé", "x.y", "_", "-", ".", "/", " ", "\n", "\t",
]), max_size=40).map(" ".join)


def _full(name: str, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in FULL[name].finditer(text) if m.end() > m.start()]


@settings(max_examples=300, deadline=None)
@given(st.one_of(texts, TECHNICAL))
def test_shortcuts_find_what_a_full_scan_finds(text):
    for name in FULL:
        assert PROTECTORS[name](text) == _full(name, text), name


def test_urls_shortcut():
    assert PROTECTORS["urls"]("no links here") == []
    assert PROTECTORS["urls"]("see www.example.com.") == [(4, 19)]
