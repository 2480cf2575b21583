"""segment / protect / select / render as pure functions."""

from __future__ import annotations

import re

import numpy as np
import pytest
import regex
from hypothesis import given, settings

from headroom_lingua.config import CompressionConfig
from headroom_lingua.errors import BudgetError, ConfigError
from headroom_lingua.engine.punctuation import orphan_marks
from headroom_lingua.engine.protect import PROTECTORS, find_protected, merge_spans
from headroom_lingua.engine.render import merge_gaps, render
from headroom_lingua.engine.segment import segment
from headroom_lingua.engine.select import select

from .helpers import is_subsequence
from .strategies import texts


def words_of(units):
    return [units.text[s:e] for s, e in zip(units.starts, units.ends)]


def drop(text, words, protected=()):
    u = segment(text, protected)
    return render(u, np.array([w not in words for w in words_of(u)]))[0]


# -- segment -------------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(texts)
def test_units_cover_every_non_space_character_once(text):
    u = segment(text)
    covered = np.zeros(len(text), dtype=int)
    for s, e in zip(u.starts, u.ends):
        covered[s:e] += 1
    assert covered.max(initial=0) <= 1
    for i, ch in enumerate(text):
        assert covered[i] == 1 or ch.isspace(), (i, ch)  # a space joins a unit only inside a grapheme
    assert all(text[s:e].strip() for s, e in zip(u.starts, u.ends))
    assert all(g.strip() == "" for g in u.gaps)


@settings(max_examples=150, deadline=None)
@given(texts)
def test_units_never_split_a_grapheme(text):
    u = segment(text)
    boundaries = {m.start() for m in regex.finditer(r"\X", text)} | {len(text)}
    assert set(u.starts.tolist()) <= boundaries and set(u.ends.tolist()) <= boundaries


def test_space_with_combining_mark_stays_one_grapheme():
    assert words_of(segment("the \U000114b0 end")) == ["the", " \U000114b0", "end"]


def test_letters_keep_what_extends_their_grapheme():
    # Found by hypothesis: an emoji modifier (not a combining mark) after a letter extends its grapheme.
    assert words_of(segment("the\U0001F3FB ")) == ["the\U0001F3FB"]
    assert words_of(segment("ab\u200d cd")) == ["ab\u200d", "cd"]  # a zero-width joiner
    assert words_of(segment("日\U0001F3FB本")) == ["日\U0001F3FB", "本"]


def test_words_cjk_and_punctuation():
    u = segment("Hello, wörld 日本! don't stop 3.14 e\u0301te 👍🏽 ab日c and/or f(x) e.g.")
    assert words_of(u) == ["Hello", ",", "wörld", "日", "本", "!", "don't", "stop", "3.14", "e\u0301te", "👍🏽",
                           "ab", "日", "c", "and/or", "f(x", ")", "e.g", "."]


def test_protected_span_widens_to_whole_units():
    text = "call foo_bar, x now"
    u = segment(text, [(7, 10)])  # "o_b" inside one word
    assert words_of(u)[1] == "foo_bar" and u.protected.tolist() == [False, True, False, False, False]


# -- protect -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,text,expected", [
    ("numbers", "Pay $1,299.99 (15%) by 2024-03-05 at 10:30, v2.1.0, 3rd of 100k.",
     ["$1,299.99", "15%", "2024-03-05", "10:30", "v2.1.0", "3rd", "100k"]),
    ("urls", "See https://example.com/a_(b), or www.foo.org.", ["https://example.com/a_(b)", "www.foo.org"]),
    ("emails", "Mail bob.smith+x@corp.example.io today", ["bob.smith+x@corp.example.io"]),
    ("paths", "Edit /etc/nginx/nginx.conf and src/app/main.py or C:\\Users\\me\\x.txt",
     ["/etc/nginx/nginx.conf", "src/app/main.py", "C:\\Users\\me\\x.txt"]),
    ("code_blocks", "Run:\n```bash\nls -la\n```\nDone.", ["```bash\nls -la\n```"]),
    ("inline_code", "Use `pip install x` then `y`.", ["`pip install x`", "`y`"]),
    ("json", 'Payload {"id": 7, "tags": ["a", "}"]} and {not json}.', ['{"id": 7, "tags": ["a", "}"]}']),
    ("tags", 'Text <div class="x">hi</div>', ['<div class="x">', "</div>"]),
    ("labels", "user: hi\nassistant: hello\n[10:02] Ann: ok", ["user:", "assistant:", "[10:02] Ann:"]),
])
def test_protectors_find(name, text, expected):
    assert [text[s:e] for s, e in PROTECTORS[name](text)] == expected


