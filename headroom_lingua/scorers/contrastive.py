"""Question-aware scoring with a causal LM (LongLLMLingua's two signals, from shared forward passes).

Fine level, the scorer: a token's *contrastive* surprisal

    s_t = -log p(x_t | x_<t)  -  (-log p(x_t | question, x_<t))

is high where knowing the question makes the token more predictable, i.e. where the text is
about what the question asks. A unit's score reduces its tokens' s_t (mean by default).

Coarse level, the ranker: a document's relevance is -mean -log p(question | document), the
question (plus LongLLMLingua's restrictive statement) scored right after the document.

Cost: the ranking pass runs ``[doc ; question]`` for every document, which also yields each
document token's unconditional surprisal (the question comes after it, so it cannot leak). Those
are cached by text, so the fine level only adds the conditional pass ``[question ; doc]``, and
only for the documents the coarse level kept. Rows are packed without padding into sequences of
at most ``config.window`` tokens (position ids restart per row, so attention stays within a row),
and the LM head runs only where a surprisal is wanted. Documents longer than one window are
scored in windows that re-read ``config.overlap`` tokens, so memory is bounded by the window.

Example:
    >>> scorer = ContrastiveScorer.from_pretrained("smollm2-135m")            # doctest: +SKIP
    >>> scorer.rank(["Paris is in France.", "Cats purr."], "Where is Paris?")  # doctest: +SKIP
    >>> scorer.conditioned("Where is Paris?").score(segment("Paris is in France."))  # doctest: +SKIP
"""

from __future__ import annotations

import collections
import dataclasses
import weakref
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import ConfigError
from ..rankers import Ranker
from ..segment import Units
from .base import Scorer, reduce_to_units
from .perplexity import HEAD_CHUNK, PerplexityScorer

STATEMENT = " We can get the answer to this question in the given documents."
"""LongLLMLingua's restrictive statement, appended to the question when ranking."""

CACHE_TOKENS = 4_000_000  # unconditional surprisals kept, in tokens (4 bytes each)


@dataclasses.dataclass
class _Row:
    """One forward row: ``ids``; the surprisal of ids[a:b] is wanted (predicted from a-1 .. b-2)."""

    ids: list[int]
    a: int
    b: int


