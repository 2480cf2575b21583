"""``headroom-lingua eval``: the command line of the evaluation harness.

Registered on the main CLI by ``add_eval_parser``; also runs as ``python -m headroom_lingua_eval``
(the form ``accelerate launch`` takes: ``accelerate launch --multi_gpu --num_processes N -m
headroom_lingua_eval ...`` shards the examples over N processes, on GPUs or CPUs, and merges).
This module imports nothing heavy; the harness loads when the command runs.

Example:
    $ headroom-lingua eval --suite squad --methods none truncate perplexity --rates 0.5 0.33 \\
          --limit 100 --out runs/squad
    $ headroom-lingua eval --out runs/squad --merge-only
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Sequence, TextIO

from headroom_lingua.errors import ConfigError

DEFAULT_METHODS = ("none", "truncate", "random", "perplexity")


def _split(values: Sequence[str] | None, commas: bool = True) -> list[str]:
    """Space- or comma-separated lists; a method spec with settings (``name:k=v,k=v``) stays whole."""
    out: list[str] = []
    for value in values or []:
        out.extend([value] if (not commas or ":" in value) else [v for v in value.split(",") if v])
    return out


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the eval options to ``parser``."""
    from headroom_lingua_eval.config import DEFAULT_SCORER, DEFAULT_TARGET

    p = parser
    p.add_argument("--out", required=True, help="output folder (created; reused with --resume)")
    p.add_argument("--suite", "--suites", dest="suites", nargs="+", default=["squad"],
                   help="squad, squad-multidoc, gsm8k-cot, transcript-summary, transcript-qa, chat-history, jsonl "
                        "(default squad)")
    p.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS),
                   help="none, truncate, random, a scorer name with optional settings "
                        "(perplexity:iterative=true), llmlingua, longllmlingua (default: %(default)s)")
    p.add_argument("--rates", nargs="+", default=["0.5", "0.33", "0.2"], help="keep fractions in (0, 1)")
    p.add_argument("--limit", nargs="+", default=[],
                   help="examples per suite, sampled with --seed: N for every suite and/or SUITE=N (default: all)")
    p.add_argument("--threads", type=int, default=0,
                   help="torch CPU threads (0: torch's default); 1 is far faster on a CPU shared with other jobs")
    p.add_argument("--batch-size", type=int, default=16,
                   help="prompts of one example answered in one padded batch by a local target (concurrent "
                        "requests for an HTTP one); 1: one at a time")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--target", default=DEFAULT_TARGET,
                   help=f"local target model name or folder, or 'stub' (default {DEFAULT_TARGET})")
    p.add_argument("--target-url", default="", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--target-model", default="", help="model name at --target-url")
    p.add_argument("--api-key-env", default="OPENAI_API_KEY", help="env variable holding the endpoint's key")
    p.add_argument("--target-tokenizer", default="cl100k", help="budget tokenizer of an HTTP target")
    p.add_argument("--scorer-model", default=DEFAULT_SCORER, help="model of the perplexity scorer and the peers")
    p.add_argument("--device", default="auto")
    p.add_argument("--max-new-tokens", type=int, default=0, help="generation cap (0: each suite's default)")
    p.add_argument("--reference", default="", help="a method every method is also tested against")
    p.add_argument("--jsonl", dest="jsonl_path", default="", help="records file of the jsonl suite")
    p.add_argument("--distractors", type=int, default=9, help="distractor paragraphs in squad-multidoc")
    p.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples")
    p.add_argument("--peer-retries", type=int, default=1, help="retries of a peer that overshoots the budget")
    p.add_argument("--cache-dir", default="", help="answer cache folder (default: <model cache>/eval-cache)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out, skipping finished items")
    p.add_argument("--shard", default="", help="run one slice i/n of the examples (merge with --merge-only)")
    p.add_argument("--merge-only", action="store_true", help="only rewrite the reports of --out from its records")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run_command)
    return p


def add_eval_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``eval`` on the main CLI's subparsers."""
    return configure(subparsers.add_parser(
        "eval", help="measure answer quality against compression ratio",
        description="Compress benchmark prompts with each method to the same budgets (in the target's "
                    "tokens), ask a target LLM, and report quality with bootstrap CIs."))


def parse_limits(values: Sequence[str]) -> tuple[int | None, dict[str, int]]:
    """``["100", "gsm8k-cot=30"]`` -> (100, {"gsm8k-cot": 30}).

    >>> parse_limits(["squad=100", "squad-multidoc=50"])
    (None, {'squad': 100, 'squad-multidoc': 50})
    """
    limit, per_suite = None, {}
    for value in values:
        name, eq, number = value.rpartition("=")
        try:
            n = int(number)
        except ValueError:
            raise ConfigError(f"--limit: expected N or SUITE=N, got {value!r}") from None
        if eq:
            per_suite[name] = n
        else:
            limit = n
    return limit, per_suite


def config_from_args(args: argparse.Namespace) -> Any:
    from headroom_lingua_eval.config import EvalConfig

    try:
        rates = [float(r) for r in _split(args.rates)]
    except ValueError as exc:
        raise ConfigError(f"--rates: {exc}") from None
    limit, suite_limits = parse_limits(_split(args.limit))
    return EvalConfig(out=args.out, suites=tuple(_split(args.suites)), methods=tuple(_split(args.methods)),
                      rates=tuple(rates), limit=limit, suite_limits=suite_limits, seed=args.seed, target=args.target,
                      target_url=args.target_url, target_model=args.target_model, api_key_env=args.api_key_env,
                      target_tokenizer=args.target_tokenizer, scorer_model=args.scorer_model, device=args.device,
                      max_new_tokens=args.max_new_tokens, reference=args.reference, jsonl_path=args.jsonl_path,
                      distractors=args.distractors, bootstrap=args.bootstrap, peer_retries=args.peer_retries)


def run_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run the eval the arguments describe; print where the reports are."""
    from headroom_lingua_eval.runner import merge_only, run_eval

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.merge_only:
        out = merge_only(args.out)
    else:
        out = run_eval(config_from_args(args), resume=args.resume, cache_dir=args.cache_dir or None,
                       shard=args.shard, progress=not args.no_progress, batch_size=args.batch_size)
    if (out / "summary.md").is_file():
        stdout.write((out / "summary.md").read_text(encoding="utf-8"))
        stdout.write(f"\nreports in {out}\n")
    else:
        stdout.write(f"this shard is done; records in {out / 'records'} (under accelerate launch rank 0 merges; "
                     f"after manual --shard runs: headroom-lingua eval --out {out} --merge-only)\n")
    return 0


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """``python -m headroom_lingua_eval``: the same options as ``headroom-lingua eval``."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    parser = configure(argparse.ArgumentParser(prog="python -m headroom_lingua_eval"))
    args = parser.parse_args(argv)
    from headroom_lingua.cli.common import dispatch

    return dispatch(args, stdout, stderr, "headroom-lingua eval", "interrupted (resume with --resume)")
