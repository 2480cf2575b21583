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
import math
import time
from typing import Any, Iterable

import numpy as np

from .allocate import coarse, output_order, rank_weights, whole_documents, within_gap
from .errors import BudgetError, ConfigError
from .multiselect import render, select_pieces
from .protect import find_protected
from .rankers import Ranker, get_ranker
from .result import CompressionResult, make_result
from .segment import Units, segment

ORDERS = ("original", "relevance", "both_ends")
FINE = ("contrastive", "surprisal")
PROGRESS_MIN_TOKENS = 4096  # show a progress bar (when asked) only for work at least this long


@dataclasses.dataclass(frozen=True)
class DocumentsConfig:
    """How documents are ranked, allotted and ordered.

    Attributes:
        order: order of the kept documents in the output: ``original`` (default), ``relevance``
            (most relevant first) or ``both_ends`` (most relevant at the start and the end, the
            least in the middle, where long-context models attend least).
        separator: text joining instruction, documents and question.
        coarse_slack: documents are admitted, most relevant first, until they hold
            ``(1 + coarse_slack)`` x the tokens left for documents; the fine level cuts the rest.
        dynamic_ratio: spread of the keep weights over the admitted documents' ranks: the most
            relevant gets ``1 + dynamic_ratio``, the least ``1 - dynamic_ratio`` (0: all equal).
            Defaults (0.0, 0.8) were chosen on 40 SQuAD multi-document prompts by answer survival
            (119/120 over rates 0.5/0.33/0.2, against 91-107/120 with a slack of 0.3).
        fine: word scores with a causal-LM scorer: ``contrastive`` (question-aware; one extra
            pass over the documents that are not kept whole) or ``surprisal`` (plain
            self-information, taken from the ranking pass: no extra pass). Other scorers are used
            as they are.
        ranker: default ranker name (``auto``: question perplexity with a causal-LM scorer, else
            ``overlap``); a ``ranker=`` argument overrides it. ``overlap`` or ``bm25`` with a causal LM
            is the fast mode: no ranking pass, the LM reads only the admitted documents that get cut;
            ``bm25_qp`` ranks with the LM too, but only BM25's top three documents.
        self_weight: with ``fine="contrastive"``, add this multiple of the plain surprisal to the
            contrastive one (0: pure contrastive, as in LongLLMLingua).
        relevance_gap: drop every document whose relevance is more than this below the most
            relevant one's, even when the budget has room for it, so the prompt may come back
            shorter than the budget. In the ranker's units: nats per question token for question
            perplexity. None (default): the budget alone decides. Off-topic documents cost tokens
            and distract small target models; a gap also drops a document a multi-hop question
            needs when it shares little with the question (see docs/documents_and_chat.md).
    """

    order: str = "original"
    separator: str = "\n\n"
    coarse_slack: float = 0.0
    dynamic_ratio: float = 0.8
    fine: str = "contrastive"
    ranker: str = "auto"
    self_weight: float = 0.0
    relevance_gap: float | None = None

    def __post_init__(self) -> None:
        if self.order not in ORDERS:
            raise ConfigError(f"order={self.order!r} is not one of {list(ORDERS)}")
        if self.fine not in FINE:
            raise ConfigError(f"fine={self.fine!r} is not one of {list(FINE)}")
        if not isinstance(self.separator, str) or not self.separator:
            raise ConfigError(f"separator must be a non-empty str, got {self.separator!r}")
        if not isinstance(self.coarse_slack, (int, float)) or not 0 <= self.coarse_slack < math.inf:
            raise ConfigError(f"coarse_slack must be a number >= 0, got {self.coarse_slack!r}")
        if not isinstance(self.dynamic_ratio, (int, float)) or not 0 <= self.dynamic_ratio < 1:
            raise ConfigError(f"dynamic_ratio must be a number in [0, 1), got {self.dynamic_ratio!r}")
        if not isinstance(self.self_weight, (int, float)) or not 0 <= self.self_weight < math.inf:
            raise ConfigError(f"self_weight must be a number >= 0, got {self.self_weight!r}")
        if self.relevance_gap is not None and (isinstance(self.relevance_gap, bool) or not isinstance(
                self.relevance_gap, (int, float)) or not 0 <= self.relevance_gap < math.inf):
            raise ConfigError(f"relevance_gap must be None or a number >= 0, got {self.relevance_gap!r}")
        if not isinstance(self.ranker, str):
            raise ConfigError(f"ranker must be a ranker name, got {self.ranker!r}")

    def replace(self, **changes: Any) -> "DocumentsConfig":
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True)
class DocumentStat:
    """Figures for one input document.

    Attributes:
        index: position in the input list.
        relevance: the ranker's score (higher = more relevant); None without a question.
        rank: 0 for the most relevant; None without a question.
        original_tokens / compressed_tokens: the document alone, in the budget tokenizer.
        position: where it sits among the output's documents; None if dropped.
        kept: kept character spans of the document.
    """

    index: int
    relevance: float | None
    rank: int | None
    original_tokens: int
    compressed_tokens: int
    position: int | None
    kept: tuple[tuple[int, int], ...]