def _windows(n: int, room: int, overlap: int) -> list[tuple[int, int, int]]:
    """(context_start, score_start, end) windows covering n tokens, at most ``room`` tokens each;
    every window after the first re-reads ``overlap`` tokens before the ones it scores."""
    if n <= room:
        return [(0, 0, n)]
    overlap = min(overlap, room // 2)
    out, done = [], 0
    while done < n:
        c = max(0, done - overlap)
        end = min(n, c + room)
        out.append((c, done, end))
        done = end
    return out


def _packs(rows: Sequence[_Row], cap: int) -> list[list[int]]:
    """Row indices grouped into packs of at most ``cap`` tokens (first fit, longest rows first)."""
    packs: list[list[int]] = []
    room: list[int] = []
    for i in sorted(range(len(rows)), key=lambda i: -len(rows[i].ids)):
        n = len(rows[i].ids)
        for p, left in enumerate(room):
            if n <= left:
                packs[p].append(i)
                room[p] -= n
                break
        else:
            packs.append([i])
            room.append(max(cap, n) - n)
    return packs


def _pack_nll(base: PerplexityScorer, rows: Sequence[_Row], pack: list[int]) -> list[np.ndarray]:
    """Wanted surprisals of the rows of one pack, from one forward over their concatenation.
    Position ids restart at 0 for every row, which makes transformers build a block-diagonal
    causal mask (packed sequences): each row sees only itself, exactly as if run alone."""
    torch = base._torch
    ids = torch.tensor([t for i in pack for t in rows[i].ids], device=base.device)  # (T,)
    pos = torch.cat([torch.arange(len(rows[i].ids)) for i in pack]).to(base.device)  # (T,)
    src, spans, offset = [], [], 0
    for i in pack:  # hidden state at p predicts the token at p + 1
        a, b = max(rows[i].a, 1), rows[i].b
        src.append(torch.arange(offset + a - 1, offset + b - 1))
        spans.append(b - a)
        offset += len(rows[i].ids)
    src_idx = torch.cat(src).to(base.device)
    tgt_ids = ids[src_idx + 1]
    if base._split:
        hidden = base._decoder(input_ids=ids[None], position_ids=pos[None], use_cache=False).last_hidden_state[0]
        hidden = hidden[src_idx]  # (n_wanted, d): the head runs only where a surprisal is wanted
        nll = torch.empty(len(src_idx), dtype=torch.float32, device=base.device)
        for c in range(0, len(src_idx), HEAD_CHUNK):
            logits = base._head(hidden[c:c + HEAD_CHUNK]).float()  # (chunk, vocab)
            picked = logits.gather(1, tgt_ids[c:c + HEAD_CHUNK, None])[:, 0]
            nll[c:c + HEAD_CHUNK] = torch.logsumexp(logits, dim=1) - picked
    else:
        logits = base.model(input_ids=ids[None], position_ids=pos[None], use_cache=False).logits[0][src_idx].float()
        nll = torch.logsumexp(logits, dim=1) - logits.gather(1, tgt_ids[:, None])[:, 0]
    parts = np.split(nll.cpu().numpy(), np.cumsum(spans)[:-1])
    return [np.concatenate(([np.nan], p)).astype(np.float32) if rows[i].a == 0 else p  # position 0: no context
            for i, p in zip(pack, parts)]


def run_rows(base: PerplexityScorer, rows: Sequence[_Row], on_batch: Callable[[int], None] | None = None
             ) -> list[np.ndarray]:
    """The wanted surprisals (``ids[a:b]``) of each row. Rows are packed, without padding, into
    sequences of at most ``base.config.window`` tokens, one forward pass per pack."""
    out: list[np.ndarray] = [np.empty(0, np.float32)] * len(rows)
    with base._torch.inference_mode():
        for pack in _packs(rows, base.config.window):
            for i, tok in zip(pack, _pack_nll(base, rows, pack)):
                out[i] = tok
            if on_batch is not None:
                on_batch(sum(len(rows[i].ids) for i in pack))
    return out


class ContrastiveScorer(Scorer, Ranker):
    """Contrastive (question-conditioned) surprisal as unit scores; question perplexity as ranking.

    ``ContrastiveScorer(base)`` wraps a loaded ``PerplexityScorer``; ``conditioned(question)``
    returns a view bound to a question (sharing the model and the cache) whose ``score`` and
    ``score_batch`` give contrastive scores. ``rank`` takes the question explicitly.

    A token's score is ``contrast_weight * contrastive + self_weight * plain surprisal``; the
    default (1, 0) is LongLLMLingua's fine-level signal. With ``contrast_weight=0`` no question is
    needed and no forward runs for texts the ranking pass has seen (their surprisal is cached). ``on_batch``, if set, is called with the
    number of tokens after every forward batch (progress bars).
    """

    name = "contrastive"

    def __init__(self, base: PerplexityScorer, question: str | None = None, statement: str = STATEMENT,
                 separator: str = "\n\n", self_weight: float = 0.0, contrast_weight: float = 1.0):
        if not isinstance(base, PerplexityScorer):
            raise ConfigError(f"ContrastiveScorer needs a PerplexityScorer (a causal LM), got {type(base).__name__}")
        if question is not None and not isinstance(question, str):
            raise TypeError(f"question must be a str, got {type(question).__name__}")
        self.base, self.question, self.statement = base, question, statement
        self.separator, self.self_weight, self.contrast_weight = separator, float(self_weight), float(contrast_weight)
        self.counter, self.config = base.counter, base.config
        self.on_batch: Callable[[int], None] | None = None
        self._cache: collections.OrderedDict[str, np.ndarray] = collections.OrderedDict()

    @classmethod
    def from_pretrained(cls, name_or_path: str = "smollm2-135m", device: str = "auto", dtype: str = "auto",
                        config: Any = None, question: str | None = None, **kwargs: Any) -> "ContrastiveScorer":
        """Load a causal LM (registered name or local folder) and wrap it."""
        base = PerplexityScorer.from_pretrained(name_or_path, device=device, dtype=dtype, config=config)
        return cls(base, question=question, **kwargs)

    @classmethod
    def for_scorer(cls, base: PerplexityScorer) -> "ContrastiveScorer":
        """The one ContrastiveScorer of a loaded PerplexityScorer (so its cache is shared)."""
        found = _INSTANCES.get(base)
        if found is None:
            found = _INSTANCES[base] = cls(base)
        return found

    def conditioned(self, question: str | None, self_weight: float | None = None,
                    contrast_weight: float | None = None) -> "ContrastiveScorer":
        """A view of this scorer bound to ``question`` (same model, same cache), optionally with
        other weights (``conditioned(None, 1.0, 0.0)``: plain surprisal, cached where possible)."""
        view = ContrastiveScorer(self.base, question, self.statement, self.separator,
                                 self.self_weight if self_weight is None else self_weight,
                                 self.contrast_weight if contrast_weight is None else contrast_weight)
        view._cache, view.on_batch = self._cache, self.on_batch
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

    def _remember(self, text: str, tok: np.ndarray) -> None:
        self._cache[text] = tok
        self._cache.move_to_end(text)
        while sum(len(v) for v in self._cache.values()) > CACHE_TOKENS and len(self._cache) > 1:
            self._cache.popitem(last=False)

    def _doc_rows(self, ids: list[int], before: list[int], after: list[int]) -> list[_Row]:
        """Rows scoring every token of ``ids`` in windows, each row ``[start] before chunk after``."""
        rows = []
        for c, a, b in _windows(len(ids), self._room(len(before) + len(after)), self.config.overlap):
            head = self.base._with_prefix(before)
            rows.append(_Row(head + ids[c:b] + after, len(head) + a - c, len(head) + b - c))
        return rows

    # -- ranker --------------------------------------------------------------------------------
    def rank(self, documents: Sequence[str], question: str) -> np.ndarray:
        """Relevance of each document: -mean -log p(question + statement | document), best window.
        Also caches every document token's unconditional surprisal for the fine level."""
        if not isinstance(question, str):
            raise TypeError(f"question must be a str, got {type(question).__name__}")
        q = self._question_ids(question, suffix=True)
        rows, owner = [], []
        for d, text in enumerate(documents):
            ids = self._ids(text)
            for row in self._doc_rows(ids, [], q) if ids else []:
                rows.append(row)
                owner.append((d, ids))
        nll = run_rows(self.base, [_Row(r.ids, r.a, len(r.ids)) for r in rows], self.on_batch)
        best = np.full(len(documents), -np.inf)
        parts: dict[int, list[np.ndarray]] = collections.defaultdict(list)
        for row, (d, _), tok in zip(rows, owner, nll):
            n_doc = row.b - row.a
            parts[d].append(tok[:n_doc])
            if q:
                best[d] = max(best[d], -float(np.mean(tok[n_doc:])))
        for d, text in enumerate(documents):
            if parts.get(d):
                self._remember(text, np.concatenate(parts[d]))
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
        rows, plan = [], []
        for i, (ids, _) in enumerate(encoded):
            ids = list(ids)
            cond = self._doc_rows(ids, q, []) if ids and contrast else []
            cached = self._cache.get(batch[i].text) if ids else None
            plain = [] if (not ids or cached is not None) else self._doc_rows(ids, [], [])
            plan.append((len(rows), len(cond), len(cond) + len(plain), cached))
            rows.extend(cond + plain)
        nll = run_rows(self.base, rows, self.on_batch)
        out = []
        for i, (ids, offsets) in enumerate(encoded):
            start, n_cond, n_all, plain = plan[i]
            if not len(ids):
                out.append(np.zeros(len(batch[i])))
                continue
            cond = np.concatenate(nll[start:start + n_cond]) if n_cond else 0.0
            if n_all > n_cond:
                plain = np.concatenate(nll[start + n_cond:start + n_all])
                self._remember(batch[i].text, plain)
            tok = self.contrast_weight * (plain - cond) + self.self_weight * plain  # (n_tokens,)
            off = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
            out.append(reduce_to_units(batch[i], off[:, 0], off[:, 1], tok, self.config.reduction))
        return out


_INSTANCES: "weakref.WeakKeyDictionary[PerplexityScorer, ContrastiveScorer]" = weakref.WeakKeyDictionary()
