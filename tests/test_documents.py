"""Multi-document, question-aware compression: invariants with fake scorers, compression on a
tiny random LM (the scorer itself is tested in test_contrastive.py), the CLI, and (slow) the real
model keeping a planted relevant document."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom_lingua import BudgetError, Compressor, ConfigError, compress
from headroom_lingua.frontends.documents.allocate import coarse, output_order, rank_weights, whole_documents, within_gap
from headroom_lingua.engine.budget import get_counter
from headroom_lingua.frontends.documents import DocumentsConfig, DocumentsResult, compress_documents
from headroom_lingua.rankers import Ranker
from headroom_lingua.scorers import RandomScorer

from .helpers import is_subsequence

WORDS = ("the of and a revenue quarter grew shipped orbit planet river mountain violin melody "
         "protein enzyme harbor vessel glacier desert tariff senate").split()


class KeywordRanker(Ranker):
    """Deterministic fake: relevance 1 for documents containing the keyword, else 0."""

    name = "keyword"

    def __init__(self, keyword: str):
        self.keyword = keyword

    def rank(self, documents, question):
        return np.array([float(self.keyword in d) for d in documents])


def _doc(rng: np.random.Generator, n: int) -> str:
    return " ".join(rng.choice(WORDS, n)) + "."


def _check(result: DocumentsResult, docs, question, instruction, counter) -> None:
    if instruction:
        assert result.text.startswith(instruction)
    if question:
        assert result.text.endswith(question)
    assert result.compressed_tokens == counter.count(result.text)
    assert result.compressed_tokens <= result.budget or result.budget >= result.original_tokens
    for i, (doc, out) in enumerate(zip(docs, result.documents)):
        assert is_subsequence(out, doc)
        stat = result.stats[i]
        assert stat.position is not None or not out.strip()
        assert stat.position is None or out.strip() or result.budget >= result.original_tokens
        assert stat.compressed_tokens == counter.count(out)
    assert [result.stats[i].position for i in result.order] == list(range(len(result.order)))


# -- pure helpers --------------------------------------------------------------------------------
def test_coarse_admits_by_rank_until_the_slack_is_full():
    assert coarse([2, 0, 1], [50, 50, 50], room=60, slack=0.0) == [2, 0]
    assert coarse([0, 1], [500, 10], room=100, slack=0.3) == [0]
    assert coarse([0, 1, 2], [10, 10, 10], room=1000, slack=0.3) == [0, 1, 2]


def test_rank_weights_and_orders():
    assert rank_weights(1, 0.5) == [1.0]
    assert rank_weights(5, 0.0) == [1.0] * 5
    w = rank_weights(4, 0.4)
    assert w[0] == pytest.approx(1.4) and w[-1] == pytest.approx(0.6) and w == sorted(w, reverse=True)
    ranked = [4, 2, 0, 1, 3]
    assert output_order(ranked, "original") == [0, 1, 2, 3, 4]
    assert output_order(ranked, "relevance") == ranked
    both = output_order(ranked, "both_ends")
    assert both[0] == 4 and both[-1] == 2 and sorted(both) == sorted(ranked)


def test_whole_documents_follow_the_weighted_shares():
    assert whole_documents([0, 1, 2], [100, 100, 100], [1.5, 1.0, 0.5], room=200) == {0}
    assert whole_documents([0, 1], [100, 100], [1.5, 0.5], room=500) == {0, 1}
    assert whole_documents([0, 1], [100, 100], [1.5, 0.5], room=50) == set()


def test_within_gap_keeps_documents_close_to_the_best():
    rel = [-1.0, -1.4, -3.0, -np.inf]
    assert within_gap([0, 1, 2, 3], rel, None) == [0, 1, 2, 3]
    assert within_gap([0, 1, 2, 3], rel, 0.5) == [0, 1]
    assert within_gap([1, 0], rel, 0.0) == [0]  # only the best (order of rank_order kept)
    assert within_gap([2, 3], rel, 10.0) == [2]  # -inf relevance (a NaN score) is never close
    assert within_gap([], rel, 1.0) == []


# -- invariants (fake scorer) ----------------------------------------------------------------------
doc_text = st.one_of(
    st.lists(st.sampled_from(WORDS + ["12.5%", "https://x.io/a", "日本", "🙂", "\n"]), min_size=0, max_size=40)
    .map(" ".join),
    st.text(max_size=80),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.lists(doc_text, min_size=1, max_size=6),
       question=st.one_of(st.none(), st.text(min_size=1, max_size=30)),
       instruction=st.one_of(st.none(), st.text(min_size=1, max_size=30)),
       rate=st.floats(0.05, 1.0), order=st.sampled_from(["original", "relevance", "both_ends"]))
def test_question_and_instruction_verbatim_and_budget_holds(fake, docs, question, instruction, rate, order):
    counter = get_counter("cl100k")
    try:
        r = compress_documents(docs, question=question, instruction=instruction, rate=rate, model=fake,
                               ranker="overlap", order=order, config=DocumentsConfig(steps=()))  # only cut
    except BudgetError:
        fixed = counter.count("\n\n".join(p for p in (instruction, question) if p))
        original = counter.count("\n\n".join(([instruction] if instruction else []) + docs +
                                             ([question] if question else [])))
        assert fixed > max(1, int(rate * original + 1e-9))
        return
    _check(r, docs, question, instruction, counter)


def test_planted_relevant_document_survives_and_irrelevant_siblings_go(fake):
    rng = np.random.default_rng(0)
    docs = [_doc(rng, 60) for _ in range(9)]
    docs.insert(6, "The treaty of Zorbania was signed in 1854 by the river council after long talks.")
    q = "When was the treaty of Zorbania signed?"
    r = compress_documents(docs, question=q, rate=0.2, model=fake, ranker=KeywordRanker("Zorbania"))
    assert "1854" in r.documents[6] and "Zorbania" in r.documents[6]
    assert r.stats[6].rank == 0
    assert sum(s.position is None for s in r.stats) >= 5  # most distractors dropped whole
    assert r.compressed_tokens <= r.budget


def test_relevance_gap_drops_far_less_relevant_documents_even_with_room(fake):
    rng = np.random.default_rng(4)
    docs = [_doc(rng, 30) for _ in range(4)]
    ranker = type("R", (Ranker,), {"rank": lambda self, d, q: np.array([0.0, -0.5, -3.0, -0.2])})()
    q = "Which tariff?"
    free = compress_documents(docs, question=q, rate=0.9, model=fake, ranker=ranker)
    assert free.stats[2].position is not None  # the budget has room for it
    r = compress_documents(docs, question=q, rate=0.9, model=fake, ranker=ranker,
                           config=DocumentsConfig(relevance_gap=1.0))
    assert r.stats[2].position is None and r.documents[2] == "" and r.stats[2].rank == 3
    assert all(r.stats[i].position is not None for i in (0, 1, 3))
    assert r.compressed_tokens < free.compressed_tokens and r.text.endswith(q)
    _check(r, docs, q, None, get_counter("cl100k"))
    one = compress(docs, question=q, rate=0.9, model=fake, ranker=ranker, relevance_gap=0.0)  # the argument
    assert [s.position is not None for s in one.stats] == [True, False, False, False]
    assert one.documents[0] == docs[0]  # the budget has room for it whole
    with pytest.raises(ConfigError, match="relevance_gap"):
        compress(docs, question=q, rate=0.9, model=fake, relevance_gap=-1)


def test_more_relevant_documents_keep_a_larger_share(fake):
    rng = np.random.default_rng(1)
    docs = [_doc(rng, 80) for _ in range(4)]
    ranker = type("R", (Ranker,), {"rank": lambda self, d, q: np.array([1.0, 4.0, 2.0, 3.0])})()
    cfg = DocumentsConfig(coarse_slack=10.0, dynamic_ratio=0.6)  # admit all, allot by rank
    r = compress_documents(docs, question="q?", rate=0.5, model=fake, ranker=ranker, config=cfg)
    share = [s.compressed_tokens / s.original_tokens for s in r.stats]
    assert share[1] > share[3] > share[2] > share[0]
    assert [s.rank for s in r.stats] == [3, 0, 2, 1]


class RecordingScorer(RandomScorer):
    """RandomScorer that records the texts it scores."""

    def __init__(self):
        super().__init__(seed=3)
        self.seen: list[str] = []

    def score(self, units, rate=None):
        self.seen.append(units.text)
        return super().score(units, rate)


def test_documents_kept_whole_are_never_scored():
    rng = np.random.default_rng(4)
    docs = [_doc(rng, n) for n in (20, 25, 30, 120, 150)]
    scorer = RecordingScorer()
    ranker = type("R", (Ranker,), {"rank": lambda self, d, q: np.array([5.0, 4.0, 3.0, 2.0, 1.0])})()
    cfg = DocumentsConfig(coarse_slack=10.0, dynamic_ratio=0.8)  # admit all: the short, relevant ones fit whole
    r = compress_documents(docs, question="q?", rate=0.5, model=Compressor(scorer, tokenizer="cl100k"),
                           ranker=ranker, config=cfg)
    whole = [i for i, (d, out) in enumerate(zip(docs, r.documents)) if out == d]
    assert {0, 1} <= set(whole) and 4 not in whole
    assert not set(scorer.seen) & {docs[i] for i in whole}  # no scores spent on them
    assert docs[4] in scorer.seen and r.compressed_tokens <= r.budget


def test_a_document_expected_whole_but_cut_is_scored_and_selected_as_usual(monkeypatch):
    import headroom_lingua.frontends.documents.compress as documents_module

    rng = np.random.default_rng(5)
    docs = [_doc(rng, 60) for _ in range(4)]
    ranker = type("R", (Ranker,), {"rank": lambda self, d, q: np.array([1.0, 4.0, 2.0, 3.0])})()
    cfg = DocumentsConfig(coarse_slack=10.0, dynamic_ratio=0.6)
    out = {}
    for label, guess in (("none whole", lambda kept, *a: set()), ("all whole", lambda kept, *a: set(kept))):
        monkeypatch.setattr(documents_module, "whole_documents", guess)  # a right and a wrong estimate
        scorer = RecordingScorer()
        out[label] = compress_documents(docs, question="q?", rate=0.5, model=Compressor(scorer, tokenizer="cl100k"),
                                        ranker=ranker, config=cfg)
        assert sorted(scorer.seen) == sorted(docs)  # every document is cut, so every one was scored
    assert out["all whole"].documents == out["none whole"].documents
    assert out["all whole"].compressed_tokens <= out["all whole"].budget


def test_orders_place_documents_by_relevance(fake):
    docs = ["alpha " * 20, "beta " * 20, "gamma " * 20]
    ranker = type("R", (Ranker,), {"rank": lambda self, d, q: np.array([1.0, 3.0, 2.0])})()
    cfg = DocumentsConfig(coarse_slack=10.0)
    by = {o: compress_documents(docs, question="q", rate=0.9, model=fake, ranker=ranker, order=o, config=cfg).order
          for o in ("original", "relevance", "both_ends")}
    assert by == {"original": (0, 1, 2), "relevance": (1, 2, 0), "both_ends": (1, 0, 2)}


def test_without_question_documents_compress_jointly_and_budget_holds(fake):
    rng = np.random.default_rng(2)
    docs = [_doc(rng, 50) for _ in range(3)]
    r = compress_documents(docs, instruction="Summarise:", target_tokens=60, model=fake)
    _check(r, docs, None, "Summarise:", get_counter("cl100k"))
    assert all(s.rank is None and s.relevance is None for s in r.stats)
    assert r.compressed_tokens >= 0.9 * 60


def test_rate_one_returns_the_assembly_unchanged(fake):
    r = compress_documents(["a b c", "d e f"], question="q?", instruction="i", rate=1.0, model=fake)
    assert r.text == "i\n\na b c\n\nd e f\n\nq?" and r.documents == ("a b c", "d e f")
    assert r.kept == ((0, len(r.text)),)


def test_kept_spans_point_into_the_original_assembly(fake):
    docs = ["one two three four five six", "seven eight nine ten eleven twelve"]
    r = compress_documents(docs, question="Q?", instruction="I", rate=0.6, model=fake, ranker="overlap")
    original = "\n\n".join(["I"] + docs + ["Q?"])
    pieces = [original[s:e] for s, e in r.kept]
    assert pieces[0] == "I" and pieces[-1] == "Q?"
    assert all(p in r.text for p in pieces)


def test_compress_dispatches_lists_and_questions(fake):
    r = compress(["x y z " * 10, "u v w " * 10], question="x?", rate=0.5, model=fake)
    assert isinstance(r, DocumentsResult) and r.text.endswith("x?")
    r = compress("plain text here " * 10, rate=0.5, model=fake)
    assert not isinstance(r, DocumentsResult)
    r = compress(["x y z " * 10, "u v w " * 10], question="Is it w?", rate=0.5, model=fake, ranker="overlap")
    assert [s.rank for s in r.stats] == [1, 0]  # the ranker reached compress_documents


@pytest.mark.parametrize("kwargs, error, words", [
    ({"question": 3}, TypeError, ["question", "str"]),
    ({"instruction": b"x"}, TypeError, ["instruction"]),
    ({"order": "middle"}, ConfigError, ["order", "both_ends"]),
    ({"ranker": "bm99"}, ConfigError, ["bm99", "overlap"]),
    ({"ranker": 5}, ConfigError, ["ranker"]),
])
def test_bad_arguments_name_the_field(fake, kwargs, error, words):
    kwargs.setdefault("question", "q?")
    with pytest.raises(error) as exc:
        compress_documents(["a b c d", "e f g h"], rate=0.5, model=fake, **kwargs)
    assert all(w in str(exc.value) for w in words)


def test_bad_documents_name_the_index(fake):
    with pytest.raises(TypeError, match=r"documents\[1\]"):
        compress_documents(["ok", 7], rate=0.5, model=fake)
    with pytest.raises(TypeError, match="list of str"):
        compress_documents(42, rate=0.5, model=fake)


def test_question_and_instruction_over_budget_raise(fake):
    with pytest.raises(BudgetError, match="instruction and question"):
        compress_documents(["a " * 50], question="why " * 30, instruction="do " * 30, target_tokens=20, model=fake)


def test_config_validation():
    for bad in ({"coarse_slack": -1}, {"dynamic_ratio": 1.0}, {"fine": "x"}, {"separator": ""},
                {"relevance_gap": -0.1}, {"relevance_gap": "1"}, {"relevance_gap": True}):
        with pytest.raises(ConfigError):
            DocumentsConfig(**bad)


# -- documents on a tiny random LM ----------------------------------------------------------------
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.lists(doc_text, min_size=1, max_size=4), question=st.text(min_size=1, max_size=20),
       rate=st.floats(0.1, 0.9), order=st.sampled_from(["original", "relevance", "both_ends"]))
def test_tiny_lm_end_to_end_invariants(tiny_scorer, docs, question, rate, order):
    comp = Compressor(tiny_scorer)
    try:
        r = compress_documents(docs, question=question, instruction="Answer:", rate=rate, model=comp, order=order)
    except BudgetError:
        return
    _check(r, docs, question, "Answer:", tiny_scorer.counter)


def test_fast_mode_never_runs_the_lm_on_a_document_kept_whole(tiny_scorer, monkeypatch):
    import headroom_lingua.scorers.contrastive.scorer as contrastive_module

    rows = []
    real = contrastive_module.run_rows
    monkeypatch.setattr(contrastive_module, "run_rows", lambda lm, r, *a, **k: rows.extend(r) or real(lm, r, *a, **k))
    docs = ["The harbor vessel shipped tariff goods. " * 3, "A violin melody in the desert. " * 6,
            "The senate debated the tariff. " * 6, "Glacier river mountain orbit planet. " * 6]
    r = compress_documents(docs, question="Which vessel shipped tariff goods from the harbor?", rate=0.5,
                           model=Compressor(tiny_scorer), ranker="overlap",
                           config=DocumentsConfig(steps=()))  # noise would strip the trailing spaces
    _check(r, docs, "Which vessel shipped tariff goods from the harbor?", None, tiny_scorer.counter)
    assert r.stats[0].rank == 0 and r.documents[0] == docs[0]  # most relevant, kept whole
    cut = [i for i, (d, out) in enumerate(zip(docs, r.documents)) if out.strip() and out != d]
    assert cut  # something was compressed, so the LM ran ...
    read = [tiny_scorer.tokenizer.decode(row.ids[row.a:row.b]) for row in rows]
    assert all(any(t in d for d in docs[1:]) for t in read)  # ... but never on the one kept whole,
    assert set(cut) <= {i for i, d in enumerate(docs) if any(t in d for t in read)}  # and on every one cut


def test_progress_bar_on_long_inputs(tiny_scorer, monkeypatch, capsys):
    import headroom_lingua.frontends.documents.compress as documents

    monkeypatch.setattr(documents, "PROGRESS_MIN_TOKENS", 1)
    docs = ["The quick brown fox jumps over the lazy dog. " * 8] * 3
    r = compress_documents(docs, question="Who jumps?", rate=0.4, model=Compressor(tiny_scorer), progress=True)
    assert r.compressed_tokens <= r.budget
    assert "scoring documents" in capsys.readouterr().err


# -- CLI -------------------------------------------------------------------------------------------
def test_cli_compress_with_docs_jsonl(tmp_path, tiny_model_dir):
    from headroom_lingua.cli import main

    path = tmp_path / "docs.jsonl"
    lines = [json.dumps("The quick brown fox jumps over the lazy dog. " * 3),
             json.dumps({"text": "Revenue grew 12% to $4.2M in Q3 2024. " * 3}), ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["compress", "--question", "How much did revenue grow?", "--instruction", "Answer briefly.",
                 "--docs", str(path), "--rate", "0.5", "--model", str(tiny_model_dir), "--json"], out, err)
    assert code == 0, err.getvalue()
    data = json.loads(out.getvalue())
    assert data["text"].startswith("Answer briefly.") and data["text"].endswith("How much did revenue grow?")
    assert len(data["documents"]) == 2 and data["compressed_tokens"] <= data["budget"]
    out = io.StringIO()
    code = main(["compress", "--question", "How much did revenue grow?", "--docs", str(path), "--rate", "0.9",
                 "--model", str(tiny_model_dir), "--json", "--relevance-gap", "0"], out, err)
    assert code == 0, err.getvalue()
    assert sum(s["position"] is not None for s in json.loads(out.getvalue())["stats"]) == 1  # only the best
    err = io.StringIO()
    code = main(["compress", "--question", "q", "--docs", str(path), "--rate", "0.5", "--model", str(tiny_model_dir),
                 "--relevance-gap", "-1"], io.StringIO(), err)
    assert code == 1 and "relevance_gap" in err.getvalue() and err.getvalue().count("\n") == 1


def test_cli_bad_jsonl_is_one_clean_line(tmp_path, tiny_model_dir):
    from headroom_lingua.cli import main

    path = tmp_path / "docs.jsonl"
    path.write_text('"fine"\n{"title": "no text"}\n', encoding="utf-8")
    err = io.StringIO()
    code = main(["compress", "--question", "q", "--docs", str(path), "--rate", "0.5",
                 "--model", str(tiny_model_dir)], io.StringIO(), err)
    assert code == 1 and "line 2" in err.getvalue() and err.getvalue().count("\n") == 1


# -- real model ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_real_model_ranks_and_keeps_the_planted_document(monkeypatch):
    monkeypatch.delenv("HEADROOM_LINGUA_HOME", raising=False)  # use the real model cache
    comp = Compressor.from_pretrained()
    docs = [
        "The violin is a wooden string instrument, played with a bow, in the string family of the orchestra.",
        "Glaciers form where snow accumulates faster than it melts, compressing into ice over centuries.",
        "The Senate passed the tariff bill after a long debate over steel imports and farm subsidies.",
        "The Apollo 11 mission landed the first humans on the Moon on July 20, 1969, with Neil Armstrong.",
        "Enzymes are proteins that speed up chemical reactions in cells without being consumed.",
        "The harbor of Rotterdam is the largest port in Europe by cargo tonnage handled each year.",
    ]
    q = "Who was the first human to walk on the Moon?"
    r = compress_documents(docs, question=q, rate=0.4, model=comp)
    assert r.stats[3].rank == 0
    assert r.documents[3] == docs[3]  # kept whole
    assert sum(s.position is None for s in r.stats) >= 3


def test_question_out_of_the_prompt_still_steers_but_is_not_returned_or_counted(fake):
    rng = np.random.default_rng(3)
    docs = [_doc(rng, 40) for _ in range(5)]
    docs.insert(2, "The Zorbania treaty was signed in 1854 by the river council.")
    q = "When was the Zorbania treaty signed?"
    counter = get_counter("cl100k")
    original = counter.count("\n\n".join(docs))
    r = compress_documents(docs, question=q, target_tokens=original // 4, model=fake,
                           ranker=KeywordRanker("Zorbania"), question_in_prompt=False)
    assert q not in r.text and r.original_tokens == original
    assert r.text == "\n\n".join(r.documents[i] for i in r.order)
    assert r.compressed_tokens == counter.count(r.text) <= r.budget == original // 4
    assert r.stats[2].rank == 0 and "1854" in r.documents[2]  # the question still ranks documents
    assert r.kept and max(e for _, e in r.kept) <= len("\n\n".join(docs))  # spans of the docs-only assembly


def test_repeated_documents_become_references_before_scoring(fake):
    para = ("The quarterly revenue report shows the database migration finished on time and the team "
            "shipped the new invoice service to every customer in the third quarter.")
    docs = [para, "An unrelated note about the office kitchen and the renovation planned for next week.", para]
    r = compress_documents(docs, question="When did the migration finish?", rate=0.6, model=fake, ranker="overlap")
    dedup = next(s for s in r.steps if s.step == "dedup")
    assert dedup.items_dropped == 1 and dedup.tokens_removed > 15
    assert r.documents[2] in ("", "[same as document 1 above]") and r.compressed_tokens <= r.budget
    off = compress_documents(docs, question="When did the migration finish?", rate=0.6, model=fake, ranker="overlap",
                             config=DocumentsConfig(steps=()))
    assert off.steps == ()
