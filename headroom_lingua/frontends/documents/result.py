"""The result of a documents call: the assembled prompt plus per-document figures."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ...engine import Units, render, yielded
from ...result import CompressionResult, make_result
from .allocate import output_order
from .config import DocumentsResult, DocumentStat

def _spans_in_assembly(job: Any, doc_spans: dict[int, list[tuple[int, int]]]) -> list[tuple[int, int]]:
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


def unchanged(job: Any, text: str, original: int, budget: int, seconds: float) -> DocumentsResult:
    stats = tuple(DocumentStat(i, None, None, job.counter.count(d), job.counter.count(d), i,
                               ((0, len(d)),) if d else ()) for i, d in enumerate(job.docs))
    base = make_result(text, original, original, [(0, len(text))] if text.strip() else [], seconds, budget,
                       job.counter.name)
    return DocumentsResult(**_fields(base), documents=tuple(job.docs), stats=stats,
                           order=tuple(range(len(job.docs))))


def build_result(job: Any, original: int, budget: int, used: int, relevance: np.ndarray | None,
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
    gave_way = [t for i, m in zip(active, masks) for t in yielded(units[i], m)]
    base = make_result(text, original, used, kept, seconds, budget, job.counter.name, gave_way)
    return DocumentsResult(**_fields(base), documents=tuple(documents), stats=tuple(stats),
                           order=tuple(order))
