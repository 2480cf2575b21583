"""``headroom-lingua compress-messages``: a JSON list of messages, or an object with a
``"messages"`` list (a request body); prints the same JSON with the messages compressed."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from ..errors import InputError
from .validate import check_args
from .common import add_budget_arguments, add_model_arguments, compressor, read_input, summary


def add_parser(sub: Any) -> None:
    m = sub.add_parser("compress-messages", help="compress an OpenAI-style chat message list (JSON)")
    m.add_argument("file", nargs="?", default="-", help="JSON list of messages or {\"messages\": [...]}; '-' reads stdin")
    add_budget_arguments(m, what="list's tokens")
    add_model_arguments(m)
    m.add_argument("--unstable", action="store_true",
                   help="global selection (fills the budget; earlier turns may change when turns are added)")
    m.add_argument("--stats", action="store_true", help="print the token figures on stderr")
    m.set_defaults(func=run)


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..frontends.messages import compress_messages

    check_args(args)
    try:
        data = json.loads(read_input(args.file, args.encoding))
    except ValueError as exc:
        raise InputError(f"{args.file}: not valid JSON ({exc})") from None
    body = data if isinstance(data, dict) else None
    messages = body.get("messages") if body is not None else data
    if body is not None and "messages" not in body:
        raise InputError(f"{args.file}: a JSON object needs a \"messages\" list")
    result = compress_messages(messages, rate=args.rate, target_tokens=args.target_tokens, model=compressor(args),
                               tokenizer=args.tokenizer, stable=not args.unstable, progress=stderr.isatty())
    out = {**body, "messages": result.messages} if body is not None else result.messages
    stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    if result.over_budget and not args.stats:
        stderr.write(f"headroom-lingua: warning: {result.over_budget} tokens over the budget of {result.budget}: "
                     "the verbatim parts (system messages, the last user message) alone exceed it\n")
    if args.stats:
        mode = "stable" if result.stable else "not stable (global selection)"
        stderr.write(summary(result, f", {mode}"))
        for st in result.steps:
            stderr.write(f"  step {st.step:<5} -{st.tokens_removed} tokens, {st.items_dropped} items, {st.seconds:.3f} s\n")
        for s in result.stats:
            tag = " verbatim" if s.verbatim else ""
            stderr.write(f"  [{s.index}] {s.role:<9} {s.original_tokens} -> {s.compressed_tokens}{tag}\n")
    return 0
