"""``headroom-lingua compress``: a prompt from a file or stdin; with ``--question``,
``--instruction`` or ``--docs``, question-aware multi-document compression.

``--docs`` reads one document per line: a JSON string, or an object with a ``"text"`` string.
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Sequence, TextIO

from ..errors import InputError
from .common import add_budget_arguments, add_model_arguments, compressor, force_items, read_input, summary

DIM_RED, RESET = "\033[2;31m", "\033[0m"


def show(text: str, kept: Sequence[tuple[int, int]]) -> str:
    """The original text with dropped parts in dim red (whitespace left uncoloured)."""
    out, pos = [], 0
    for s, e in list(kept) + [(len(text), len(text))]:
        if s > pos:
            out.append(re.sub(r"\S+", lambda m: f"{DIM_RED}{m.group()}{RESET}", text[pos:s]))
        out.append(text[s:e])
        pos = e
    return "".join(out)


def read_jsonl_documents(path: str) -> list[str]:
    """Documents from a JSONL file: each non-blank line a JSON string or an object with "text"."""
    docs = []
    for n, line in enumerate(read_input(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{path} line {n}: not valid JSON ({exc})") from None
        if isinstance(item, dict):
            item = item.get("text")
        if not isinstance(item, str):
            raise InputError(f"{path} line {n}: expected a JSON string or an object with a \"text\" string")
        docs.append(item)
    return docs


def add_parser(sub: argparse._SubParsersAction) -> None:
    from ..frontends.documents import ORDERS
    from ..rankers import RANKERS

    c = sub.add_parser("compress", help="compress a prompt (a file, or stdin)")
    c.add_argument("file", nargs="?", default="-", help="input file; '-' or nothing reads stdin")
    add_budget_arguments(c)
    add_model_arguments(c)
    c.add_argument("--force", action="append", metavar="TEXT", help="keep this text verbatim (repeatable)")
    c.add_argument("--force-regex", action="append", metavar="REGEX", help="keep matches verbatim (repeatable)")
    c.add_argument("--no-protect", action="append", metavar="NAME", help="turn a built-in protector off")
    c.add_argument("--iterative", action="store_true", help="LLMLingua's iterative conditional scoring")
    c.add_argument("--on-overflow", choices=("yield", "raise", "drop"), default="yield",
                   help="when protected text alone exceeds the budget: protected spans yield by priority "
                        "(default; --force items never), raise an error, or all become droppable")
    c.add_argument("--protect-share", type=float, default=1.0, metavar="S",
                   help="largest share of the budget protected spans take for sure; the rest compete on "
                        "their scores (default 1: all protected spans kept)")
    out = c.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the result's fields as JSON")
    out.add_argument("--show", action="store_true", help="show kept and dropped text in colour")
    g = c.add_argument_group("question-aware and multi-document compression")
    g.add_argument("--question", help="the question; kept verbatim at the end, documents ranked against it")
    g.add_argument("--instruction", help="an instruction; kept verbatim at the start")
    g.add_argument("--docs", metavar="FILE.jsonl", help="documents, one per line (a JSON string or {\"text\": ...}); "
                   "without it the input file is one document")
    g.add_argument("--order", choices=ORDERS, help="order of the kept documents (default: original)")
    g.add_argument("--ranker", choices=sorted(RANKERS), help="document ranker (default: question perplexity)")
    g.add_argument("--relevance-gap", type=float, metavar="G", help="also drop documents whose relevance is more "
                   "than G below the best one's, even when the budget has room (question perplexity: nats per "
                   "question token; 0.8 measured well for QA with a small target)")
    c.set_defaults(func=run)


def _wants_documents(args: argparse.Namespace) -> bool:
    return any(getattr(args, name, None) is not None for name in ("question", "instruction", "docs"))


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if _wants_documents(args):
        return _run_documents(args, stdout, stderr)
    text = read_input(args.file)
    result = compressor(args).compress(text, rate=args.rate, target_tokens=args.target_tokens,
                                       tokenizer=args.tokenizer, force=force_items(args))
    if args.json:
        stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    elif args.show:
        stdout.write(show(text, result.kept) + "\n")
        stderr.write(summary(result))
    else:
        stdout.write(result.text + ("" if result.text.endswith("\n") else "\n"))
    return 0


def _run_documents(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..frontends.documents import compress_documents

    docs = read_jsonl_documents(args.docs) if args.docs else [read_input(args.file)]
    result = compress_documents(docs, question=args.question, instruction=args.instruction, rate=args.rate,
                                target_tokens=args.target_tokens, tokenizer=args.tokenizer,
                                model=compressor(args), force=force_items(args), ranker=args.ranker,
                                order=args.order, relevance_gap=args.relevance_gap, progress=stderr.isatty())
    if args.json:
        stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        return 0
    stdout.write(result.text + ("" if result.text.endswith("\n") else "\n"))
    if args.show:
        stderr.write(summary(result))
        for s in sorted(result.stats, key=lambda s: (s.rank is None, s.rank, s.index)):
            where = "dropped" if s.position is None else f"position {s.position}"
            rel = "" if s.relevance is None else f" relevance {s.relevance:.3f} rank {s.rank}"
            stderr.write(f"  doc {s.index}:{rel} {s.original_tokens} -> {s.compressed_tokens} tokens, {where}\n")
    return 0
