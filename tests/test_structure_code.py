"""Code block detection: fenced (closed or not), indented, unfenced; prose is not code."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_lingua.errors import ConfigError
from headroom_lingua.structure import find_code_blocks
from headroom_lingua.structure.code import _code_line, split_lines

from .structure_samples import transcript
from .strategies import texts


def _found(text, **kwargs):
    return [(b.kind, text[b.start:b.end]) for b in find_code_blocks(text, **kwargs)]


def test_fenced_blocks_with_language_and_an_unclosed_fence():
    text = "Intro\n```python\ndef f():\n\n    return 1\n```\nMiddle\n~~~~\nraw ``` inside\n~~~~\nEnd\n```\nopen"
    blocks = find_code_blocks(text)
    assert [(b.kind, b.language) for b in blocks] == [("fenced", "python"), ("fenced", ""), ("fenced", "")]
    assert text[blocks[0].start:blocks[0].end] == "```python\ndef f():\n\n    return 1\n```"
    assert text[blocks[2].start:blocks[2].end] == "```\nopen"


def test_indented_and_unfenced_code():
    text = ("Use it like this:\n\n    client = Client()\n    client.run()\n\nor in a script:\n"
            "import sys\nfor arg in sys.argv:\n    print(arg)\nsys.exit(0)\nThat is all.")
    assert _found(text) == [("indented", "    client = Client()\n    client.run()"),
                            ("unfenced", "import sys\nfor arg in sys.argv:\n    print(arg)\nsys.exit(0)")]
    assert _found(text, kinds=("indented",)) == [("indented", "    client = Client()\n    client.run()")]


def test_prose_is_not_code():
    text = transcript()
    found = _found(text)
    assert [kind for kind, _ in found] == ["indented", "fenced"]
    assert found[0][1].strip().startswith("ExportError:") and found[1][1].startswith("```yaml\nexport:")


@given(texts)
def test_blocks_are_ordered_disjoint_and_split_lines_round_trips(text):
    blocks = find_code_blocks(text)
    assert all(a.end <= b.start for a, b in zip(blocks, blocks[1:]))
    assert all(0 <= b.start < b.end <= len(text) for b in blocks)
    assert "".join(split_lines(text)) == text


@pytest.mark.parametrize("kwargs, match", [({"kinds": ("fenced", "latex")}, "kinds="),
                                           ({"min_lines": 0}, "min_lines=0")])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        find_code_blocks("x", **kwargs)


# The one-regex definition the fast test replaced, kept here as its specification.
_CODE_LINE_SPEC = re.compile(
    r"^\s*(?:def |class |import |from [\w.]+ import |return\b|raise |elif |else:|try:|except\b|"
    r"#include|#define|function\b|const |let |var |public |private |protected |static |package |"
    r"fn |func |for \(|while \(|if \(|switch \(|SELECT |INSERT |UPDATE |@\w+"
    r"|(?:for|while|if|elif|with|async def) .*:\s*$)"
    r"|^\s*[\w.\[\]'\"]+\s*[-+*/%|&]?=\s*[^\s=]"
    r"|[;{}]\s*$|\):\s*$|^\s*[}\])]+[;,]?\s*$|==|!=|=>|->|::|&&|\|\||^\s*\w[\w.]*\(.*\)\s*;?\s*$"
)
_LINE_PIECES = st.sampled_from(["def ", "class ", "x", " = ", "=", "==", "(", ")", ":", ";", "{", "}", "]", "->", "|",
                                "&", "|| ", "::", "for ", "if ", "return", "@dec", "SELECT ", "the", "word", ".",
                                ",", "'", "\"", " ", "  ", "\t", "\xa0", "\x1c", "\r", "\n", "é", "1"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_LINE_PIECES, max_size=14).map("".join), st.sampled_from(["", "\n", "\r\n", " \n"]))
def test_the_code_line_test_equals_its_one_regex_specification(line, end):
    line = line.replace("\n", " ") + end  # one line, as split_lines gives them
    assert _code_line(line) == (_CODE_LINE_SPEC.search(line) is not None), repr(line)
