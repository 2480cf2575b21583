"""Question-aware compression of multi-document prompts (retrieved documents + a question).

The returned prompt is ``instruction, documents..., question`` joined by ``config.separator``;
the budget covers all of it, exactly as counted in the budget tokenizer, but only documents are
compressed: instruction and question come back byte-identical. Three levels, as in LongLLMLingua:

1. coarse: a ``Ranker`` scores each document's relevance to the question (default: the mean
   -log p(question | document) of the scorer's LM); documents are admitted in relevance order
   until they hold ``(1 + coarse_slack)`` x the documents' budget, the rest are dropped whole
   (with ``relevance_gap``, so is every document that much less relevant than the best one);
2. allocation: admitted documents get keep weights falling linearly with rank (``dynamic_ratio``),
   so the more relevant keep a larger share of their words;
3. fine: word scores are question-aware (contrastive surprisal, ``scorers.contrastive``) and one
   global selection, counted on the assembled text, fills the budget.

Without a question the documents are compressed jointly as one prompt (no ranking, no weights).

Example:
    >>> from headroom_lingua import Compressor
    >>> from headroom_lingua.scorers import LengthScorer
    >>> docs = ["Paris is the capital of France.", "Bananas are rich in potassium and grow in bunches."]
    >>> r = compress_documents(docs, question="What is the capital of France?", rate=0.8,
    ...                        model=Compressor(LengthScorer(), tokenizer="cl100k"), ranker="overlap")
    >>> r.documents
    ('Paris is the capital of France.', 'Bananas potassium bunches')
    >>> r.text.endswith("What is the capital of France?"), r.compressed_tokens <= r.budget
    (True, True)
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Iterable

import numpy as np

from ...engine import Units, as_force, check_budget_args, check_text, fit, joined, optional_text, resolve_budget
from ...errors import BudgetError
from ...loading import Backend, resolve
from ...rankers import Ranker, get_ranker
from ...scorers.base import progress_hook
from ...structure.apply import StepStat, engine_spans, query_terms, run_steps
from ..prepare import prepare_units, prioritised
from ..strings import scored_shortener
from .allocate import coarse, output_order, rank_weights, whole_documents, within_gap
from .config import DocumentsConfig, DocumentsResult
from .result import build_result, unchanged

PROGRESS_MIN_TOKENS = 4096  # show a progress bar (when asked) only for work at least this long


def check_documents(prompt: Any) -> list[str]:
    """The documents as a list of str: one str is one document; errors name the bad index."""
    if isinstance(prompt, str):
        return [check_text(prompt, "prompt")]
    if not isinstance(prompt, (list, tuple)):
        raise TypeError(f"prompt must be a str or a list of str (documents), got {type(prompt).__name__}")
    return [check_text(d, f"documents[{i}]") for i, d in enumerate(prompt)]


def assemble(instruction: str | None, documents: Iterable[str], question: str | None, separator: str) -> str:
    """``instruction``, the documents and ``question`` joined by ``separator`` (None parts skipped)."""
    parts = ([instruction] if instruction is not None else []) + list(documents)
    return separator.join(parts + ([question] if question is not None else []))


@dataclasses.dataclass
class Job:
    """Everything one call works on."""

    docs: list[str]
    question: str | None
    instruction: str | None
    cfg: DocumentsConfig
    backend: Backend
    counter: Any
    force: tuple
    question_in_prompt: bool = True

    @property
    def shown_question(self) -> str | None:
        """The question as the returned text carries it (None when the caller places it)."""
        return self.question if self.question_in_prompt else None

    def assemble(self, texts: Iterable[str]) -> str:
        return assemble(self.instruction, texts, self.shown_question, self.cfg.separator)


def compress_documents(documents: Any, *, question: str | None = None, instruction: str | None = None,
                       rate: float | None = None, target_tokens: int | None = None, tokenizer: Any = None,
                       model: Any = None, force: Iterable = (), ranker: Any = None, order: str | None = None,
                       relevance_gap: float | None = None, config: DocumentsConfig | None = None,
                       progress: bool = False, question_in_prompt: bool = True) -> DocumentsResult:
    """Compress documents (a list of str, or one str) for a question, under one budget that
    covers instruction + documents + question as assembled. Only documents are compressed.

    ``question_in_prompt=False`` is for callers that put the question into their own template:
    the question still steers ranking and word scores, but the returned ``text`` and the budget
    cover the instruction (if any) and the documents only.

    ``ranker``: a name in ``rankers.RANKERS`` or a ``Ranker``; ``order`` and ``relevance_gap``
    override the fields of ``config`` (see ``DocumentsConfig``);
    ``model``: a name, folder or ``Compressor`` (its scorer, budget tokenizer and protection are
    used); ``progress``: show a progress bar on stderr for long inputs.

    Example:
        >>> r = compress_documents(["doc one ...", "doc two ..."], question="Which ...?", rate=0.33)  # doctest: +SKIP
        >>> r.text, [s.rank for s in r.stats], r.documents  # doctest: +SKIP
    """
    start = time.perf_counter()
    check_budget_args(rate, target_tokens)
    overrides = {k: v for k, v in (("order", order), ("relevance_gap", relevance_gap)) if v is not None}
    docs = check_documents(documents)
    job = Job(docs, optional_text(question, "question"), optional_text(instruction, "instruction"),
              (config or DocumentsConfig()).replace(**overrides), resolve(model), None, as_force(force),
              bool(question_in_prompt))
    job.counter = job.backend.counter(tokenizer)
    original_text = job.assemble(docs)
    original = job.counter.count(original_text)
    budget = resolve_budget(max(original, 1), rate, target_tokens)
    fixed = job.counter.count(job.assemble([]))
    if fixed > budget:
        raise BudgetError(f"instruction and question alone are {fixed} tokens, {fixed - budget} over the budget "
                          f"of {budget}; raise the budget or shorten them (they are never compressed)")
    if budget >= original:
        return unchanged(job, original_text, original, budget, time.perf_counter() - start)
    job.docs, steps = _structure(job)
    relevance, active, units, masks, used = _compress(job, ranker, budget, fixed, progress)
    result = build_result(job, original, budget, used, relevance, active, units, masks, time.perf_counter() - start)
    return dataclasses.replace(result, steps=steps)


def _structure(job: Job) -> tuple[list[str], tuple[StepStat, ...]]:
    """The documents after the structure steps (repeats across documents first), and their stats."""
    if not job.cfg.steps:
        return job.docs, ()
    return run_steps(job.docs, [True] * len(job.docs), job.cfg.steps, job.counter.count, label="document",
                     keep_terms=query_terms(job.question or ""),
                     shorten=scored_shortener(job.backend, job.counter, job.force))


def _compress(job: Job, ranker: Any, budget: int, fixed: int, progress: bool) -> tuple:
    """Rank, admit, score and fit; (relevance, kept documents, their units, masks, tokens used)."""
    live = [i for i, d in enumerate(job.docs) if d.strip()]
    doc_tokens = [job.counter.count(d) for d in job.docs]
    bar = _progress_bar(progress, sum(doc_tokens[i] for i in live))
    try:
        with progress_hook(bar.update if bar is not None else None):
            relevance, rank_order, scorers = _rank(job, live, ranker)
            kept = live if relevance is None else coarse(within_gap(rank_order, relevance, job.cfg.relevance_gap),
                                                         doc_tokens, budget - fixed, job.cfg.coarse_slack)
            weighted = relevance is not None
            units, scores = _score_kept(job, kept, doc_tokens, budget - fixed, weighted, scorers[0], bar)
            active, masks, used = _fit(job, kept, units, scores, budget, weighted, scorers[1])
    finally:
        if bar is not None:
            bar.close()
    return relevance, active, units, masks, used


def _fine_scorers(backend: Backend, question: str, cfg: DocumentsConfig, ranker: Ranker) -> tuple[Any, Any]:
    """(scorer of the documents to cut, scorer of those expected to be kept whole). With a causal
    LM the second is plain surprisal from the ranking pass's cache: no forward pass at all. A scorer
    without one is asked for its question-aware view, if it has one."""
    base = backend.scorer
    if base.causal_lm() is None:
        return base.for_question(question) or base, base
    from ...scorers.contrastive import ContrastiveScorer

    shared = ranker if isinstance(ranker, ContrastiveScorer) and ranker.lm is base.causal_lm() \
        else ContrastiveScorer.for_scorer(base)
    cheap = shared.conditioned(None, self_weight=1.0, contrast_weight=0.0)
    if cfg.fine == "surprisal":
        return cheap, cheap
    return shared.conditioned(question, self_weight=cfg.self_weight, contrast_weight=1.0), cheap


def _rank(job: Job, live: list[int], ranker: Any) -> tuple[np.ndarray | None, list[int], tuple[Any, Any]]:
    """(relevance of every document or None, live documents most relevant first, fine scorers)."""
    if job.question is None or not job.question.strip() or not live:
        return None, live, (job.backend.scorer, job.backend.scorer)
    chosen = get_ranker(job.cfg.ranker if ranker is None else ranker, job.backend.scorer)
    fine = _fine_scorers(job.backend, job.question, job.cfg, chosen)
    got = np.asarray(chosen.rank([job.docs[i] for i in live], job.question), dtype=np.float64)
    if got.shape != (len(live),):
        raise ValueError(f"ranker {type(chosen).__name__} returned shape {got.shape} for {len(live)} documents")
    relevance = np.full(len(job.docs), -np.inf)
    relevance[live] = np.nan_to_num(got, nan=-np.inf)  # a NaN relevance ranks last
    order = sorted(live, key=lambda i: (-relevance[i], i))
    return relevance, order, fine


def _score_kept(job: Job, kept: list[int], doc_tokens: list[int], room: int, weighted: bool, fine: Any,
                bar: Any) -> tuple[dict[int, Units], dict[int, np.ndarray | None]]:
    """Units and fine-level scores of the admitted documents. Those the weighted allocation is
    expected to keep whole get no scores yet (None): whether a document is kept whole does not
    depend on its scores (its units' keys are percentiles), so ``_fit`` scores one only if the
    selection cuts into it after all."""
    protect = job.backend.config.protect
    units = {i: prepare_units(job.docs[i], protect, job.force, *engine_spans(job.docs[i], protect, job.cfg.steps))
             for i in kept}
    whole = whole_documents(kept, doc_tokens, rank_weights(len(kept), job.cfg.dynamic_ratio), room) if weighted else set()
    cut = [i for i in kept if i not in whole]
    if bar is not None:
        bar.total += sum(doc_tokens[i] for i in cut)
        bar.refresh()
    scores: dict[int, np.ndarray | None] = {i: None for i in whole}
    scores.update(zip(cut, fine.score_batch([units[i] for i in cut]) if cut else []))
    return units, scores


def _fit(job: Job, kept: list[int], units: dict[int, Units], scores: dict[int, np.ndarray | None], budget: int,
         weighted: bool, later: Any) -> tuple[list[int], list[np.ndarray], int]:
    """Select jointly over the kept documents (most relevant first in ``kept``). If their
    protected text overflows, the least relevant document goes, until one is left; that one may
    then lose protected spans too (only instruction and question are never cut). Documents
    without scores (expected whole) are selected on placeholder scores; if one is cut after all,
    the ``later`` scorer scores it (plain surprisal, cached if a ranking pass read it) and the
    selection reruns. The last document left yields protected spans by priority as the engine
    does (``on_overflow="yield"``, the default) or drops them by score (``raise``/``drop``)."""
    active = list(kept)
    last = "yield" if job.backend.config.on_overflow == "yield" else "drop"
    while True:
        order = output_order(active, job.cfg.order if weighted else "original")
        pos = {i: k for k, i in enumerate(active)}

        def assemble(texts: list[str], order: list[int] = order, pos: dict = pos) -> str:
            return job.assemble(t for t in (texts[pos[i]] for i in order) if t.strip())

        pieces = [units[i] for i in active]
        weights = rank_weights(len(active), job.cfg.dynamic_ratio) if weighted else None  # ``active`` is in rank order
        given = [prioritised(units[i], scores[i] if scores[i] is not None else np.zeros(len(units[i]))) for i in active]
        try:
            masks, used = fit(pieces, given, budget, job.counter, joined(pieces, job.counter, assemble),
                              weights=weights, on_overflow="raise" if len(active) > 1 else last,
                              protect_share=job.backend.config.protect_share,
                              **job.backend.config.sentence_step)
        except BudgetError:
            active.pop()
            continue
        short = [i for i, m in zip(active, masks) if scores[i] is None and not m.all()]
        if not short:
            return active, masks, used
        scores.update(zip(short, later.score_batch([units[i] for i in short])))


def _progress_bar(progress: bool, tokens: int) -> Any:
    if not progress or tokens < PROGRESS_MIN_TOKENS:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=tokens, desc="scoring documents", unit="tok", unit_scale=True, leave=False)
