"""A label report: keep rate, length histogram, rejects by reason, examples rendered kept/dropped."""

from __future__ import annotations

import collections
from typing import Any, Sequence

import numpy as np

from ..data import Record
from .base import Labels, units_of

BINS = (0, 16, 64, 256, 1024, 4096)


def render_example(record: Record, labels: Labels, max_chars: int = 600) -> str:
    """The record's text with each run of dropped words struck through (``~~dropped words~~``)."""
    units = units_of(record)
    parts, pos, run_start = [], 0, None
    text = record.text
    for (s, e), keep in zip(units.spans(), labels.keep.tolist()):
        if s >= max_chars:
            break
        if keep and run_start is not None:  # close the run of dropped words before this gap
            parts.append(f"~~{text[run_start:pos]}~~")
            run_start = None
        if keep:
            parts.append(text[pos:e])
        elif run_start is None:
            parts.append(text[pos:s])
            run_start = s
        pos = e
    if run_start is not None:
        parts.append(f"~~{text[run_start:pos]}~~")
    return "".join(parts).replace("\n", " ")


def label_report(records: Sequence[Record], labels: dict[str, Labels], examples: int = 3) -> dict[str, Any]:
    """Figures over ``records`` (each looked up in ``labels`` by fingerprint)."""
    lengths, kept, total = [], 0, 0
    rejects: collections.Counter = collections.Counter()
    shown = []
    for record in records:
        lab = labels.get(record.fingerprint)
        if lab is None:
            rejects["not labelled"] += 1
        elif lab.reject is not None:
            rejects[lab.reject.split(" > ")[0].split(" < ")[0]] += 1
        else:
            lengths.append(len(lab.keep))
            kept += int(lab.keep.sum())
            total += len(lab.keep)
            if len(shown) < examples:
                shown.append({"where": record.where, "rendered": render_example(record, lab)})
    edges = list(BINS) + [max([BINS[-1] + 1] + lengths) + 1]
    hist, _ = np.histogram(lengths, bins=edges)
    return {"records": len(records), "labelled": len(lengths), "keep_rate": kept / total if total else 0.0,
            "units": total, "length_histogram": {f"{a}-{b - 1}": int(h) for a, b, h in zip(edges, edges[1:], hist)},
            "rejects": dict(rejects), "examples": shown}


def report_markdown(source: str, report: dict[str, Any], seconds: float | None = None,
                    units: int | None = None, unit: str = "units") -> str:
    lines = [f"# Labels: {source}", "",
             f"- records: {report['records']}, labelled: {report['labelled']}, units: {report['units']}",
             f"- keep rate: {report['keep_rate']:.3f}"]
    if seconds is not None and units:
        lines.append(f"- labelling time this run: {seconds:.1f} s for {units} {unit} "
                     f"({units / max(seconds, 1e-9):.0f} {unit}/s)")
    lines.append(f"- rejects: {report['rejects'] or 'none'}")
    lines += ["", "| units per record | records |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in report["length_histogram"].items()]
    lines += ["", "## Examples (dropped words ~~struck~~)", ""]
    lines += [f"- `{ex['where']}`: {ex['rendered']}" for ex in report["examples"]]
    return "\n".join(lines) + "\n"