@dataclasses.dataclass(frozen=True)
class DocumentsResult(CompressionResult):
    """A ``CompressionResult`` of the assembled prompt, plus per-document figures.

    ``text`` is the assembled prompt, ``kept`` the kept spans of the *original* assembly
    (documents in input order); ``documents`` the compressed documents in input order ("" for a
    dropped one), ``order`` the input indices of the output's documents, in output order.
    """

    documents: tuple[str, ...] = ()
    stats: tuple[DocumentStat, ...] = ()
    order: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["documents"] = list(self.documents)
        data["order"] = list(self.order)
        data["stats"] = [{**dataclasses.asdict(s), "kept": [list(k) for k in s.kept]} for s in self.stats]
        return data


# -- input checks -------------------------------------------------------------------------------
def check_documents(prompt: Any) -> list[str]:
    """The documents as a list of str: one str is one document; errors name the bad index."""
    from .compressor import check_text

    if isinstance(prompt, str):
        return [check_text(prompt, "prompt")]
    if not isinstance(prompt, (list, tuple)):
        raise TypeError(f"prompt must be a str or a list of str (documents), got {type(prompt).__name__}")
    return [check_text(d, f"documents[{i}]") for i, d in enumerate(prompt)]


def _optional_text(value: Any, what: str) -> str | None:
    from .compressor import check_text

    return None if value is None or value == "" else check_text(value, what)


def assemble(instruction: str | None, documents: Iterable[str], question: str | None, separator: str) -> str:
    """``instruction``, the documents and ``question`` joined by ``separator`` (None parts skipped)."""
    parts = ([instruction] if instruction is not None else []) + list(documents)
    return separator.join(parts + ([question] if question is not None else []))


def resolve_compressor(model: Any) -> Any:
    """A ``Compressor`` from None (the default model), a name or folder, or a ``Compressor``."""
    from .compressor import Compressor, _cached_compressor
    from .models import DEFAULT_MODEL

    if model is None or isinstance(model, str):
        return _cached_compressor(model or DEFAULT_MODEL)
    if isinstance(model, Compressor):
        return model
    raise ConfigError(f"model must be a name, a folder path or a Compressor, got {type(model).__name__}")


def _fine_scorers(compressor: Any, question: str, cfg: DocumentsConfig, ranker: Ranker) -> tuple[Any, Any]:
    """(scorer of the documents to cut, scorer of those expected to be kept whole). With a causal
    LM the second is plain surprisal from the ranking pass's cache: no forward pass at all."""
    from .scorers.perplexity import PerplexityScorer

    base = compressor.scorer
    if not isinstance(base, PerplexityScorer):
        return base, base
    from .scorers.contrastive import ContrastiveScorer

    shared = ranker if isinstance(ranker, ContrastiveScorer) and ranker.base is base else ContrastiveScorer.for_scorer(base)
    cheap = shared.conditioned(None, self_weight=1.0, contrast_weight=0.0)
    if cfg.fine == "surprisal":
        return cheap, cheap
    return shared.conditioned(question, self_weight=cfg.self_weight, contrast_weight=1.0), cheap


def _ranker(compressor: Any, ranker: Any, cfg: DocumentsConfig) -> Ranker:
    from .scorers.perplexity import PerplexityScorer

    if ranker is None:
        ranker = cfg.ranker
        if ranker == "auto":
            ranker = "question_perplexity" if isinstance(compressor.scorer, PerplexityScorer) else "overlap"
    return get_ranker(ranker, compressor.scorer)


