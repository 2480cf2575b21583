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
"""LongLLMLingua's restrictive statement; ``ContrastiveScorer(base, statement=STATEMENT)`` appends it
to the question when ranking (off by default, see the module docstring)."""

CACHE_TOKENS = 4_000_000  # unconditional surprisals kept, in tokens (4 bytes each)
LAZY_TOKENS = 262_144  # tokens whose hidden states wait for the LM head (2 x hidden size bytes each)
ROW_BATCH_TOKENS = 16_384  # padded tokens (rows x longest row) per forward pass on an accelerator


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


def _head_nll(base: PerplexityScorer, hidden: Any, targets: Any) -> np.ndarray:
    """(n,) float32 surprisal of ``targets`` given the (n, d) hidden states that predict them.
    The head runs a chunk of positions at a time; cross-entropy is taken in the logits' own dtype
    (bf16 logits are already rounded to ~0.06 nats; upcasting them would cost a third more)."""
    torch = base._torch
    chunk = HEAD_CHUNK if hidden.device.type == "cpu" else 8 * HEAD_CHUNK  # (chunk, vocab) logits at once
    parts = [torch.nn.functional.cross_entropy(base._head(hidden[c:c + chunk]), targets[c:c + chunk],
                                               reduction="none").float() for c in range(0, len(targets), chunk)]
    if not parts:
        return np.empty(0, dtype=np.float32)
    return torch.cat(parts).cpu().numpy()  # one device-to-host copy


@dataclasses.dataclass
class _Lazy:
    """Surprisal of some tokens, computed from their hidden states on first use: the LM head and
    the softmax over the vocabulary cost about a fifth of a forward pass, and most documents a
    ranking pass reads are dropped without ever needing their tokens' surprisal."""

    hidden: Any  # (n, d) hidden states, each predicting the matching target
    targets: Any  # (n,) token ids
    nan_first: bool  # the first token had no context: its surprisal is NaN
    value: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.value) if self.value is not None else len(self.targets) + self.nan_first

    def get(self, base: PerplexityScorer) -> np.ndarray:
        if self.value is None:
            with base._torch.inference_mode():
                self._set(_head_nll(base, self.hidden, self.targets))
        return self.value

    def _set(self, nll: np.ndarray) -> None:
        self.value = np.concatenate(([np.nan], nll)).astype(np.float32) if self.nan_first else nll
        self.hidden = self.targets = None  # free the hidden states

    def split(self, n: int) -> tuple["_Lazy", "_Lazy"]:
        """The first ``n`` tokens and the rest (before ``get``)."""
        k = n - self.nan_first
        return (_Lazy(self.hidden[:k], self.targets[:k], self.nan_first),
                _Lazy(self.hidden[k:], self.targets[k:], False))


def _row_lazy(base: PerplexityScorer, row: _Row) -> _Lazy:
    """One forward pass over ``row.ids``; the surprisal of ids[a:b], to be computed on demand."""
    if base._split:
        return _run_batch(base, [row])[0]
    ids = base._torch.tensor([row.ids], device=base.device)  # (1, t)
    a, b = max(row.a, 1), row.b
    targets = ids[0, a:b]  # the logits at p predict the token at p + 1
    logits = base.model(input_ids=ids, use_cache=False).logits[0, a - 1:b - 1]  # no separate head
    out = _Lazy(None, targets, row.a == 0)
    out._set(base._torch.nn.functional.cross_entropy(logits, targets, reduction="none").float().cpu().numpy())
    return out


def resolve(base: PerplexityScorer, items: Sequence[Any]) -> None:
    """Compute the surprisals of the unresolved ``_Lazy`` among ``items``. On an accelerator their
    hidden states go through the LM head together (one device-to-host copy); on CPU one by one."""
    todo = [z for z in items if isinstance(z, _Lazy) and z.value is None]
    if not todo:
        return
    if len(todo) == 1 or not _batched(base):
        for z in todo:
            z.get(base)
        return
    torch = base._torch
    with torch.inference_mode():
        nll = _head_nll(base, torch.cat([z.hidden for z in todo]), torch.cat([z.targets for z in todo]))
    pos = 0
    for z in todo:
        n = len(z.targets)
        z._set(nll[pos:pos + n])
        pos += n


