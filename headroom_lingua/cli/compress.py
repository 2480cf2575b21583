"""``headroom-lingua compress``: prompts from files, glob patterns or stdin; with ``--question``,
``--instruction`` or ``--docs``, question-aware multi-document compression.

One input prints to stdout (or ``-o FILE``); several need ``--output DIR``, which mirrors their
paths. ``--docs`` reads a JSONL file (one document per line: a JSON string, or an object with a
``"text"`` string) or every file under a folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from typing import Sequence, TextIO

from ..errors import InputError
from .common import add_budget_arguments, add_model_arguments, compressor, force_items, read_input, summary
from .console import progress_bar, use_color, wants_progress
from .inputs import document_files, expand_inputs, output_paths
from .validate import check_args

DIM_RED, RESET = "\033[2;31m", "\033[0m"


def show(text: str, kept: Sequence[tuple[int, int]], color: bool = True) -> str:
    """The original text with dropped parts in dim red (whitespace left uncoloured), or without
    colour marked ``[-like this-]``."""
    out, pos = [], 0
    mark = (lambda m: f"{DIM_RED}{m.group()}{RESET}") if color else (lambda m: f"[-{m.group()}-]")
    pattern = r"\S+" if color else r"\S+(?:[ \t]+\S+)*"
    for s, e in list(kept) + [(len(text), len(text))]:
        if s > pos:
            out.append(re.sub(pattern, mark, text[pos:s]))
        out.append(text[s:e])
        pos = e
    return "".join(out)


def read_jsonl_documents(path: str, encoding: str = "utf-8") -> list[str]:
    """Documents from a JSONL file (each non-blank line a JSON string or an object with "text"),
    or every file under a folder (one document each)."""
    if os.path.isdir(path):
        return [read_input(p, encoding) for p in document_files(path)]
    docs = []
    for n, line in enumerate(read_input(path, encoding).splitlines(), start=1):
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
    c.add_argument("files", nargs="*", default=["-"], metavar="FILE",
                   help="input files or glob patterns ('docs/**/*.md'); '-' or nothing reads stdin")
    dest = c.add_mutually_exclusive_group()
    dest.add_argument("-o", "--output-file", metavar="FILE", help="write the compressed text here (one input)")
    dest.add_argument("--output", metavar="DIR", help="write each input's output under DIR (several inputs)")
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
    _add_sentence_arguments(c)
    out = c.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the result's fields as JSON")
    out.add_argument("--show", action="store_true", help="show kept and dropped text in colour")
    out.add_argument("--explain", nargs="?", const="table", choices=("table", "jsonl"),
                     help="each unit's text, span, score, kept flag and why, as a table (default) or JSON lines")
    g = c.add_argument_group("question-aware and multi-document compression")
    g.add_argument("--question", help="the question; kept verbatim at the end, documents ranked against it")
    g.add_argument("--instruction", help="an instruction; kept verbatim at the start")
    g.add_argument("--docs", metavar="FILE.jsonl|DIR", help="documents, one per line (a JSON string or "
                   "{\"text\": ...}), or a folder whose files are the documents; without it the input file is one")
    g.add_argument("--order", choices=ORDERS, help="order of the kept documents (default: original)")
    g.add_argument("--ranker", choices=sorted(RANKERS), help="document ranker (default: question perplexity)")
    g.add_argument("--relevance-gap", type=float, metavar="G", help="also drop documents whose relevance is more "
                   "than G below the best one's, even when the budget has room (question perplexity: nats per "
                   "question token; 0.8 measured well for QA with a small target)")
    c.set_defaults(func=run)


def _add_sentence_arguments(c: argparse.ArgumentParser) -> None:
    """The sentence step's flags (``CompressionConfig.sentence_slack``, ``_facts``, ``_cut``)."""
    c.add_argument("--sentence-slack", type=_slack, default=None, metavar="S",
                   help="select sentences first (those holding numbers, names or ids, then the best mean "
                        "score, until they hold (1 + S) x the budget), then words within them; 0 keeps "
                        "nearly whole sentences; 'off': words only (default: the model's setting, "
                        "off unless its folder sets one)")
    from ..engine.sentences import SENTENCE_CUTS, SENTENCE_FACTS

    c.add_argument("--sentence-facts", choices=SENTENCE_FACTS, default=None,
                   help="sentence step: rank sentences holding numbers, names or ids first and keep the "
                        "numbers and owners' clauses of those left out (keep, default), or rank by score "
                        "alone and drop sentences whole (follow: question-aware models)")
    c.add_argument("--sentence-cut", choices=SENTENCE_CUTS, default=None,
                   help="sentence step: where the word step cuts: the weakest words of every admitted "
                        "sentence (spread, default), only the last sentence reached, the best ones "
                        "staying whole (last: minilm-questions), or spread for line-structured text "
                        "and last for prose (auto: minilm-transcripts)")


