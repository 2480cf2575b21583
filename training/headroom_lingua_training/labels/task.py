"""Task-aware labels: keep the words the teacher needs to produce the record's answer (or summary).

The teacher reads ``text`` + a task suffix (``Question: ... Answer:`` or ``Summary:``) and the
reference; a unit's importance is how much it raises the log-likelihood of the reference.

- ``method="saliency"`` (default, one forward and one backward pass per record): gradient x input,
  |<d log p(reference) / d e_t, e_t>| per context token, summed over the unit's tokens.
- ``method="leave_out"``: the increase in the reference's negative log-likelihood when a sentence
  is left out, then, inside the ``top_sentences`` most useful sentences, when a single word is left
  out (at most ``max_word_evals`` words). Variants run as padded batches. A unit's score is its
  sentence's delta plus its own. Costs 1 + sentences + words forward passes per record.

The top ``keep_rate`` of units by score are labelled keep. Records with neither an answer nor a
summary, or longer than ``max_tokens`` teacher tokens in all, are rejected with the reason.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from headroom_lingua.scorers.base import reduce_to_units

from ..data import Record
from .base import Labels, LabelSource, check_keep_rate, top_fraction, units_of
from .teacher import DEFAULT_TEACHER, TeacherBacked

METHODS = ("saliency", "leave_out")
SENTENCE_END = {".", "!", "?", "…", "。", "！", "？"}


def task_suffix(record: Record) -> str:
    if record.answer is not None:
        return f"\n\nQuestion: {record.question}\nAnswer:"
    return "\n\nSummary:"


def sentence_ids(units: Any) -> np.ndarray:
    """(n_units,) sentence index: a sentence ends after . ! ? (and CJK forms) or at a line break."""
    out = np.zeros(len(units), dtype=np.int64)
    sid = 0
    gaps = units.gaps
    for i, (s, e) in enumerate(units.spans()):
        out[i] = sid
        if units.text[s:e] in SENTENCE_END or "\n" in gaps[i + 1]:
            sid += 1
    return out


class TaskSource(TeacherBacked, LabelSource):
    """Keep labels from how much each word matters to the teacher's likelihood of the reference."""

    name = "task"

    def __init__(self, model: Any = DEFAULT_TEACHER, keep_rate: float = 0.5, method: str = "saliency",
                 device: str = "auto", dtype: str = "auto", max_tokens: int = 2048, batch_size: int = 8,
                 top_sentences: int = 3, max_word_evals: int = 64):
        if method not in METHODS:
            raise ValueError(f"method={method!r} is not one of {list(METHODS)}")
        self.model, self.keep_rate, self.method = model, check_keep_rate(keep_rate), method
        self.device, self.dtype, self.max_tokens, self.batch_size = device, dtype, int(max_tokens), int(batch_size)
        self.top_sentences, self.max_word_evals = int(top_sentences), int(max_word_evals)

    @property
    def teacher_window(self) -> int:
        return self.max_tokens

    def params(self) -> dict[str, Any]:
        return {"model": self.model_name(), "keep_rate": self.keep_rate, "method": self.method,
                "max_tokens": self.max_tokens, "top_sentences": self.top_sentences,
                "max_word_evals": self.max_word_evals}

    def applies(self, record: Record) -> str | None:
        return None if record.reference is not None else "no 'answer' or 'summary' field"

    # -- shared pieces ---------------------------------------------------------------------------
    def _pieces(self, record: Record) -> tuple[list[int], np.ndarray, list[int], list[int]]:
        """Context ids, their (n, 2) char offsets, the task suffix ids, the reference ids."""
        counter = self.scorer.counter
        ids, offsets = counter.encode(record.text)
        suffix, _ = counter.encode(task_suffix(record))
        ref, _ = counter.encode(" " + (record.reference or "").strip())
        return list(ids), np.asarray(offsets, dtype=np.int64).reshape(-1, 2), list(suffix), list(ref)

    def _ref_nll(self, contexts: list[list[int]], tail: list[int], n_ref: int) -> np.ndarray:
        """(len(contexts),) summed NLL of the last ``n_ref`` tokens of [start] + context + tail."""
        scorer, torch = self.scorer, self.scorer.causal_lm().torch
        out = np.zeros(len(contexts))
        pad = scorer.tokenizer.pad_token_id or 0
        for a in range(0, len(contexts), self.batch_size):
            seqs = [scorer.causal_lm().with_prefix(c + tail) for c in contexts[a:a + self.batch_size]]
            width = max(map(len, seqs))
            ids = torch.full((len(seqs), width), pad, dtype=torch.long)  # (b, width), right padded
            mask = torch.zeros((len(seqs), width), dtype=torch.long)
            for r, s in enumerate(seqs):
                ids[r, :len(s)], mask[r, :len(s)] = torch.tensor(s), 1
            with torch.inference_mode():
                nll = scorer.causal_lm().nll(ids.to(scorer.device), mask.to(scorer.device)).cpu().numpy()  # (b, width-1)
            for r, s in enumerate(seqs):  # nll[p - 1] is the surprisal of token p
                out[a + r] = float(nll[r, len(s) - 1 - n_ref:len(s) - 1].sum())
        return out

    # -- methods ---------------------------------------------------------------------------------
    def _saliency(self, ids: list[int], tail: list[int], n_ref: int) -> np.ndarray:
        """(len(ids),) |gradient x input| of the reference's log-likelihood per context token."""
        scorer, torch = self.scorer, self.scorer.causal_lm().torch
        model = scorer.model
        seq = torch.tensor([scorer.causal_lm().with_prefix(ids + tail)], device=scorer.device)  # (1, t)
        shift = seq.shape[1] - len(ids) - len(tail)  # 1 with a document-start token
        with torch.enable_grad():
            emb = model.get_input_embeddings()(seq).detach().requires_grad_(True)  # (1, t, d)
            logits = model(inputs_embeds=emb, use_cache=False).logits[0, -n_ref - 1:-1]  # (n_ref, vocab)
            nll = torch.nn.functional.cross_entropy(logits.float(), seq[0, -n_ref:], reduction="sum")
            (grad,) = torch.autograd.grad(-nll, emb)  # (1, t, d)
        sal = (grad * emb.detach()).sum(-1)[0, shift:shift + len(ids)].abs()  # (len(ids),)
        return sal.float().cpu().numpy()

    def _leave_out(self, record: Record, units: Any, ids: list[int], off: np.ndarray, tail: list[int],
                   n_ref: int) -> np.ndarray:
        """(n_units,) NLL increase of the reference when the unit's sentence / the unit is left out."""
        sent = sentence_ids(units)
        tok_unit = np.searchsorted(units.ends, off[:, 0], side="right").clip(0, len(units) - 1)  # (n_tok,)
        tok_sent = sent[tok_unit]

        def without(mask: np.ndarray) -> list[int]:
            return [t for t, drop in zip(ids, mask) if not drop]

        n_sent = int(sent.max()) + 1
        variants = [ids] + [without(tok_sent == k) for k in range(n_sent)]
        nll = self._ref_nll(variants, tail, n_ref)
        d_sent = nll[1:] - nll[0]  # (n_sent,) > 0: the sentence helps
        score = d_sent[sent].astype(np.float64)
        best = [k for k in np.argsort(-d_sent)[:self.top_sentences] if d_sent[k] > 0]
        words = [i for i in range(len(units)) if sent[i] in best][:self.max_word_evals]
        if words:
            d_word = self._ref_nll([without(tok_unit == i) for i in words], tail, n_ref) - nll[0]
            score[words] += d_word
        return score

    def label_one(self, record: Record) -> Labels:
        fp = record.fingerprint
        if record.reference is None:
            return Labels(fp, np.zeros(0, np.int8), reject="no 'answer' or 'summary' field")
        ids, off, suffix, ref = self._pieces(record)
        total = len(ids) + len(suffix) + len(ref) + 1
        if total > self.max_tokens:
            return Labels(fp, np.zeros(0, np.int8), reject=f"{total} teacher tokens > max_tokens {self.max_tokens}")
        units = units_of(record)
        if self.method == "saliency":
            soft = reduce_to_units(units, off[:, 0], off[:, 1], self._saliency(ids, suffix + ref, len(ref)), "sum")
        else:
            soft = self._leave_out(record, units, ids, off, suffix + ref, len(ref))
        return Labels(fp, top_fraction(soft, self.keep_rate), soft.astype(np.float32), meta={"method": self.method})

    def label_batch(self, records: Sequence[Record]) -> list[Labels]:
        return [self.label_one(r) for r in records]
