"""What every subcommand shares: input reading, the budget and model flags, the compressor the
flags ask for, and the one-line summary."""

from __future__ import annotations

import argparse
import re
from typing import Any

from ..errors import HeadroomLinguaError
from ..models import DEFAULT_MODEL


def read_input(path: str, encoding: str = "utf-8") -> str:
    """A file's text, or stdin for ``-``; a decoding error names the file and the byte offset."""
    from .inputs import read_text

    return read_text(path, encoding)


def add_budget_arguments(parser: argparse.ArgumentParser, what: str = "tokens") -> None:
    budget = parser.add_mutually_exclusive_group(required=True)
    budget.add_argument("--rate", type=float, help=f"fraction of the {what} to keep, in (0, 1]")
    budget.add_argument("--target-tokens", type=int, help="token budget")
    parser.add_argument("--tokenizer", help="budget tokenizer: 'cl100k', 'o200k' (GPT-4o), a model name or folder (default: the scorer's)")


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"scorer model name or folder (default {DEFAULT_MODEL})")
    parser.add_argument("--device", default="auto", help="cpu, cuda, mps or auto")
    add_console_arguments(parser)


def add_console_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--verbose", action="store_true", help="show library warnings and progress bars")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour in --show (auto: on a terminal, unless NO_COLOR is set)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on stderr (default: for long inputs on a terminal)")
    parser.add_argument("--encoding", default="utf-8", help="text encoding of the input files (default utf-8)")


def force_items(args: argparse.Namespace) -> list[Any]:
    return list(getattr(args, "force", None) or []) + [re.compile(p) for p in (getattr(args, "force_regex", None) or [])]


def compressor(args: argparse.Namespace) -> Any:
    """The compressor the flags ask for: the model's own pipeline settings (a classifier folder's
    ``"pipeline"``, else the defaults) with the flags' changes on top; the cached model when the
    device and scorer settings are the defaults."""
    from ..compressor import Compressor
    from ..loading import MODEL_CACHE

    scorer_config = {"iterative": True} if getattr(args, "iterative", False) else None
    device = getattr(args, "device", "auto")
    if scorer_config is None and device == "auto":
        backend = MODEL_CACHE.get(args.model)
    else:
        backend = Compressor.from_pretrained(args.model, device=device, scorer_config=scorer_config)
    config = backend.config
    dropped = set(getattr(args, "no_protect", None) or [])
    unknown = sorted(dropped - set(config.protect))
    if unknown:
        raise HeadroomLinguaError(f"--no-protect: unknown protector(s) {unknown}; choose from {list(config.protect)}")
    changes = {"protect": tuple(p for p in config.protect if p not in dropped)}
    for name in ("on_overflow", "protect_share", "sentence_slack", "sentence_facts", "sentence_cut"):
        if getattr(args, name, None) is not None:
            changes[name] = getattr(args, name)
    if changes.get("sentence_slack") == "off":
        changes["sentence_slack"] = None
    return Compressor(backend.scorer, config.replace(**changes))


def summary(result: Any, extra: str = "", shown: int = 5) -> str:
    """One line of figures: tokens before and after, budget, ratio, time, tokenizer; then what
    went over the budget and which protected spans yielded (the first ``shown`` of them)."""
    over = getattr(result, "over_budget", 0)
    gave = tuple(getattr(result, "yielded", ()))
    tail = f", {over} tokens over: the verbatim parts alone exceed it" if over else ""
    if gave:
        more = f" and {len(gave) - shown} more" if len(gave) > shown else ""
        tail += f"; {len(gave)} protected span(s) yielded: " + ", ".join(repr(t) for t in gave[:shown]) + more
    return (f"{result.original_tokens} -> {result.compressed_tokens} tokens (budget {result.budget}, "
            f"{result.ratio:.2f}x{extra}, {result.seconds:.2f} s, tokenizer {result.tokenizer}{tail})\n")


def dispatch(args: argparse.Namespace, stdout: Any, stderr: Any, prog: str = "headroom-lingua",
             interrupted: str = "interrupted") -> int:
    """Run the parsed command: a library error becomes one line on stderr and exit 1, Ctrl-C 130
    (shared by ``headroom-lingua`` and the harness's and trainer's own entry points)."""
    try:
        return args.func(args, stdout, stderr)
    except (HeadroomLinguaError, ValueError, TypeError, OSError) as exc:
        stderr.write(f"{prog}: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        stderr.write(f"{prog}: {interrupted}\n")
        return 130