def test_identifiers_find_each_kind():
    text = ("ids 0xDEADBEEF 123e4567-e89b-12d3-a456-426614174000 3f2a9c1b max_tokens getUserName "
            "HttpServer HTTPServer os.path.join() Q3 ERR42")
    found = [text[s:e] for s, e in PROTECTORS["identifiers"](text)]
    for want in ["0xDEADBEEF", "123e4567-e89b-12d3-a456-426614174000", "3f2a9c1b", "max_tokens", "getUserName",
                 "HttpServer", "HTTPServer", "os.path.join()", "Q3", "ERR42"]:
        assert want in found
    assert not any(w in found for w in ["ids", "e.g"])


def test_plain_prose_is_not_protected():
    text = "The cat sat on the mat because it was warm, and nobody minded at all."
    assert find_protected(text, CompressionConfig().protect) == []


def test_force_strings_and_regexes():
    text = "Keep ACME Corp and order #A-77 but not the rest."
    spans = find_protected(text, (), force=["ACME Corp", re.compile(r"#\S+")])
    assert [text[s:e] for s, e in spans] == ["ACME Corp", "#A-77"]
    with pytest.raises(ConfigError, match="force"):
        find_protected(text, (), force=[42])
    with pytest.raises(ConfigError, match="empty"):
        find_protected(text, (), force=[""])


def test_merge_spans():
    assert merge_spans([(5, 7), (0, 2), (2, 3), (6, 9)]) == [(0, 3), (5, 9)]


# -- render --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,dropped,expected", [
    ("Hello world, friend", {"world"}, "Hello, friend"),
    ("Hello world, friend", {","}, "Hello world friend"),
    ("  Hello world", {"Hello"}, "  world"),
    ("a  b c", {"b"}, "a c"),
    ("end.\n\nDropped para here.\n\nNext", {"Dropped", "para", "here", "."}, "end\n\nNext"),
    ("def f():\n    very useless\n    return 1", {"very", "useless"}, "def f():\n    return 1"),
    ("line one\r\n  item two", {"one"}, "line\r\n  item two"),
    ("kept\ndropped words", {"dropped", "words"}, "kept"),
    ("x\tcol\ty", {"col"}, "x\ty"),
    ("Variable lymphocyte receptors (VLRs) are", {"lymphocyte", "receptors", "("}, "Variable VLRs) are"),
    ("Hello, (world)", {"("}, "Hello, world)"),
    ("and/or foo(bar) x", {"x"}, "and/or foo(bar)"),
])
def test_render_layout(text, dropped, expected):
    assert drop(text, dropped) == expected


def test_merge_gaps_takes_breaks_then_indent():
    assert merge_gaps([" ", "\n\n", " ", "\n    "]) == "\n\n    "
    assert merge_gaps(["", " "], at_start=True) == ""


@settings(max_examples=200, deadline=None)
@given(texts, texts)
def test_render_is_a_subsequence_without_new_double_spaces(text, mask_seed):
    u = segment(text)
    rng = np.random.default_rng(len(mask_seed))
    keep = rng.random(len(u)) < 0.5
    out, spans = render(u, keep)
    assert is_subsequence(out, text)
    keep = orphan_marks(u, keep)  # render drops marks whose words all went (tested in test_meaning.py)
    kept_words = [text[s:e] for s, e, k in zip(u.starts, u.ends, keep) if k]
    assert "".join(out.split()) == "".join("".join(kept_words).split())
    if "  " not in text:
        assert "  " not in out
    out.encode("utf-8")  # valid UTF-8: no half characters
    pos = 0  # words never fuse: two kept spans that meet on word characters keep a separator
    for (s0, e0), (s1, e1) in zip(spans, spans[1:]):
        end = out.index(text[s0:e0], pos) + (e0 - s0)
        start = out.index(text[s1:e1], end)
        spaced = any(c.isspace() for c in text[e0:s1])  # the original separated them with whitespace
        if spaced and _spaced_word_char(text[e0 - 1]) and _spaced_word_char(text[s1]):
            assert start > end, f"{text[s0:e0]!r} fused with {text[s1:e1]!r} in {out!r}"
        pos = end


