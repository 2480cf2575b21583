"""Assertions shared by the test modules."""

from __future__ import annotations


def is_subsequence(small: str, big: str) -> bool:
    it = iter(big)
    return all(ch in it for ch in small)


def assert_cut_from(original: str, result) -> None:
    """The output is the original with units removed: kept spans verbatim and in order, joined
    only by whitespace that is itself taken from the original."""
    out = result.text
    assert is_subsequence(out, original)
    pos = 0
    for s, e in result.kept:
        piece = original[s:e]
        at = out.find(piece, pos)
        assert at >= 0, f"kept span {piece!r} missing from output"
        assert out[pos:at].strip() == "", f"non-whitespace {out[pos:at]!r} between kept spans"
        pos = at + len(piece)
    assert out[pos:].strip() == ""
    spans = list(result.kept)
    assert spans == sorted(spans) and all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
