"""Teacher surprisal: keep the words a local causal LM finds least predictable.

A unit's soft score is its self-information under the teacher, the sum of its tokens' surprisal
-log p(x_t | x_<t) (``PerplexityScorer`` with ``reduction="sum"``: the LM runner is the compressor's
own). Where a record has a question, the score is contrastive, as in LongLLMLingua: the surprisal
without the question minus the surprisal with the question before the text, which is high for
words the question makes predictable (the words about what is asked). The top ``keep_rate`` of each
record's units by soft score are labelled keep.

Records up to the scorer's window run as padded batches (``PerplexityScorer.score_batch``); the
question-conditioned pass runs one record at a time.

Example:
    >>> src = TeacherSource("smollm2-135m", keep_rate=0.4)            # doctest: +SKIP
    >>> src.label_batch([Record("The cat sat on the mat.", "x:1")])   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from headroom_lingua.scorers.base import reduce_to_units
from headroom_lingua.scorers.lm.rows import Row, run_rows, windows

from ..data import Record
from .base import Labels, LabelSource, check_keep_rate, top_fraction, units_of

DEFAULT_TEACHER = "qwen2.5-coder-1.5b-instruct"


def load_teacher(model: Any, device: str = "auto", dtype: str = "auto", window: int = 1024,
                 batch_size: int = 8) -> Any:
    """A ``PerplexityScorer`` summing token surprisal per word: ``model`` is a registered name, a
    local causal-LM folder, or an already built ``PerplexityScorer`` (returned as is)."""
    from headroom_lingua.scorers.perplexity import PerplexityConfig, PerplexityScorer

    if isinstance(model, PerplexityScorer):
        return model
    config = PerplexityConfig(reduction="sum", window=window, overlap=min(128, window // 4),
                               batch_size=batch_size)
    return PerplexityScorer.from_pretrained(str(model), device=device, dtype=dtype, config=config)


def question_prefix(question: str) -> str:
    return f"Question: {question}\n\n"


class TeacherBacked:
    """A label source that loads its teacher LM on first use (``model``, ``device``, ``dtype``,
    ``teacher_window``, ``batch_size`` set by the subclass) and counts in the teacher's tokens."""

    token_unit = "teacher tokens"
    _scorer: Any = None

    @property
    def scorer(self) -> Any:
        if self._scorer is None:
            self._scorer = load_teacher(self.model, self.device, self.dtype, self.teacher_window, self.batch_size)
        return self._scorer

    def count_tokens(self, record: Record) -> int:
        return len(self.scorer.counter.encode(record.text)[0])

    def model_name(self) -> str:
        return str(self.model if isinstance(self.model, str) else getattr(self.model, "model_name", "scorer"))


class TeacherSource(TeacherBacked, LabelSource):
    """Keep labels from a causal LM's (question-contrastive) self-information."""

    name = "teacher"

    def __init__(self, model: Any = DEFAULT_TEACHER, keep_rate: float = 0.5, device: str = "auto",
                 dtype: str = "auto", window: int = 1024, batch_size: int = 8, contrastive: bool = True):
        self.model, self.keep_rate = model, check_keep_rate(keep_rate)
        self.device, self.dtype, self.window, self.batch_size = device, dtype, int(window), int(batch_size)
        self.contrastive = bool(contrastive)

    @property
    def teacher_window(self) -> int:
        return self.window

    def params(self) -> dict[str, Any]:
        return {"model": self.model_name(), "keep_rate": self.keep_rate, "window": self.window,
                "contrastive": self.contrastive}

    def conditioned(self, record: Record, units: Any) -> np.ndarray:
        """(n_units,) summed surprisal of each unit with the question read first: in every window
        of a long text (question capped at a quarter window), not only in the first."""
        scorer = self.scorer
        window, overlap = scorer.config.window, scorer.config.overlap
        q_ids = list(scorer.counter.encode(question_prefix(record.question or ""))[0])[-max(1, window // 4):]
        ids, offsets = scorer.counter.encode(record.text)
        ids, off = list(ids), np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
        head = scorer.lm.with_prefix(q_ids)
        rows = [Row(head + ids[c:b], len(head) + a - c, len(head) + b - c)
                for c, a, b in windows(len(ids), max(16, window - len(q_ids)), overlap)]
        tok = np.concatenate(run_rows(scorer.lm, rows)) if rows else np.zeros(0, np.float32)  # (len(ids),)
        return reduce_to_units(units, off[:, 0], off[:, 1], tok, "sum")

    def label_batch(self, records: Sequence[Record]) -> list[Labels]:
        units = [units_of(r) for r in records]
        plain = self.scorer.score_batch(units)  # list of (n_units,) summed surprisal
        out = []
        for record, u, surprisal in zip(records, units, plain):
            soft = np.asarray(surprisal, dtype=np.float64)
            meta: dict[str, Any] = {}
            if self.contrastive and record.question:
                soft = soft - self.conditioned(record, u)  # high where the question helps predict
                meta["contrastive"] = True
            out.append(Labels(record.fingerprint, top_fraction(soft, self.keep_rate),
                              soft.astype(np.float32), meta=meta))
        return out
