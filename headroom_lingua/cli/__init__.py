"""The ``headroom-lingua`` command line. Library errors become one line on stderr and exit 1.

Subcommands: ``compress`` (compress.py), ``compress-messages`` (messages.py),
``compress-dataset`` (dataset.py), ``models`` (models.py), and whatever installed packages register under the ``headroom_lingua.cli`` entry-point
group (the evaluation harness registers ``eval``, training registers ``train``): the core never
imports them.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points
from typing import Sequence, TextIO

from . import compress, dataset, messages, models
from .common import dispatch
from .compress import DIM_RED, read_jsonl_documents, show
from .console import quiet

PLUGIN_GROUP = "headroom_lingua.cli"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="headroom-lingua", description="Compress LLM prompts to a token budget.")
    sub = parser.add_subparsers(dest="command", required=True)
    compress.add_parser(sub)
    models.add_parser(sub)
    messages.add_parser(sub)
    dataset.add_parser(sub)
    for ep in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        try:
            register = ep.load()
        except ImportError:  # an installed plugin whose own dependencies are missing
            continue
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(argv)
    quiet(getattr(args, "verbose", False))
    return dispatch(args, stdout, stderr)


__all__ = ["main", "build_parser", "show", "DIM_RED", "read_jsonl_documents"]
