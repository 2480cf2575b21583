"""The vectorised segmentation path gives exactly the regex's units wherever it applies."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_lingua.engine.segment import _fast_units, _regex_units

from .strategies import texts

SIMPLE = st.text(alphabet=st.sampled_from(list("ab Z9_ -'.,!?()$%/\\\t\n\r\x0b\x1c\u00a0\u2003—–é£€ßøΩж😀")), max_size=80)


def _same(text: str) -> bool:
    fast = _fast_units(text)
    if fast is None:
        return False
    regex_starts, regex_ends = _regex_units(text)
    assert np.array_equal(fast[0], regex_starts) and np.array_equal(fast[1], regex_ends), text
    return True


@settings(max_examples=400, deadline=None)
@given(SIMPLE)
def test_fast_path_equals_regex_on_simple_text(text):
    assert _same(text)  # no combining marks, joiners or CJK here: the fast path must apply


@settings(max_examples=300, deadline=None)
@given(texts)
def test_fast_path_equals_regex_where_it_applies(text):
    _same(text)


def test_fast_path_declines_complex_text():
    for text in ("e\u0301", "👨‍👩‍👧", "日本", "🇫🇷", "a\u200db", "한국"):
        assert _fast_units(text) is None
