"""``headroom-lingua compress-dataset``: a column of a JSONL, Parquet or CSV file, compressed in
batches; ``--output DIR`` writes resumable parts, split across processes under
``accelerate launch -m headroom_lingua compress-dataset ...``; ``-o FILE`` writes one file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from ..errors import InputError
from .common import add_budget_arguments, add_model_arguments, compressor
from .console import progress_bar, wants_progress
from .validate import check_args


def add_parser(sub: Any) -> None:
    d = sub.add_parser("compress-dataset", help="compress a column of a JSONL / Parquet / CSV file")
    d.add_argument("file", help="a .jsonl, .parquet or .csv file")
    d.add_argument("--column", required=True, help="the text column to compress")
    add_budget_arguments(d)
    add_model_arguments(d)
    dest = d.add_mutually_exclusive_group(required=True)
    dest.add_argument("-o", "--output-file", metavar="FILE", help="write all rows to FILE (.jsonl, .parquet or .csv)")
    dest.add_argument("--output", metavar="DIR", help="write resumable parts DIR/part-NNNNN.jsonl (several processes)")
    d.add_argument("--batch-size", type=int, default=16, help="prompts per scoring batch (default 16)")
    d.add_argument("--part-rows", type=int, default=1000, help="rows per part with --output (default 1000)")
    d.set_defaults(func=run)


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..dataset import FORMATS, compress_dataset, load_table

    check_args(args)
    if args.output_file and Path(args.output_file).suffix.lower() not in FORMATS:
        raise InputError(f"-o {args.output_file}: expected a file ending in {', '.join(FORMATS)}")
    if not args.verbose:  # our own bar (tokens/s) replaces the library's per-step bars
        import datasets

        datasets.disable_progress_bars()
    data = load_table(args.file)
    comp = compressor(args)
    chars = sum(len(t or "") for t in data[args.column]) if args.column in data.column_names else 0
    with progress_bar(wants_progress(args.progress, chars, stderr), stderr, chars, desc="compressing"):
        out = compress_dataset(data, args.column, rate=args.rate, target_tokens=args.target_tokens, model=comp,
                               tokenizer=args.tokenizer, batch_size=args.batch_size, output_dir=args.output,
                               part_rows=args.part_rows)
    if args.output:
        stderr.write(f"{len(out)} part(s) written to {args.output}\n")
        return 0
    kind = Path(args.output_file).suffix.lower()
    if kind == ".parquet":
        out.to_parquet(args.output_file)
    elif kind == ".csv":
        out.to_csv(args.output_file, index=False)
    else:
        out.to_json(args.output_file, force_ascii=False)
    before, after = sum(out[f"{args.column}_original_tokens"]), sum(out[f"{args.column}_compressed_tokens"])
    stderr.write(f"{len(out)} rows, {before} -> {after} tokens, written to {args.output_file}\n")
    return 0