# -- the call -------------------------------------------------------------------------------------
@dataclasses.dataclass
class _Job:
    """Everything one call works on (not public)."""

    docs: list[str]
    question: str | None
    instruction: str | None
    cfg: DocumentsConfig
    compressor: Any
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
    from .compressor import resolve_budget

    start = time.perf_counter()
    docs = check_documents(documents)
    overrides = {k: v for k, v in (("order", order), ("relevance_gap", relevance_gap)) if v is not None}
    job = _Job(docs, _optional_text(question, "question"), _optional_text(instruction, "instruction"),
               (config or DocumentsConfig()).replace(**overrides),
               resolve_compressor(model), None, tuple(force) if not isinstance(force, str) else (force,),
               bool(question_in_prompt))
    job.counter = job.compressor.counter(tokenizer)
    original_text = job.assemble(docs)
    original = job.counter.count(original_text)
    budget = resolve_budget(max(original, 1), rate, target_tokens)
    fixed = job.counter.count(job.assemble([]))
    if fixed > budget:
        raise BudgetError(f"instruction and question alone are {fixed} tokens, {fixed - budget} over the budget "
                          f"of {budget}; raise the budget or shorten them (they are never compressed)")
    live = [i for i, d in enumerate(docs) if d.strip()]
    if budget >= original:
        return _unchanged(job, original_text, original, budget, time.perf_counter() - start)
    doc_tokens = [job.counter.count(d) for d in docs]
    bar = _progress_bar(progress, sum(doc_tokens[i] for i in live))
    hooked: list[Any] = []
    try:
        relevance, rank_order, scorers = _rank(job, live, ranker, bar, hooked)
        kept = live if relevance is None else coarse(within_gap(rank_order, relevance, job.cfg.relevance_gap),
                                                     doc_tokens, budget - fixed, job.cfg.coarse_slack)
        units, scores = _score_kept(job, kept, doc_tokens, budget - fixed, relevance is not None, scorers, bar)
        active, masks, used = _fit(job, kept, units, scores, budget, relevance is not None, scorers[1])
    finally:
        _close(bar, hooked)
    return _result(job, original_text, original, budget, used, relevance, active, units, masks,
                   time.perf_counter() - start)


def _rank(job: _Job, live: list[int], ranker: Any, bar: Any, hooked: list[Any]
          ) -> tuple[np.ndarray | None, list[int], tuple[Any, Any]]:
    """(relevance of every document or None, live documents most relevant first, fine scorers).
    Objects given the progress bar's hook are appended to ``hooked``."""
    if job.question is None or not job.question.strip() or not live:
        return None, live, (job.compressor.scorer, job.compressor.scorer)
    chosen = _ranker(job.compressor, ranker, job.cfg)
    fine = _fine_scorers(job.compressor, job.question, job.cfg, chosen)
    for obj in (chosen, *fine):
        if bar is not None and hasattr(obj, "on_batch"):
            obj.on_batch = bar.update
            hooked.append(obj)
    got = np.asarray(chosen.rank([job.docs[i] for i in live], job.question), dtype=np.float64)
    if got.shape != (len(live),):
        raise ValueError(f"ranker {type(chosen).__name__} returned shape {got.shape} for {len(live)} documents")
    relevance = np.full(len(job.docs), -np.inf)
    relevance[live] = np.nan_to_num(got, nan=-np.inf)  # a NaN relevance ranks last
    order = sorted(live, key=lambda i: (-relevance[i], i))
    return relevance, order, fine


def _score_kept(job: _Job, kept: list[int], doc_tokens: list[int], room: int, weighted: bool,
                scorers: tuple[Any, Any], bar: Any) -> tuple[dict[int, Units], dict[int, np.ndarray | None]]:
    """Units and fine-level scores of the admitted documents. Those the weighted allocation is
    expected to keep whole get no scores yet (None): whether a document is kept whole does not
    depend on its scores (its units' keys are percentiles), so ``_fit`` scores one only if the
    selection cuts into it after all."""
    fine, _ = scorers
    units = {i: segment(job.docs[i], find_protected(job.docs[i], job.compressor.config.protect, job.force))
             for i in kept}
    whole = whole_documents(kept, doc_tokens, rank_weights(len(kept), job.cfg.dynamic_ratio), room) if weighted else set()
    cut = [i for i in kept if i not in whole]
    if bar is not None:
        bar.total += sum(doc_tokens[i] for i in cut)
        bar.refresh()
    scores: dict[int, np.ndarray | None] = {i: None for i in whole}
    scores.update(zip(cut, fine.score_batch([units[i] for i in cut]) if cut else []))
    return units, scores


