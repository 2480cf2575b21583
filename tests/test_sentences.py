"""The coarse sentence step: sentence boundaries, admission, and what it does to a compression."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from headroom_lingua import CompressionConfig, Compressor
from headroom_lingua.engine.budget import get_counter
from headroom_lingua.engine.fit import as_sent, fit
from headroom_lingua.engine.segment import segment
from headroom_lingua.engine.sentences import coarse, sentence_ids
from headroom_lingua.errors import ConfigError
from headroom_lingua.scorers import LengthScorer, Scorer

from .helpers import is_subsequence
from .strategies import texts


def sentences_of(text):
    u = segment(text, protected=[])
    ids = sentence_ids(u)
    return [" ".join(u.text[s:e] for s, e, i in zip(u.starts, u.ends, ids) if i == k) for k in range(ids.max() + 1)]


def test_sentences_end_at_terminal_punctuation_and_line_breaks():
    assert sentences_of('He said "stop." Then left! Why? Fine…\nnext line\n\nlast') == [
        'He said " stop . "', "Then left !", "Why ?", "Fine …", "next line", "last"]


def test_lowercase_after_a_period_and_decimals_do_not_end_a_sentence():
    assert sentences_of("Version 4.12.3 ships e.g. today. Price is $3.50 per seat.") == [
        "Version 4.12.3 ships e.g . today .", "Price is $ 3.50 per seat ."]


@settings(max_examples=100, deadline=None)
@given(texts)
def test_sentence_ids_are_contiguous_and_non_decreasing(text):
    ids = sentence_ids(segment(text))
    assert ids.shape == (len(segment(text)),)
    if len(ids):
        assert ids[0] == 0 and np.all(np.diff(ids) >= 0) and np.all(np.diff(ids) <= 1)


def test_coarse_admits_best_mean_sentences_until_the_slack_budget():
    ids = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    keys = np.array([1.0, 1.0, 9.0, 7.0, 5.0, 5.0, 0.0, 2.0])
    costs = np.ones(8)
    raised, admitted = coarse(keys, ids, costs, budget=2, slack=0.0)
    assert admitted.tolist() == [False, False, True, True, False, False, False, False]
    _, admitted = coarse(keys, ids, costs, budget=2, slack=1.0)  # room for 4 tokens: two sentences
    assert admitted.tolist() == [False, False, True, True, True, True, False, False]
    _, admitted = coarse(keys, ids, costs, budget=3, slack=0.0)  # the sentence crossing the line is in
    assert admitted.sum() == 4
    assert raised[admitted].min() > raised[~admitted].max()
    assert np.argsort(-raised[admitted], kind="stable").tolist() == np.argsort(-keys[admitted], kind="stable").tolist()


def test_coarse_ranks_a_sentence_by_its_highest_tier_before_its_mean():
    ids = np.array([0, 0, 1, 1, 2, 2])
    keys = np.array([1.0, 1.0, 9.0, 7.0, 0.0, 2.0])
    tier = np.array([0, 0, 0, 0, 0, 1])  # the last sentence holds one fact
    _, admitted = coarse(keys, ids, np.ones(6), budget=2, slack=0.0, tier=tier)
    assert admitted.tolist() == [False, False, False, False, True, True]
    _, admitted = coarse(keys, ids, np.ones(6), budget=4, slack=0.0, tier=tier)  # then the best mean
    assert admitted.tolist() == [False, False, True, True, True, True]
    _, admitted = coarse(keys, ids, np.ones(6), budget=2, slack=0.0, tier=np.zeros(6))
    assert admitted.tolist() == [False, False, True, True, False, False]


def test_coarse_treats_non_finite_keys_as_the_lowest():
    keys = np.array([-np.inf, np.nan, 3.0, 2.0])
    raised, admitted = coarse(keys, np.array([0, 0, 1, 1]), np.ones(4), budget=2, slack=0.0)
    assert admitted.tolist() == [False, False, True, True]
    assert np.isfinite(raised[admitted]).all()


class FirstSentenceLow(Scorer):
    """Units of the first sentence score 0, the rest by length: a planted bad sentence."""

    def score(self, units, rate=None):
        ids = sentence_ids(units)
        return np.where(ids == 0, 0.0, (units.ends - units.starts).astype(np.float64))


DOC = ("Revenue was $4.2M in Q3 and 1,200 customers renewed. The weather was fine and everyone enjoyed lunch "
       "outside in the park near the office. Marcus will ship the billing fix by Friday, says the plan.")


# the third sentence holds a number too: two sentences of facts compete, the planted one loses
FACTS = DOC.replace("by Friday", "by Friday, 12 tickets in all")


def test_a_sentence_holding_numbers_is_admitted_before_any_without():
    counter = get_counter("cl100k")
    words = Compressor(FirstSentenceLow(), tokenizer="cl100k").compress(DOC, rate=0.5)
    sentences = Compressor(FirstSentenceLow(), config=CompressionConfig(sentence_slack=0.0),
                           tokenizer="cl100k").compress(DOC, rate=0.5)
    assert "$4.2M" in words.text  # protected: the word step keeps it whatever its score
    assert "$4.2M" in sentences.text and "1,200" in sentences.text  # its sentence ranks first for them
    assert sentences.compressed_tokens <= sentences.budget == words.budget
    assert counter.count(sentences.text) == sentences.compressed_tokens
    assert is_subsequence(sentences.text, DOC)


def test_a_sentence_left_out_keeps_its_facts_and_loses_its_words():
    counter = get_counter("cl100k")
    r = Compressor(FirstSentenceLow(), config=CompressionConfig(sentence_slack=0.0),
                   tokenizer="cl100k").compress(FACTS, target_tokens=20)
    assert "Marcus will ship" in r.text and "12 tickets" in r.text  # the better sentence of facts is admitted
    assert "$4.2M" in r.text and "1,200" in r.text  # the planted one's facts stay, as in the word step
    assert "Revenue" not in r.text and "renewed" not in r.text  # and its other words go
    assert counter.count(r.text) == r.compressed_tokens <= 20
    assert is_subsequence(r.text, FACTS)


def test_with_sentence_facts_follow_sentences_rank_by_score_and_go_whole_numbers_included():
    cfg = CompressionConfig(sentence_slack=0.0, sentence_facts="follow")
    r = Compressor(FirstSentenceLow(), config=cfg, tokenizer="cl100k").compress(FACTS, target_tokens=16)
    assert "weather" in r.text  # the best mean score (long words), though it holds no fact
    assert "$4.2M" not in r.text and "1,200" not in r.text and "12 tickets" not in r.text
    assert r.compressed_tokens <= 16 and is_subsequence(r.text, FACTS)


def test_a_line_left_out_takes_its_speaker_label_with_it():
    text = ("Ann: hello hello hello everyone, hope the weekend was good.\n"
            "Bob: the invoice total is 4,200 EUR and it is due on Friday.\n"
            "Cy: sure sure sure, sounds good to me, thanks.\n")
    r = Compressor(LengthScorer(), config=CompressionConfig(sentence_slack=0.0),
                   tokenizer="cl100k").compress(text, target_tokens=12)
    assert "Bob:" in r.text and "4,200 EUR" in r.text  # the line with the amount comes first
    assert "Ann:" not in r.text and "Cy:" not in r.text  # labels are not facts: they go with their lines
    assert r.compressed_tokens <= 12


def test_force_items_stay_protected_outside_the_admitted_sentences():
    r = Compressor(FirstSentenceLow(), config=CompressionConfig(sentence_slack=0.0),
                   tokenizer="cl100k").compress(DOC, rate=0.5, force=["$4.2M"])
    assert "$4.2M" in r.text and r.compressed_tokens <= r.budget


@settings(max_examples=60, deadline=None)
@given(texts)
def test_sentence_step_meets_the_budget_and_keeps_a_subsequence(text):
    counter = get_counter("cl100k")
    units = segment(text)
    original = counter.count(text)
    if not len(units) or original < 4:
        return
    budget = max(1, original // 3)
    scores = (units.ends - units.starts).astype(np.float64)
    from headroom_lingua.engine.render import render

    for cut in ("spread", "last"):
        [keep], used = fit([units], [scores], budget, counter, as_sent(units, counter), on_overflow="drop",
                           sentence_slack=0.2, sentence_cut=cut)
        out = render(units, keep)[0]
        assert used == counter.count(out) <= budget
        assert is_subsequence(out, text)


def test_sentence_step_applies_to_documents_and_messages_too():
    """The sentence without facts (the weather) goes whole; word by word some of its long words
    (which the length-like scorer favours) would stay, as the last assertion shows."""
    other = FACTS.replace("Revenue", "Income").replace("Marcus", "Dana")
    chat = [{"role": "user", "content": FACTS}, {"role": "assistant", "content": other}, {"role": "user", "content": "ok?"}]

    def outputs(cfg):
        comp = Compressor(FirstSentenceLow(), config=cfg, tokenizer="cl100k")
        docs = comp.compress_documents([FACTS, other], target_tokens=40)
        assert docs.compressed_tokens <= 40
        stable = comp.compress_messages(chat, rate=0.7, stable=True)
        flat = comp.compress_messages(chat, rate=0.4, stable=False)
        return [docs.text] + [m["content"] for r in (stable, flat) for m in r.messages[:2]]

    sentences = outputs(CompressionConfig(sentence_slack=0.0))
    assert all("weather" not in t and "12 tickets" in t for t in sentences)
    assert all("weather" in t for t in outputs(CompressionConfig()))


@pytest.mark.parametrize("bad", [-0.1, True, "0.2", float("inf"), float("nan")])
def test_sentence_slack_is_validated(bad):
    with pytest.raises(ConfigError, match="sentence_slack"):
        CompressionConfig(sentence_slack=bad)


def test_sentence_slack_round_trips_and_old_configs_read_it_as_off():
    cfg = CompressionConfig(sentence_slack=0.25, sentence_facts="follow")
    assert CompressionConfig.from_dict(cfg.to_dict()) == cfg
    assert CompressionConfig.from_dict({"version": 3, "on_overflow": "drop"}).sentence_slack is None
    old = CompressionConfig.from_dict({"version": 4, "sentence_slack": 0.5})
    assert old.sentence_slack == 0.5 and old.sentence_facts == "keep"


@pytest.mark.parametrize("bad", ["all", None, 1])
def test_sentence_facts_is_validated(bad):
    with pytest.raises(ConfigError, match="sentence_facts"):
        CompressionConfig(sentence_facts=bad)
    units = segment("One. Two.")
    counter = get_counter("cl100k")
    with pytest.raises(ConfigError, match="sentence_facts"):
        fit([units], [np.ones(len(units))], 2, counter, as_sent(units, counter), sentence_slack=0.0, sentence_facts=bad)


def test_length_scorer_without_sentence_step_is_unchanged():
    base = Compressor(LengthScorer(), tokenizer="cl100k").compress(DOC, rate=0.5)
    off = Compressor(LengthScorer(), config=CompressionConfig(sentence_slack=None), tokenizer="cl100k").compress(
        DOC, rate=0.5)
    assert base.text == off.text


def test_coarse_cut_last_orders_units_by_sentence_first():
    ids = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    keys = np.array([1.0, 1.0, 9.0, 1.5, 5.0, 5.0, 0.0, 2.0])  # sentence means 1, 5.25, 5, 1
    spread, admitted = coarse(keys, ids, np.ones(8), budget=3, slack=0.0)
    last, admitted_last = coarse(keys, ids, np.ones(8), budget=3, slack=0.0, cut="last")
    assert admitted_last.tolist() == admitted.tolist() == [False, False, True, True, True, True, False, False]
    assert np.argsort(-spread, kind="stable")[:3].tolist() == [2, 4, 5]  # spread: the best words of both
    assert np.argsort(-last, kind="stable").tolist() == [2, 3, 4, 5, 7, 0, 1, 6]  # admitted: sentence by sentence
    assert last[admitted_last].min() > last[~admitted_last].max()
    assert np.array_equal(last[~admitted_last], keys[~admitted_last])  # the rest as with spread (yield order)


# four sentences; the length scorer ranks the second and third first; the budget holds about one
# and a half of them
CUT = ("Alpha beta gamma delta. Tremendous extraordinary magnificent wonderful comprehensive. "
       "Remarkable substantial considerable exceptional significant. Tiny bits here now.")


def test_sentence_cut_last_keeps_the_best_sentences_whole_and_cuts_only_the_last_reached():
    counter = get_counter("cl100k")
    kept = {}
    for cut in ("spread", "last"):
        cfg = CompressionConfig(sentence_slack=0.0, sentence_facts="follow", sentence_cut=cut)
        r = Compressor(LengthScorer(), config=cfg, tokenizer="cl100k").compress(CUT, target_tokens=14)
        assert counter.count(r.text) == r.compressed_tokens <= 14 and is_subsequence(r.text, CUT)
        kept[cut] = r.text
    whole = [s for s in ("Tremendous extraordinary magnificent wonderful comprehensive.",
                         "Remarkable substantial considerable exceptional significant.") if s in kept["last"]]
    assert len(whole) == 1  # the best sentence intact, the next one cut
    assert not any(s in kept["spread"] for s in whole)  # spread took words from both


def test_sentence_cut_is_validated_and_round_trips():
    with pytest.raises(ConfigError, match="sentence_cut"):
        CompressionConfig(sentence_cut="first")
    units = segment("One. Two.")
    counter = get_counter("cl100k")
    with pytest.raises(ConfigError, match="sentence_cut"):
        fit([units], [np.ones(len(units))], 2, counter, as_sent(units, counter), sentence_slack=0.0, sentence_cut="x")
    cfg = CompressionConfig(sentence_slack=0.0, sentence_cut="last")
    assert CompressionConfig.from_dict(cfg.to_dict()) == cfg and cfg.sentence_step["sentence_cut"] == "last"
    assert CompressionConfig.from_dict({"version": 5, "sentence_slack": 0.0}).sentence_cut == "spread"


def test_auto_cut_is_spread_for_lines_and_last_for_prose():
    from headroom_lingua.engine.sentences import cut_for

    transcript = "Ann: hi all\nBob: the total is 4,200 EUR\nCy: thanks. Bye\n"
    assert cut_for([transcript]) == "spread"  # three line breaks, one full stop
    assert cut_for([CUT]) == "last" and cut_for(["one line, no break"]) == "last"
    assert cut_for(["A. B.", "C\nD\nE\nF"]) == "spread"  # pieces are counted together
    counter = get_counter("cl100k")
    for text, same_as in ((CUT, "last"), (transcript * 3, "spread")):
        out = {}
        for cut in ("auto", same_as):
            cfg = CompressionConfig(sentence_slack=0.0, sentence_facts="follow", sentence_cut=cut)
            out[cut] = Compressor(LengthScorer(), config=cfg, tokenizer=counter).compress(text, rate=0.4).text
        assert out["auto"] == out[same_as]
