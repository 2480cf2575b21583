"""``headroom-lingua train``: train the keep/drop classifier scorer from a config file and/or flags.

Every ``TrainConfig`` field is a flag (``--keep-rate 0.4``, ``--no-resume``); flags override the
``--config`` file (YAML or JSON), which overrides the defaults. The resolved config is saved with the
model. ``main(argv)`` is the same command on its own (``python -m headroom_lingua_training.cli``),
which is what ``accelerate launch`` runs:

    accelerate launch --num_processes 2 --cpu -m headroom_lingua_training.cli --config run.yaml
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import typing
from typing import Any, Sequence, TextIO

from headroom_lingua.errors import HeadroomLinguaError

from .config import TrainConfig, read_config_file


def _flag_type(field: dataclasses.Field) -> Any:
    hint = typing.get_type_hints(TrainConfig)[field.name]
    return {int: int, float: float, str: str}.get(hint, str)


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the train options to ``parser`` (defaults are left to the config: unset flags stay unset)."""
    parser.add_argument("--config", help="YAML or JSON file of TrainConfig fields (flags override it)")
    for field in dataclasses.fields(TrainConfig):
        flag = "--" + field.name.replace("_", "-")
        help_text = f"{field.metadata.get('help', '')} (default: {field.default!r})"
        if field.name in ("data", "lora_targets"):
            parser.add_argument(flag, nargs="+", action="extend", default=None,
                                metavar="FILE" if field.name == "data" else "MODULE", help=help_text)
        elif isinstance(field.default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        else:
            parser.add_argument(flag, type=_flag_type(field), default=None, help=help_text)
    parser.set_defaults(func=run_command)
    return parser


def add_train_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``train`` on the main CLI's subparsers."""
    return configure(subparsers.add_parser(
        "train", help="train a keep/drop classifier scorer on your own transcripts",
        description="Label your records (teacher LM, reference compressions or answers), fine-tune an "
                    "encoder to predict keep/drop per word, and save a folder ClassifierScorer loads."))


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    data: dict[str, Any] = read_config_file(args.config) if getattr(args, "config", None) else {}
    for field in dataclasses.fields(TrainConfig):
        value = getattr(args, field.name, None)
        if value is not None:
            data[field.name] = value
    return TrainConfig.from_dict(data)


def run_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .trainer import train

    cfg = config_from_args(args)
    if not cfg.data:
        raise HeadroomLinguaError("no training data: give --data FILE ... or 'data:' in the --config file")
    result = train(cfg, log=lambda line: stderr.write(line + "\n"))
    if result is not None:
        stdout.write(f"{result.model_dir}\n")
    elif cfg.labels_only:
        stdout.write(f"labels in {cfg.cache_dir}; report in {cfg.run_dir}\n")
    return 0


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """The ``train`` command on its own (what ``accelerate launch`` runs)."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    args = configure(argparse.ArgumentParser(prog="headroom-lingua train")).parse_args(argv)
    from headroom_lingua.cli.common import dispatch

    return dispatch(args, stdout, stderr, "headroom-lingua train", "interrupted (run the same command again to resume)")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
