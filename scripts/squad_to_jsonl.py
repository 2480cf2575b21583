"""Write question-agnostic training records from SQuAD v2 dev's even-numbered articles.

The `squad-odd` evaluation suite draws its questions from the odd-numbered articles only, so a model
trained on these records has never read an evaluated paragraph (split by article, not by question:
paragraphs of one article share names and topics).

Each record is one paragraph as ``{"id", "text", "compressed"}``: ``compressed`` is every answer
span of the paragraph's answerable questions, in text order, overlapping spans merged. The
``alignment`` labels then mark the words that some reader asked about (names, dates, amounts, short
noun phrases), without the question: the classifier learns what in a paragraph tends to be asked,
which is what a compressor that does not know the question should keep.

``--widen clause`` widens each answer span to the clause around it (to the nearest ``, ; : . ! ?``,
bracket or dash on either side), so the labels keep a readable phrase, not a bare name.

    python scripts/squad_to_jsonl.py --out runs/prose/squad_even.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))


_CLAUSE_END = re.compile(r"[,;:.!?()\[\]—–]")


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """(start, end) widened to the clause delimiters around them, delimiters and edge spaces left out."""
    left = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    right = next((m.start() for m in _CLAUSE_END.finditer(text, end)), len(text))
    while left < start and text[left].isspace():
        left += 1
    while right > end and text[right - 1].isspace():
        right -= 1
    return left, right


def answer_spans(paragraph: dict, widen: str = "none") -> list[tuple[int, int]]:
    """Character spans of the answerable questions' answers (``widen="clause"``: their clauses),
    sorted, overlapping ones merged."""
    text = paragraph["context"]
    spans = sorted((a["answer_start"], a["answer_start"] + len(a["text"]))
                   for qa in paragraph["qas"] if not qa.get("is_impossible") for a in qa["answers"])
    if widen == "clause":
        spans = sorted(_clause(text, s, e) for s, e in spans)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def to_record(article: int, index: int, paragraph: dict, widen: str = "none") -> dict | None:
    text = paragraph["context"]
    spans = answer_spans(paragraph, widen)
    if not spans or any(text[s:e] == "" for s, e in spans):
        return None
    return {"id": f"squad-dev-{article}-{index}", "text": text,
            "compressed": " ".join(text[s:e] for s, e in spans)}


def main(argv: list[str] | None = None) -> None:
    from headroom_lingua_eval.suites import held_apart, squad_data

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="JSONL file to write")
    parser.add_argument("--limit", type=int, default=None, help="at most this many paragraphs")
    parser.add_argument("--widen", choices=("none", "clause"), default="none",
                        help="label the answer spans alone (none) or the clauses around them")
    args = parser.parse_args(argv)
    records = [rec for a, art in enumerate(squad_data()["data"]) if not held_apart(a)
               for p, para in enumerate(art["paragraphs"]) if (rec := to_record(a, p, para, args.widen))]
    records = records[:args.limit] if args.limit else records
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    words = sum(len(r["text"].split()) for r in records)
    kept = sum(len(r["compressed"].split()) for r in records)
    print(f"{len(records)} paragraphs, {words} words, answer words {kept} ({kept / words:.3f}) -> {out}")


if __name__ == "__main__":
    main()
