"""Command-line front ends of the multi-document and chat compressors (hooked into ``cli.py``).

    headroom-lingua compress --question "Who ...?" [--instruction TEXT] --docs docs.jsonl --rate 0.33
    headroom-lingua compress-messages chat.json --rate 0.5 [--stats]

``--docs`` reads one document per line: a JSON string, or an object with a ``"text"`` string.
``compress-messages`` reads a JSON list of messages, or an object with a ``"messages"`` list (a
request body), and prints the same JSON with the messages compressed; ``--stats`` prints the
figures on stderr. Long work shows a progress bar on stderr when it is a terminal.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any, TextIO

from .errors import HeadroomLinguaError, InputError


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def read_jsonl_documents(path: str) -> list[str]:
    """Documents from a JSONL file: each non-blank line a JSON string or an object with "text"."""
    docs = []
    for n, line in enumerate(_read(path).splitlines(), start=1):
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


def _compressor(args: argparse.Namespace) -> Any:
    """The compressor the flags ask for (the cached default one when they change nothing)."""
    from .compressor import Compressor, _cached_compressor
    from .config import CompressionConfig

    config = CompressionConfig()
    unknown = sorted(set(getattr(args, "no_protect", None) or []) - set(config.protect))
    if unknown:
        raise HeadroomLinguaError(f"--no-protect: unknown protector(s) {unknown}; choose from {list(config.protect)}")
    changes = {"protect": tuple(p for p in config.protect if p not in set(getattr(args, "no_protect", None) or []))}
    for name in ("iterative", "on_overflow", "protect_share"):
        if getattr(args, name, None) is not None:
            changes[name] = getattr(args, name)
    config = config.replace(**changes)
    if config == CompressionConfig() and getattr(args, "device", "auto") == "auto":
        return _cached_compressor(args.model)
    return Compressor.from_pretrained(args.model, device=getattr(args, "device", "auto"), config=config)


# -- compress --question/--instruction/--docs --------------------------------------------------------
def add_document_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags that turn ``compress`` into question-aware, multi-document compression."""
    from .documents import ORDERS
    from .rankers import RANKERS

    g = parser.add_argument_group("question-aware and multi-document compression")
    g.add_argument("--question", help="the question; kept verbatim at the end, documents ranked against it")
    g.add_argument("--instruction", help="an instruction; kept verbatim at the start")
    g.add_argument("--docs", metavar="FILE.jsonl", help="documents, one per line (a JSON string or {\"text\": ...}); "
                   "without it the input file is one document")
    g.add_argument("--order", choices=ORDERS, help="order of the kept documents (default: original)")
    g.add_argument("--ranker", choices=sorted(RANKERS), help="document ranker (default: question perplexity)")
    g.add_argument("--relevance-gap", type=float, metavar="G", help="also drop documents whose relevance is more "
                   "than G below the best one's, even when the budget has room (question perplexity: nats per "
                   "question token; 0.8 measured well for QA with a small target)")


def wants_documents(args: argparse.Namespace) -> bool:
    return any(getattr(args, name, None) is not None for name in ("question", "instruction", "docs"))


def run_documents(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .documents import compress_documents

    docs = read_jsonl_documents(args.docs) if args.docs else [_read(args.file)]
    force = list(args.force or []) + [re.compile(p) for p in (args.force_regex or [])]
    result = compress_documents(docs, question=args.question, instruction=args.instruction, rate=args.rate,
                                target_tokens=args.target_tokens, tokenizer=args.tokenizer,
                                model=_compressor(args), force=force, ranker=args.ranker, order=args.order,
                                relevance_gap=args.relevance_gap, progress=stderr.isatty())
    if args.json:
        stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        return 0
    stdout.write(result.text + ("" if result.text.endswith("\n") else "\n"))
    if args.show:
        stderr.write(f"{result.original_tokens} -> {result.compressed_tokens} tokens (budget {result.budget}, "
                     f"{result.ratio:.2f}x, {result.seconds:.2f} s, tokenizer {result.tokenizer})\n")
        for s in sorted(result.stats, key=lambda s: (s.rank is None, s.rank, s.index)):
            where = "dropped" if s.position is None else f"position {s.position}"
            rel = "" if s.relevance is None else f" relevance {s.relevance:.3f} rank {s.rank}"
            stderr.write(f"  doc {s.index}:{rel} {s.original_tokens} -> {s.compressed_tokens} tokens, {where}\n")
    return 0


# -- compress-messages -----------------------------------------------------------------------------
def add_messages_command(sub: Any) -> None:
    """The ``compress-messages`` subcommand."""
    from .models import DEFAULT_MODEL

    m = sub.add_parser("compress-messages", help="compress an OpenAI-style chat message list (JSON)")
    m.add_argument("file", nargs="?", default="-", help="JSON list of messages or {\"messages\": [...]}; '-' reads stdin")
    budget = m.add_mutually_exclusive_group(required=True)
    budget.add_argument("--rate", type=float, help="fraction of the list's tokens to keep, in (0, 1]")
    budget.add_argument("--target-tokens", type=int, help="token budget for the whole list")
    m.add_argument("--tokenizer", help="budget tokenizer: 'cl100k', 'o200k' (GPT-4o), a model name or folder (default: the scorer's)")
    m.add_argument("--model", default=DEFAULT_MODEL, help=f"scorer model name or folder (default {DEFAULT_MODEL})")
    m.add_argument("--device", default="auto", help="cpu, cuda, mps or auto")
    m.add_argument("--unstable", action="store_true",
                   help="global selection (fills the budget; earlier turns may change when turns are added)")
    m.add_argument("--stats", action="store_true", help="print the token figures on stderr")
    m.set_defaults(func=run_messages)


def run_messages(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .messages import compress_messages

    try:
        data = json.loads(_read(args.file))
    except ValueError as exc:
        raise InputError(f"{args.file}: not valid JSON ({exc})") from None
    body = data if isinstance(data, dict) else None
    messages = body.get("messages") if body is not None else data
    if body is not None and "messages" not in body:
        raise InputError(f"{args.file}: a JSON object needs a \"messages\" list")
    result = compress_messages(messages, rate=args.rate, target_tokens=args.target_tokens, model=_compressor(args),
                               tokenizer=args.tokenizer, stable=not args.unstable, progress=stderr.isatty())
    out = {**body, "messages": result.messages} if body is not None else result.messages
    stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    if args.stats:
        mode = "stable" if result.stable else "not stable (global selection)"
        stderr.write(f"{result.original_tokens} -> {result.compressed_tokens} tokens (budget {result.budget}, "
                     f"{result.ratio:.2f}x, {mode}, {result.seconds:.2f} s, tokenizer {result.tokenizer})\n")
        for s in result.stats:
            tag = " verbatim" if s.verbatim else ""
            stderr.write(f"  [{s.index}] {s.role:<9} {s.original_tokens} -> {s.compressed_tokens}{tag}\n")
    return 0