def _fit(job: _Job, kept: list[int], units: dict[int, Units], scores: dict[int, np.ndarray | None], budget: int,
         weighted: bool, later: Any) -> tuple[list[int], list[np.ndarray], int]:
    """Select jointly over the kept documents (most relevant first in ``kept``). If their
    protected text overflows, the least relevant document goes, until one is left; that one may
    then lose protected spans too (only instruction and question are never cut). Documents
    without scores (expected whole) are selected on placeholder scores; if one is cut after all,
    the ``later`` scorer scores it (plain surprisal, cached if a ranking pass read it) and the
    selection reruns."""
    active = list(kept)
    while True:
        order = output_order(active, job.cfg.order if weighted else "original")

        def count(masks: list[np.ndarray]) -> int:
            texts = {i: render(units[i], m)[0] for i, m in zip(active, masks)}
            return job.counter.count(job.assemble(t for t in (texts[i] for i in order) if t.strip()))

        weights = rank_weights(len(active), job.cfg.dynamic_ratio) if weighted else None  # ``active`` is in rank order
        given = [scores[i] if scores[i] is not None else np.zeros(len(units[i])) for i in active]
        try:
            masks, used = select_pieces([units[i] for i in active], given, budget,
                                        job.counter, count, weights=weights,
                                        on_overflow="raise" if len(active) > 1 else "drop",
                                        protect_share=job.compressor.config.protect_share)
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


def _close(bar: Any, hooked: list[Any]) -> None:
    for obj in hooked:
        obj.on_batch = None
    if bar is not None:
        bar.close()


def _spans_in_assembly(job: _Job, doc_spans: dict[int, list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """Kept spans of the original assembly (documents in input order): instruction, question whole."""
    sep, pos, out = len(job.cfg.separator), 0, []
    if job.instruction is not None:
        out.append((0, len(job.instruction)))
        pos = len(job.instruction) + sep
    for i, doc in enumerate(job.docs):
        out += [(pos + s, pos + e) for s, e in doc_spans.get(i, [])]
        pos += len(doc) + sep
    if job.shown_question is not None:
        out.append((pos, pos + len(job.shown_question)))
    return out


def _fields(result: CompressionResult) -> dict[str, Any]:
    return {f.name: getattr(result, f.name) for f in dataclasses.fields(CompressionResult)}


def _unchanged(job: _Job, text: str, original: int, budget: int, seconds: float) -> DocumentsResult:
    stats = tuple(DocumentStat(i, None, None, job.counter.count(d), job.counter.count(d), i,
                               ((0, len(d)),) if d else ()) for i, d in enumerate(job.docs))
    base = make_result(text, original, original, [(0, len(text))] if text.strip() else [], seconds, budget,
                       job.counter.name)
    return DocumentsResult(**_fields(base), documents=tuple(job.docs), stats=stats,
                           order=tuple(range(len(job.docs))))


def _result(job: _Job, original_text: str, original: int, budget: int, used: int, relevance: np.ndarray | None,
            active: list[int], units: dict[int, Units], masks: list[np.ndarray], seconds: float) -> DocumentsResult:
    rendered = {i: render(units[i], m) for i, m in zip(active, masks)}
    order = [i for i in output_order(active, job.cfg.order if relevance is not None else "original")
             if rendered[i][0].strip()]
    text = job.assemble(rendered[i][0] for i in order)
    ranked = sorted((i for i in range(len(job.docs)) if relevance is not None and np.isfinite(relevance[i])),
                    key=lambda i: (-relevance[i], i))
    rank = {i: r for r, i in enumerate(ranked)}
    stats, documents = [], []
    for i, doc in enumerate(job.docs):
        out, spans = rendered[i] if i in order else ("", [])
        documents.append(out)
        stats.append(DocumentStat(i, float(relevance[i]) if i in rank else None, rank.get(i),
                                  job.counter.count(doc), job.counter.count(out),
                                  order.index(i) if i in order else None, tuple(spans)))
    kept = _spans_in_assembly(job, {i: rendered[i][1] for i in order})
    base = make_result(text, original, used, kept, seconds, budget, job.counter.name)
    return DocumentsResult(**_fields(base), documents=tuple(documents), stats=tuple(stats),
                           order=tuple(order))