def _batched(base: PerplexityScorer) -> bool:
    """Rows run as padded batches: on an accelerator, for models with a separate LM head."""
    return base.device.type != "cpu" and base._split


def _batches(rows: Sequence[_Row], max_tokens: int) -> list[list[int]]:
    """Row indices in batches of similar length, each at most ``max_tokens`` once padded."""
    order = sorted(range(len(rows)), key=lambda i: len(rows[i].ids))
    out: list[list[int]] = []
    for i in order:
        if out and (len(out[-1]) + 1) * len(rows[i].ids) <= max_tokens:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def _run_batch(base: PerplexityScorer, rows: Sequence[_Row]) -> list[_Lazy]:
    """One forward pass over right-padded rows (a model with a separate LM head). No attention mask
    is needed: with causal attention a real token never sees the padding after it, and positions
    count from 0 in every row. A single row has no padding at all."""
    torch = base._torch
    width = max(len(r.ids) for r in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    for j, r in enumerate(rows):
        ids[j, :len(r.ids)] = torch.tensor(r.ids)
    ids = ids.to(base.device)
    hidden = base._decoder(input_ids=ids, use_cache=False).last_hidden_state  # (b, width, d)
    out = []
    for j, r in enumerate(rows):
        a, b = max(r.a, 1), r.b  # the hidden state at p predicts the token at p + 1
        out.append(_Lazy(hidden[j, a - 1:b - 1].clone(), ids[j, a:b], r.a == 0))
    return out


def run_rows(base: PerplexityScorer, rows: Sequence[_Row], on_batch: Callable[[int], None] | None = None,
             lazy: bool = False) -> list[Any]:
    """The wanted surprisals (``ids[a:b]``) of each row; with ``lazy``, ``_Lazy`` objects that
    compute them on demand.

    On CPU rows run one at a time, without padding or masks: that measured fastest there (10 rows
    of ~160 tokens: 0.72x the time of one 1,600-token sequence, where padded batches took 0.75x
    and packing the rows into one sequence with a block-diagonal mask 1.23x). On an accelerator a
    forward pass of a few hundred tokens costs the same as one of thousands (launch and Python
    overhead), so rows of similar length run together, right-padded, up to ``ROW_BATCH_TOKENS``
    padded tokens per pass, and (unless ``lazy``) each batch's LM head runs once."""
    if not rows:
        return []
    out: list[Any] = [None] * len(rows)
    with base._torch.inference_mode():
        if not _batched(base):
            for i, row in enumerate(rows):
                item = _row_lazy(base, row)
                out[i] = item if lazy else item.get(base)
                if on_batch is not None:
                    on_batch(len(row.ids))
            return out
        for group in _batches(rows, ROW_BATCH_TOKENS):
            items = _run_batch(base, [rows[i] for i in group])
            if not lazy:
                resolve(base, items)
            for i, item in zip(group, items):
                out[i] = item if lazy else item.value
            if on_batch is not None:
                on_batch(sum(len(rows[i].ids) for i in group))
    return out


class _SurprisalCache(collections.OrderedDict):
    """text -> its unconditional surprisal parts (arrays or ``_Lazy``), least recent first, with
    the running total of their tokens (a part's length does not change when it is resolved)."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens = 0

    def put(self, text: str, parts: list[Any]) -> None:
        old = self.pop(text, None)
        if old is not None:
            self.tokens -= sum(len(p) for p in old)
        self[text] = parts
        self.tokens += sum(len(p) for p in parts)

    def drop_oldest(self) -> None:
        _, parts = self.popitem(last=False)
        self.tokens -= sum(len(p) for p in parts)


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

    def __init__(self, base: PerplexityScorer, question: str | None = None, statement: str = "",
                 separator: str = "\n\n", self_weight: float = 0.0, contrast_weight: float = 1.0):
        if not isinstance(base, PerplexityScorer):
            raise ConfigError(f"ContrastiveScorer needs a PerplexityScorer (a causal LM), got {type(base).__name__}")
        if question is not None and not isinstance(question, str):
            raise TypeError(f"question must be a str, got {type(question).__name__}")
        self.base, self.question, self.statement = base, question, statement
        self.separator, self.self_weight, self.contrast_weight = separator, float(self_weight), float(contrast_weight)
        self.counter, self.config = base.counter, base.config
        self.on_batch: Callable[[int], None] | None = None
        self._cache = _SurprisalCache()

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

    def _remember(self, text: str, parts: list[Any]) -> None:
        """Cache a text's unconditional surprisal (arrays or ``_Lazy`` parts), least recent out
        first once the cache holds over ``CACHE_TOKENS`` tokens or ``LAZY_TOKENS`` hidden states."""
        cache = self._cache
        cache.put(text, parts)

        def lazy() -> int:  # only counted when the total could exceed the bound (it is O(entries))
            return sum(len(p) for v in cache.values() for p in v if isinstance(p, _Lazy) and p.value is None)

        while len(cache) > 1 and (cache.tokens > CACHE_TOKENS or (cache.tokens > LAZY_TOKENS and lazy() > LAZY_TOKENS)):
            cache.drop_oldest()

    def _plain(self, text: str) -> np.ndarray | None:
        """The cached unconditional surprisal of ``text``'s tokens, or None."""
        parts = self._cache.get(text)
        if parts is None:
            return None
        self._cache.move_to_end(text)
        return np.concatenate([p.get(self.base) if isinstance(p, _Lazy) else p for p in parts])

    def _doc_rows(self, ids: list[int], before: list[int], after: list[int]) -> list[_Row]:
        """Rows scoring every token of ``ids`` in windows, each row ``[start] before chunk after``."""
        rows = []
        for c, a, b in _windows(len(ids), self._room(len(before) + len(after)), self.config.overlap):
            head = self.base._with_prefix(before)
            rows.append(_Row(head + ids[c:b] + after, len(head) + a - c, len(head) + b - c))
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
                owner.append((d, ids))
        done = run_rows(self.base, [_Row(r.ids, r.a, len(r.ids)) for r in rows], self.on_batch, lazy=True)
        best = np.full(len(documents), -np.inf)
        parts: dict[int, list[_Lazy]] = collections.defaultdict(list)
        split = [lazy.split(row.b - row.a) for row, lazy in zip(rows, done)]
        if q:
            resolve(self.base, [q_part for _, q_part in split])
        for (d, _), (doc_part, q_part) in zip(owner, split):
            parts[d].append(doc_part)
            if q:
                best[d] = max(best[d], -float(np.mean(q_part.get(self.base))))
        for d, text in enumerate(documents):
            if parts.get(d):
                self._remember(text, parts[d])
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
        resolve(self.base, [p for u in batch for p in self._cache.get(u.text, ())])  # cached, still lazy
        rows, plan = [], []
        for i, (ids, _) in enumerate(encoded):
            ids = list(ids)
            cond = self._doc_rows(ids, q, []) if ids and contrast else []
            cached = self._plain(batch[i].text) if ids else None
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
                self._remember(batch[i].text, [plain])
            tok = self.contrast_weight * (plain - cond) + self.self_weight * plain  # (n_tokens,)
            off = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
            out.append(reduce_to_units(batch[i], off[:, 0], off[:, 1], tok, self.config.reduction))
        return out


_INSTANCES: "weakref.WeakKeyDictionary[PerplexityScorer, ContrastiveScorer]" = weakref.WeakKeyDictionary()