def _spaced_word_char(ch: str) -> bool:
    """A word character of a script that separates words with spaces (CJK does not)."""
    return (ch.isalnum() or ch == "_") and not regex.match(r"[\p{Han}\p{Hiragana}\p{Katakana}]", ch)


# -- select --------------------------------------------------------------------------------------
def count_words(mask):
    return int(np.asarray(mask).sum())


def test_select_keeps_highest_scores_and_protected():
    scores = np.array([5.0, 1.0, 4.0, 0.0, 3.0])
    prot = np.array([False, False, False, True, False])
    keep, used = select(scores, np.ones(5), prot, budget=3, count=count_words)
    assert keep.tolist() == [True, False, True, True, False] and used == 3


def test_select_bad_estimate_still_exact():
    scores = np.arange(50, dtype=float)
    for costs in (np.zeros(50), np.full(50, 10)):  # wildly wrong estimates both ways
        keep, used = select(scores, costs, np.zeros(50, bool), budget=17, count=count_words)
        assert used == 17 and keep.sum() == 17 and keep[-17:].all()


def test_select_overflow_raise_and_drop():
    prot = np.array([True, True, True, False])
    with pytest.raises(BudgetError, match="1 over the budget of 2"):
        select(np.zeros(4), np.ones(4), prot, budget=2, count=count_words)
    keep, used = select(np.array([0.0, 2.0, 1.0, 9.0]), np.ones(4), prot, budget=2, count=count_words,
                        on_overflow="drop")
    assert used == 2 and keep.tolist() == [False, True, True, False]  # protected outrank unprotected


@pytest.mark.parametrize("share", [0.0, 0.25, 0.5, 0.8, 1.0])
def test_select_protect_share_caps_what_protected_units_take_for_sure(share):
    rng = np.random.default_rng(7)
    scores = rng.normal(size=40)
    prot = np.zeros(40, bool)
    prot[::3] = True  # 14 protected units of one word each
    budget = 20
    keep, used = select(scores, np.ones(40), prot, budget, count=count_words, protect_share=share)
    assert used == keep.sum() <= budget
    cap = int(share * budget)
    if share == 1.0:
        assert keep[prot].all()  # all protected fit: the share changes nothing
    else:
        sure = np.flatnonzero(prot)[np.argsort(-scores[prot], kind="stable")][:cap]
        assert keep[sure].all()  # the best-scoring protected units that fit the share are kept
        rest = np.flatnonzero(~keep)
        # everything else was ranked on its score alone: no dropped unit outscores a kept competitor
        competitors = np.setdiff1d(np.flatnonzero(keep), sure)
        if len(rest) and len(competitors):
            assert scores[rest].max() <= scores[competitors].min()
    few = np.zeros(40, bool)
    few[:3] = True  # protected units inside the share are all kept, as without one
    keep, _ = select(scores, np.ones(40), few, budget, count=count_words, protect_share=max(share, 0.2))
    assert keep[:3].all()


def test_select_fills_around_a_unit_too_big_to_fit():
    costs = {0: 1, 1: 5, 2: 1, 3: 1}
    count = lambda m: sum(costs[i] for i in np.flatnonzero(m))  # noqa: E731
    keep, used = select(np.array([4.0, 3.0, 2.0, 1.0]), np.array([1, 5, 1, 1]), np.zeros(4, bool), 3, count)
    assert used == 3 and keep.tolist() == [True, False, True, True]
