"""Metric and statistics functions of the eval harness against hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from headroom_lingua_eval.metrics import (extract_number, gsm8k_accuracy, normalize_answer, score_answer,
                                          squad_exact_match, squad_f1)
from headroom_lingua_eval.stats import bootstrap_ci, paired_bootstrap, retention


@pytest.mark.parametrize("raw, norm", [
    ("The Eiffel Tower.", "eiffel tower"),
    ("  an  apple, a pear; THE end!", "apple pear end"),
    ("theatre", "theatre"),          # articles only as whole words
    ("", ""),
])
def test_normalize_answer(raw, norm):
    assert normalize_answer(raw) == norm


def test_exact_match_uses_normalisation_and_best_gold():
    assert squad_exact_match("the France!", ["Normandy", "France"]) == 1.0
    assert squad_exact_match("in France", ["France"]) == 0.0


def test_f1_hand_computed():
    # pred tokens {in, northern, france}, gold {france}: P = 1/3, R = 1 -> F1 = 2 * (1/3) / (4/3) = 0.5
    assert squad_f1("in northern France", "France") == pytest.approx(0.5)
    # pred "new york city" vs gold "york city hall": overlap 2, P = R = 2/3 -> F1 = 2/3
    assert squad_f1("New York City", ["york city hall"]) == pytest.approx(2 / 3)
    # best over golds; repeated tokens count with multiplicity (common = min counts)
    assert squad_f1("a a b", ["b", "zzz"]) == pytest.approx(1.0)  # articles vanish: "b" vs "b"
    assert squad_f1("x x y", ["x y y"]) == pytest.approx(2 / 3)
    assert squad_f1("", ["France"]) == 0.0
    assert squad_f1("the", ["a"]) == 1.0  # both normalise to empty: the official rule gives 1


def test_empty_gold_is_an_error():
    with pytest.raises(ValueError, match="gold answers must not be empty"):
        squad_f1("x", [])


@pytest.mark.parametrize("text, number", [
    ("There are 15 trees. 21 - 15 = 6. The answer is 6.", "6"),
    ("The answer is $1,200.00.", "1200"),
    ("first the answer is 3, then the answer is -4.", "-4"),
    ("He pays 2.5 dollars each and 7.50 in total", "7.5"),
    ("no number", None),
    ("The answer is: 42", "42"),
])
def test_extract_number(text, number):
    assert extract_number(text) == number


def test_gsm8k_accuracy_reads_gold_after_hashes():
    gold = ["Janet sells 16 - 3 - 4 = 9 eggs.\n#### 18"]
    assert gsm8k_accuracy("She makes 9 * 2 = 18 dollars. The answer is 18.", gold) == 1.0
    assert gsm8k_accuracy("The answer is 9.", gold) == 0.0
    assert gsm8k_accuracy("nothing", ["5"]) == 0.0
    assert gsm8k_accuracy("The answer is 1,000", ["1000"]) == 1.0


def test_rouge_l_hand_computed():
    pytest.importorskip("rouge_score")
    from headroom_lingua_eval.metrics import rouge_l

    # LCS of "the cat sat on the mat" / "the cat lay on the mat" = 5 of 6 tokens -> P = R = F = 5/6
    assert rouge_l("the cat sat on the mat", "the cat lay on the mat") == pytest.approx(5 / 6)
    assert rouge_l("completely different", "nothing shared here") == 0.0


def test_score_answer_rejects_unknown_metric():
    with pytest.raises(ValueError, match="unknown metric"):
        score_answer(["bleu"], "a", ["a"])


def test_bootstrap_ci_known_samples():
    # Mean of 4 draws from {0,0,1,1} is Binomial(4, 1/2)/4: P(0) = P(1) = 1/16 > 2.5%, so the
    # 2.5% and 97.5% quantiles are exactly 0 and 1.
    assert bootstrap_ci([0, 0, 1, 1], n_resamples=4000, seed=1) == (0.0, 1.0)
    # 10 draws from nine 0s and one 1: k ~ Binomial(10, 0.1); P(k=0) = 0.349 -> lower 0;
    # P(k <= 2) = 0.930 < 0.975 <= P(k <= 3) = 0.987 -> upper 0.3.
    assert bootstrap_ci([0] * 9 + [1], n_resamples=20000, seed=2) == (0.0, pytest.approx(0.3))
    assert bootstrap_ci([0.25] * 7) == (0.25, 0.25)


def test_bootstrap_is_seeded_and_validates():
    x = np.random.default_rng(0).random(30)
    assert bootstrap_ci(x, seed=5) == bootstrap_ci(x, seed=5)
    with pytest.raises(ValueError, match="empty"):
        bootstrap_ci([])
    with pytest.raises(ValueError, match="NaN"):
        bootstrap_ci([1.0, math.nan])
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_ci([1.0], confidence=1.5)


def test_paired_bootstrap():
    same = paired_bootstrap([0.2, 0.5, 0.9], [0.2, 0.5, 0.9], n_resamples=500, min_pairs=1)
    assert same.diff == 0.0 and same.p_value == 1.0
    clear = paired_bootstrap([1] * 20, [0] * 20, n_resamples=999)
    assert clear.diff == 1.0 and clear.p_value == pytest.approx(1 / 1000)
    assert clear.ci_low == clear.ci_high == 1.0
    # half the pairs +1, half -1: mean difference 0 -> no evidence of a difference
    mixed = paired_bootstrap([1, 0] * 10, [0, 1] * 10, n_resamples=999)
    assert mixed.diff == 0.0 and mixed.p_value == 1.0
    # a small consistent gain on noisy pairs is detected at the 5% level
    rng = np.random.default_rng(3)
    base = rng.random(200)
    assert paired_bootstrap(base + 0.05 + rng.normal(0, 0.05, 200), base, n_resamples=2000).p_value < 0.01
    with pytest.raises(ValueError, match="differ in length"):
        paired_bootstrap([1, 2], [1])


def test_retention():
    assert retention([0.5, 1.0], [1.0, 1.0]) == 0.75
    assert math.isnan(retention([0.0], [0.0]))
