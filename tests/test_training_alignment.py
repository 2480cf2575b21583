"""Reference alignment on hard cases: repeats, reordering, invented words, punctuation, case, non-English."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom_lingua_training.data import Record
from headroom_lingua_training.labels.alignment import AlignmentSource, align_words, alignment_stats


def _kept(text: str, compressed: str, **kw) -> list[str]:
    from headroom_lingua.engine.segment import segment

    lab = AlignmentSource(**kw).label_one(Record(text, "t:1", compressed=compressed))
    assert lab.reject is None, lab.reject
    u = segment(text)
    return [text[s:e] for (s, e), k in zip(u.spans(), lab.keep) if k]


@pytest.mark.parametrize("method", ["lcs", "greedy"])
def test_plain_subsequence(method):
    assert _kept("the cat sat on the mat", "cat sat mat", method=method) == ["cat", "sat", "mat"]


def test_repeated_words_keep_their_count_and_order():
    words = "the dog saw the other dog and the cat".split()
    aligned = align_words(words, ["the", "dog", "the", "cat"])
    picked = [words[i] for i in np.flatnonzero(aligned >= 0)]
    assert picked == ["the", "dog", "the", "cat"]
    assert list(aligned[aligned >= 0]) == [0, 1, 2, 3]  # reference order preserved


def test_reordered_reference_aligns_the_longest_ordered_part():
    orig, ref = "alpha beta gamma delta".split(), "delta alpha beta".split()
    aligned = align_words(orig, ref)
    assert [orig[i] for i in np.flatnonzero(aligned >= 0)] == ["alpha", "beta"]
    stats = alignment_stats(orig, ref, aligned)
    assert stats["variation_rate"] == 0 and stats["alignment_gap"] == pytest.approx(1 / 3)


def test_invented_word_cannot_derail_lcs_but_can_derail_greedy():
    orig = ("a b c d e f g h i j").split() + ["zebra"]
    ref = ["zebra", "b", "c", "d"]  # the first word is out of order
    lcs = align_words(orig, ref, "lcs")
    assert [orig[i] for i in np.flatnonzero(lcs >= 0)] == ["b", "c", "d"]
    greedy = align_words(orig, ref, "greedy", window=64)
    assert [orig[i] for i in np.flatnonzero(greedy >= 0)] == ["zebra"]  # greedy jumped ahead


def test_greedy_window_limits_the_search():
    orig = ["x"] * 10 + ["target"]
    assert (align_words(orig, ["target"], "greedy", window=5) < 0).all()
    assert align_words(orig, ["target"], "greedy", window=20)[-1] == 0


def test_case_punctuation_and_unicode_forms():
    text = "Hello, World! The ﬁle is ready."
    assert _kept(text, "hello world! FILE ready.") == ["Hello", "World", "!", "ﬁle", "ready", "."]
    # the ligature ﬁ in the original is NFKC-equal to "fi"
    assert _kept("the ﬁle", "file") == ["ﬁle"]


def test_non_english():
    assert _kept("日本語の文章です。", "日本文。") == ["日", "本", "文", "。"]
    assert _kept("Die Straße ist sehr lang und breit.", "STRASSE lang breit") == ["Straße", "lang", "breit"]
    assert _kept("Он пришёл домой поздно вечером.", "пришёл поздно") == ["пришёл", "поздно"]


def test_quality_filters_reject_with_reasons():
    rec = Record("the cat sat on the mat", "t:1", compressed="a dog sat")
    lab = AlignmentSource(max_variation_rate=0.5).label_one(rec)
    assert lab.reject is not None and lab.reject.startswith("variation rate 0.67 > 0.5")
    rec = Record("alpha beta gamma delta", "t:1", compressed="delta gamma beta alpha")
    assert AlignmentSource(max_alignment_gap=0.5).label_one(rec).reject.startswith("alignment gap 0.75")
    assert AlignmentSource(min_hit_rate=0.9).label_one(rec).reject.startswith("hit rate 0.25")
    assert AlignmentSource().label_one(Record("a b", "t:1", compressed=" ")).reject == "empty reference compression"
    assert AlignmentSource().label_one(Record("a b", "t:1")).reject == "no 'compressed' field"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "the", "A", "."]), min_size=1, max_size=30), st.data())
def test_a_true_subsequence_is_aligned_fully_and_in_order(words, data):
    picks = sorted(data.draw(st.sets(st.integers(0, len(words) - 1))))
    ref = [words[i] for i in picks]
    for method in ("lcs", "greedy"):
        aligned = align_words(words, ref, method, window=100)
        hit = aligned[aligned >= 0]
        assert len(hit) == len(ref) and list(hit) == list(range(len(ref)))
        assert [words[i].casefold() for i in np.flatnonzero(aligned >= 0)] == [w.casefold() for w in ref]
