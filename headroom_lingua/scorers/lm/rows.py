"""Rows: independent sequences of one causal LM whose surprisal is wanted on a slice.

The question-aware scorer and ranker run many short sequences (``[doc ; question]``,
``[question ; doc]``, windows of long documents). Each is a ``Row``; ``run_rows`` runs them and
returns the wanted surprisals, or ``Lazy`` objects that keep the hidden states and run the LM head
only when the surprisal is first asked for: the head and the softmax over the vocabulary cost
about a fifth of a forward pass, and most documents a ranking pass reads are dropped without ever
needing their tokens' surprisal.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np

from ..base import report_progress
from .runtime import CausalLM

ROW_BATCH_TOKENS = 16_384  # padded tokens (rows x longest row) per forward pass on an accelerator


@dataclasses.dataclass
class Row:
    """One forward row: ``ids``; the surprisal of ids[a:b] is wanted (predicted from a-1 .. b-2)."""

    ids: list[int]
    a: int
    b: int


def windows(n: int, room: int, overlap: int) -> list[tuple[int, int, int]]:
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


@dataclasses.dataclass
class Lazy:
    """Surprisal of some tokens, computed from their hidden states on first use."""

    hidden: Any  # (n, d) hidden states, each predicting the matching target
    targets: Any  # (n,) token ids
    nan_first: bool  # the first token had no context: its surprisal is NaN
    value: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.value) if self.value is not None else len(self.targets) + self.nan_first

    def get(self, lm: CausalLM) -> np.ndarray:
        if self.value is None:
            with lm.torch.inference_mode():
                self.set(lm.head_nll(self.hidden, self.targets))
        return self.value

    def set(self, nll: np.ndarray) -> None:
        self.value = np.concatenate(([np.nan], nll)).astype(np.float32) if self.nan_first else nll
        self.hidden = self.targets = None  # free the hidden states

    def split(self, n: int) -> tuple["Lazy", "Lazy"]:
        """The first ``n`` tokens and the rest (before ``get``)."""
        k = n - self.nan_first
        return (Lazy(self.hidden[:k], self.targets[:k], self.nan_first),
                Lazy(self.hidden[k:], self.targets[k:], False))


def _row_lazy(lm: CausalLM, row: Row) -> Lazy:
    """One forward pass over ``row.ids``; the surprisal of ids[a:b], to be computed on demand."""
    if lm.split:
        return _run_batch(lm, [row])[0]
    ids = lm.torch.tensor([row.ids], device=lm.device)  # (1, t)
    a, b = max(row.a, 1), row.b
    targets = ids[0, a:b]  # the logits at p predict the token at p + 1
    logits = lm.model(input_ids=ids, use_cache=False).logits[0, a - 1:b - 1]  # no separate head
    out = Lazy(None, targets, row.a == 0)
    out.set(lm.torch.nn.functional.cross_entropy(logits, targets, reduction="none").float().cpu().numpy())
    return out


def resolve(lm: CausalLM, items: Sequence[Any]) -> None:
    """Compute the surprisals of the unresolved ``Lazy`` among ``items``. On an accelerator their
    hidden states go through the LM head together (one device-to-host copy); on CPU one by one."""
    todo = [z for z in items if isinstance(z, Lazy) and z.value is None]
    if not todo:
        return
    if len(todo) == 1 or not lm.batched:
        for z in todo:
            z.get(lm)
        return
    torch = lm.torch
    with torch.inference_mode():
        nll = lm.head_nll(torch.cat([z.hidden for z in todo]), torch.cat([z.targets for z in todo]))
    pos = 0
    for z in todo:
        n = len(z.targets)
        z.set(nll[pos:pos + n])
        pos += n


def _batches(rows: Sequence[Row], max_tokens: int) -> list[list[int]]:
    """Row indices in batches of similar length, each at most ``max_tokens`` once padded."""
    order = sorted(range(len(rows)), key=lambda i: len(rows[i].ids))
    out: list[list[int]] = []
    for i in order:
        if out and (len(out[-1]) + 1) * len(rows[i].ids) <= max_tokens:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def _run_batch(lm: CausalLM, rows: Sequence[Row]) -> list[Lazy]:
    """One forward pass over right-padded rows (a model with a separate LM head). No attention mask
    is needed: with causal attention a real token never sees the padding after it, and positions
    count from 0 in every row. A single row has no padding at all."""
    torch = lm.torch
    width = max(len(r.ids) for r in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    for j, r in enumerate(rows):
        ids[j, :len(r.ids)] = torch.tensor(r.ids)
    ids = ids.to(lm.device)
    hidden = lm.decoder(input_ids=ids, use_cache=False).last_hidden_state  # (b, width, d)
    out = []
    for j, r in enumerate(rows):
        a, b = max(r.a, 1), r.b  # the hidden state at p predicts the token at p + 1
        out.append(Lazy(hidden[j, a - 1:b - 1].clone(), ids[j, a:b], r.a == 0))
    return out


def run_rows(lm: CausalLM, rows: Sequence[Row], lazy: bool = False) -> list[Any]:
    """The wanted surprisals (``ids[a:b]``) of each row; with ``lazy``, ``Lazy`` objects that
    compute them on demand. Reports progress in tokens (``scorers.base.progress_hook``).

    On CPU rows run one at a time, without padding or masks: that measured fastest there (10 rows
    of ~160 tokens: 0.72x the time of one 1,600-token sequence, where padded batches took 0.75x
    and packing the rows into one sequence with a block-diagonal mask 1.23x). On an accelerator a
    forward pass of a few hundred tokens costs the same as one of thousands (launch and Python
    overhead), so rows of similar length run together, right-padded, up to ``ROW_BATCH_TOKENS``
    padded tokens per pass, and (unless ``lazy``) each batch's LM head runs once."""
    if not rows:
        return []
    out: list[Any] = [None] * len(rows)
    with lm.torch.inference_mode():
        if not lm.batched:
            for i, row in enumerate(rows):
                item = _row_lazy(lm, row)
                out[i] = item if lazy else item.get(lm)
                report_progress(len(row.ids))
            return out
        for group in _batches(rows, ROW_BATCH_TOKENS):
            items = _run_batch(lm, [rows[i] for i in group])
            if not lazy:
                resolve(lm, items)
            for i, item in zip(group, items):
                out[i] = item if lazy else item.value
            report_progress(sum(len(rows[i].ids) for i in group))
    return out
