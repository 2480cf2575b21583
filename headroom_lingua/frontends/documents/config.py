"""Configuration and results of question-aware multi-document compression."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from ...errors import ConfigError
from ...result import CompressionResult
from ...structure.apply import STEPS, StepStat, check_steps

ORDERS = ("original", "relevance", "both_ends")
FINE = ("contrastive", "surprisal")


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
            ``bm25``); a ``ranker=`` argument overrides it. ``overlap`` or ``bm25`` with a causal LM
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
        steps: structure steps run on the documents before ranking and scoring, from
            ``structure.apply.STEPS`` (default all: repeated documents and paragraphs become
            back-references to the first copy, noise goes, JSON shrinks, logs fold; ``()``: off).
            Skipped when the budget already holds the prompt. When a step changes a document,
            ``documents`` and ``kept`` refer to the documents after the steps.
    """

    order: str = "original"
    separator: str = "\n\n"
    coarse_slack: float = 0.0
    dynamic_ratio: float = 0.8
    fine: str = "contrastive"
    ranker: str = "auto"
    self_weight: float = 0.0
    relevance_gap: float | None = None
    steps: tuple[str, ...] = STEPS

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", check_steps(self.steps))
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
    steps: tuple[StepStat, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["documents"] = list(self.documents)
        data["order"] = list(self.order)
        data["stats"] = [{**dataclasses.asdict(s), "kept": [list(k) for k in s.kept]} for s in self.stats]
        data["steps"] = [dataclasses.asdict(s) for s in self.steps]
        return data
