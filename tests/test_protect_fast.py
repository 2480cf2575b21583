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
TECH_WORDS = [
    "src/app/main.py", "/etc/x.conf", "~/notes", "./run.sh", "C:\\Program Files\\app.exe", "a/b", "and/or",
    "snake_case", "camelCase", "CamelCase", "HTTPServer", "Q3", "ERR42", "0xDEAD", "deadbeef12", "e.g.", "os.path.join()",
    "123e4567-e89b-12d3-a456-426614174000", "abcdefab-abcd-abcd-abcd-abcdefabcdef", "ops@example.com", "<b>", "`x`",
    "```\ncode\n```", "well-known", "The", "Paris", "ÉTÉ", "naïveTé", "x.y", "_", "-", ".", "/", " ", "\n", "\t",
    "a-b", "x-1", "-f", "foo.Bar", "end.", "F", "abcdef12", "١٢", "e", "D",
]
TECHNICAL = st.lists(st.sampled_from(TECH_WORDS), max_size=40).map(" ".join)
GLUED = st.lists(st.tuples(st.sampled_from(TECH_WORDS), st.sampled_from(["", " ", "\n"])), max_size=40).map(
    lambda parts: "".join(w + s for w, s in parts))  # glued: "x.y" + "-1" + "Bar"


def _full(name: str, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in FULL[name].finditer(text) if m.end() > m.start()]


@settings(max_examples=500, deadline=None)
@given(st.one_of(texts, TECHNICAL, GLUED))
def test_shortcuts_find_what_a_full_scan_finds(text):
    for name in FULL:
        assert PROTECTORS[name](text) == _full(name, text), name


def test_urls_shortcut():
    assert PROTECTORS["urls"]("no links here") == []
    assert PROTECTORS["urls"]("see www.example.com.") == [(4, 19)]


LINES = st.lists(st.sampled_from(["Ann:", "[10:02] Bob:", "  Dana: ", "the plan: ok", "10:30", "x" * 50, ":", " ", "\t",
                                  "\n", "\r\n", "user:", "Q:", "Zoë-Li:", "[x]", "é"]), max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(texts, LINES))
def test_line_anchored_patterns_tried_per_line_find_what_a_full_scan_finds(text):
    from headroom_lingua.engine import entities, lines

    for pattern in (protect._LABEL, entities._LABEL_NAME):
        full = [m.span() for m in pattern.finditer(text)]
        assert [m.span() for m in lines.line_matches(pattern, text)] == full
        saved = lines.SPARSE
        try:
            lines.SPARSE = 10 ** 9  # always the per-line way
            assert [m.span() for m in lines.line_matches(pattern, text)] == full
        finally:
            lines.SPARSE = saved
