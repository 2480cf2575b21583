"""Question-aware scoring with a causal LM (LongLLMLingua's two signals, from shared forward passes).

Fine level, the scorer: a token's *contrastive* surprisal

    s_t = -log p(x_t | x_<t)  -  (-log p(x_t | question, x_<t))

is high where knowing the question makes the token more predictable, i.e. where the text is
about what the question asks. A unit's score reduces its tokens' s_t (mean by default).

Coarse level, the ranker: a document's relevance is -mean -log p(question | document), the
question scored right after the document. LongLLMLingua also appends a restrictive statement to
the question (``statement=STATEMENT``); on 52 SQuAD multi-document prompts it changed nothing
(52/52 gold paragraphs ranked first either way) and costs ~9% of the ranking pass, so it is off.

Cost: the ranking pass runs ``[doc ; question]`` for every document, which also yields each
document token's unconditional surprisal (the question comes after it, so it cannot leak). Those
are cached by text, so the fine level only adds the conditional pass ``[question ; doc]``, and
only for the documents the coarse level kept (and not expected to be kept whole). Each document
(or window) is its own row, so attention never spans documents, and the LM head runs only where a
surprisal is wanted. On CPU each row is its own forward pass, unpadded; on an accelerator rows
run as right-padded batches and the LM head once per batch (see ``run_rows``). Documents longer
than one window are scored in windows that re-read ``config.overlap`` tokens, so memory is
bounded by the window.

Example:
    >>> scorer = ContrastiveScorer.from_pretrained("smollm2-135m")            # doctest: +SKIP
    >>> scorer.rank(["Paris is in France.", "Cats purr."], "Where is Paris?")  # doctest: +SKIP
    >>> scorer.conditioned("Where is Paris?").score(segment("Paris is in France."))  # doctest: +SKIP
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Sequence

import numpy as np

from ...engine.segment import Units
from ...errors import ConfigError
from ...rankers.base import Ranker
from ..base import Scorer, reduce_to_units
from ..lm import Lazy, Row, resolve, run_rows, windows
from ..perplexity.config import PerplexityConfig
from .cache import SurprisalCache

STATEMENT = " We can get the answer to this question in the given documents."
"""LongLLMLingua's restrictive statement; ``ContrastiveScorer(base, statement=STATEMENT)`` appends it
to the question when ranking (off by default, see the module docstring)."""

_INSTANCES: "weakref.WeakKeyDictionary[Any, ContrastiveScorer]" = weakref.WeakKeyDictionary()
_INSTANCES_LOCK = threading.Lock()


class ContrastiveScorer(Scorer, Ranker):
    """Contrastive (question-conditioned) surprisal as unit scores; question perplexity as ranking.

    ``ContrastiveScorer(base)`` wraps a loaded scorer that runs a causal LM (``base.causal_lm()``,
    e.g. a ``PerplexityScorer``, whose config gives window, overlap and reduction);
    ``conditioned(question)`` returns a view bound to a question (sharing the model and the cache)
    whose ``score`` and ``score_batch`` give contrastive scores. ``rank`` takes the question explicitly.

    A token's score is ``contrast_weight * contrastive + self_weight * plain surprisal``; the
    default (1, 0) is LongLLMLingua's fine-level signal. With ``contrast_weight=0`` no question is
    needed and no forward runs for texts the ranking pass has seen (their surprisal is cached).
    """

    name = "contrastive"

    def __init__(self, base: Scorer, question: str | None = None, statement: str = "",
                 separator: str = "\n\n", self_weight: float = 0.0, contrast_weight: float = 1.0):
        lm = base.causal_lm() if isinstance(base, Scorer) else None
        if lm is None:
            raise ConfigError(f"ContrastiveScorer needs a scorer that runs a causal LM, got {type(base).__name__}")
        if question is not None and not isinstance(question, str):
            raise TypeError(f"question must be a str, got {type(question).__name__}")
        self.base, self.lm, self.question, self.statement = base, lm, question, statement
        self.separator, self.self_weight, self.contrast_weight = separator, float(self_weight), float(contrast_weight)
        self.counter, self.config = lm.counter, PerplexityConfig.coerce(getattr(base, "config", None))
        self._cache = SurprisalCache()

    @classmethod
    def from_pretrained(cls, name_or_path: Any = "smollm2-135m", device: str = "auto", dtype: Any = "auto",
                        config: Any = None, question: str | None = None, **kwargs: Any) -> "ContrastiveScorer":
        """Load a causal LM (registered name or local folder) and wrap it."""
        from ..perplexity import PerplexityScorer

        base = PerplexityScorer.from_pretrained(name_or_path, device=device, dtype=dtype, config=config)
        return cls(base, question=question, **kwargs)

    @classmethod
    def for_scorer(cls, base: Scorer) -> "ContrastiveScorer":
        """The one ContrastiveScorer of a loaded scorer's causal LM (so its cache is shared)."""
        with _INSTANCES_LOCK:
            found = _INSTANCES.get(base)
            if found is None:
                found = _INSTANCES[base] = cls(base)
            return found

    def causal_lm(self) -> Any:
        return self.lm

    def for_question(self, question: str) -> "ContrastiveScorer":
        return self.conditioned(question)

    def conditioned(self, question: str | None, self_weight: float | None = None,
                    contrast_weight: float | None = None) -> "ContrastiveScorer":
        """A view of this scorer bound to ``question`` (same model, same cache), optionally with
        other weights (``conditioned(None, 1.0, 0.0)``: plain surprisal, cached where possible)."""
        view = ContrastiveScorer(self.base, question, self.statement, self.separator,
                                 self.self_weight if self_weight is None else self_weight,
                                 self.contrast_weight if contrast_weight is None else contrast_weight)
        view._cache = self._cache
        return view

    # -- token level ---------------------------------------------------------------------------
    def _ids(self, text: str) -> list[int]:
        return list(self.counter.encode(text)[0]) if text else []

    def _room(self, extra: int) -> int:
        """Document tokens that fit in one row next to ``extra`` tokens and the start token."""
        return max(16, self.config.window - extra - 1)

    def _question_ids(self, question: str, suffix: bool) -> list[int]:
        """Question tokens, capped at a quarter window so that documents keep most of each row."""
        cap = max(1, self.config.window // 4)
        if suffix:  # scored after the document: separator + question + statement
            return self._ids(self.separator + question + self.statement)[:cap]
        return self._ids(question + self.separator)[-cap:]  # conditions the document: question first

    def _doc_rows(self, ids: list[int], before: list[int], after: list[int]) -> list[Row]:
        """Rows scoring every token of ``ids`` in windows, each row ``[start] before chunk after``."""
        rows = []
        for c, a, b in windows(len(ids), self._room(len(before) + len(after)), self.config.overlap):
            head = self.lm.with_prefix(before)
            rows.append(Row(head + ids[c:b] + after, len(head) + a - c, len(head) + b - c))
        return rows

    # -- ranker --------------------------------------------------------------------------------
    def rank(self, documents: Sequence[str], question: str) -> np.ndarray:
        """Relevance of each document: -mean -log p(question [+ statement] | document), best window.
        Also caches every document token's unconditional surprisal for the fine level."""
        if not isinstance(question, str):
            raise TypeError(f"question must be a str, got {type(question).__name__}")
        q = self._question_ids(question, suffix=True)
        rows, owner = [], []
        for d, text in enumerate(documents):
            ids = self._ids(text)
            for row in self._doc_rows(ids, [], q) if ids else []:
                rows.append(row)
                owner.append(d)
        done = run_rows(self.lm, [Row(r.ids, r.a, len(r.ids)) for r in rows], lazy=True)
        best = np.full(len(documents), -np.inf)
        parts: dict[int, list[Lazy]] = {}
        split = [lazy.split(row.b - row.a) for row, lazy in zip(rows, done)]
        if q:
            resolve(self.lm, [q_part for _, q_part in split])
        for d, (doc_part, q_part) in zip(owner, split):
            parts.setdefault(d, []).append(doc_part)
            if q:
                best[d] = max(best[d], -float(np.mean(q_part.get(self.lm))))
        for d, text in enumerate(documents):
            if parts.get(d):
                self._cache.remember(text, parts[d])
        return best if q else np.zeros(len(documents))

    # -- scorer --------------------------------------------------------------------------------
    def score(self, units: Units, rate: float | None = None) -> np.ndarray:
        return self.score_batch([units], rate=rate)[0]

    def score_batch(self, batch: Sequence[Units], rate: float | None = None) -> list[np.ndarray]:
        """Contrastive unit scores of each text: one batched pass of ``[question ; text]`` rows,
        plus ``[text]`` rows for texts whose unconditional surprisal is not cached."""
        contrast = self.contrast_weight != 0
        if contrast and self.question is None:
            raise ConfigError("ContrastiveScorer.score needs a question: use scorer.conditioned(question)")
        q = self._question_ids(self.question, suffix=False) if contrast else []
        encoded = [self.counter.encode(u.text) for u in batch]
        resolve(self.lm, [p for u in batch for p in self._cache.parts(u.text)])  # cached, still lazy
        rows, plan = [], []
        for i, (ids, _) in enumerate(encoded):
            ids = list(ids)
            cond = self._doc_rows(ids, q, []) if ids and contrast else []
            cached = self._cache.plain(batch[i].text, self.lm) if ids else None
            plain = [] if (not ids or cached is not None) else self._doc_rows(ids, [], [])
            plan.append((len(rows), len(cond), len(cond) + len(plain), cached))
            rows.extend(cond + plain)
        nll = run_rows(self.lm, rows)
        return [self._unit_scores(batch[i], encoded[i][1], nll, *plan[i]) for i in range(len(batch))]

    def _unit_scores(self, units: Units, offsets: Any, nll: list[np.ndarray], start: int, n_cond: int,
                     n_all: int, plain: Any) -> np.ndarray:
        if not len(offsets):
            return np.zeros(len(units))
        cond = np.concatenate(nll[start:start + n_cond]) if n_cond else 0.0
        if n_all > n_cond:
            plain = np.concatenate(nll[start + n_cond:start + n_all])
            self._cache.remember(units.text, [plain])
        tok = self.contrast_weight * (plain - cond) + self.self_weight * plain  # (n_tokens,)
        off = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
        return reduce_to_units(units, off[:, 0], off[:, 1], tok, self.config.reduction)