def _wants_documents(args: argparse.Namespace) -> bool:
    return any(getattr(args, name, None) is not None for name in ("question", "instruction", "docs"))


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    check_args(args)
    if _wants_documents(args):
        if args.explain:
            raise InputError("--explain explains plain-text compression; leave out --question, --instruction and --docs")
        return _run_documents(args, stdout, stderr)
    paths = expand_inputs(args.files)
    if len(paths) > 1 and not args.output:
        raise InputError(f"{len(paths)} inputs: pass --output DIR (only one input goes to stdout or -o FILE)")
    targets = output_paths(paths, args.output) if args.output else [args.output_file]
    comp = compressor(args)
    for path, target in zip(paths, targets):
        text = read_input(path, args.encoding)
        with progress_bar(wants_progress(args.progress, len(text), stderr) and text.strip() != "", stderr, len(text)):
            result = comp.compress(text, rate=args.rate, target_tokens=args.target_tokens,
                                   tokenizer=args.tokenizer, force=force_items(args))
        if target is None:
            _print(args, text, result, stdout, stderr)
            continue
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        with open(target, "w", encoding=args.encoding) as fh:
            fh.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n" if args.json else result.text)
        if len(paths) > 1 or args.show:
            stderr.write(f"{path} -> {target}: " + summary(result))
    return 0


def explain_lines(result, fmt: str) -> list[str]:
    """``result.units()`` as JSON lines or as a table (kept, why, score, span, text)."""
    units = result.units()
    if fmt == "jsonl":
        return [json.dumps(u.to_dict(), ensure_ascii=False) for u in units]
    rows = [f"{'kept':<5} {'why':<20} {'score':>8} {'span':>15}  text"]
    rows += [f"{'yes' if u.kept else 'no':<5} {u.why:<20} {u.score:>8.3f} {f'{u.start}-{u.end}':>15}  {u.text!r}"
             for u in units]
    return rows


def _print(args: argparse.Namespace, text: str, result, stdout: TextIO, stderr: TextIO) -> None:
    if args.explain:
        stdout.write("\n".join(explain_lines(result, args.explain)) + "\n")
        stderr.write(summary(result))
    elif args.json:
        stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    elif args.show:
        kept = [(u.start, u.end) for u in result.units() if u.kept] or result.kept  # the same data as --explain
        stdout.write(show(text, kept, use_color(args.color, stdout)) + "\n")
        stderr.write(summary(result))
    else:
        stdout.write(result.text + ("" if result.text.endswith("\n") else "\n"))


def _run_documents(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..frontends.documents import compress_documents

    paths = expand_inputs(args.files)
    if len(paths) > 1:
        raise InputError("question-aware compression takes one input: pass several documents with --docs")
    docs = read_jsonl_documents(args.docs, args.encoding) if args.docs else [read_input(paths[0], args.encoding)]
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


def _slack(value: str) -> float | str:
    """``--sentence-slack``: a number, or ``off`` (words only, whatever the model's folder says)."""
    if value.strip().lower() in ("off", "none"):
        return "off"
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'off', got {value!r}") from None
