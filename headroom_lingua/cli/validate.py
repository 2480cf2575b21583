"""Every argument checked before any model loads (so ``--rate 7`` fails at once, not after the
model is read): budget, tokenizer and model names, device, protectors, numbers, encoding."""

from __future__ import annotations

import argparse
import os

from ..errors import ConfigError

DEVICES = ("auto", "cpu", "cuda", "mps")


def check_model(name: str) -> None:
    from ..errors import ModelNotFoundError
    from ..models import MODELS

    if name not in MODELS and not os.path.isdir(os.path.expanduser(name)):
        raise ModelNotFoundError(f"--model {name!r} is neither a registered model ({', '.join(sorted(MODELS))}) "
                                 "nor a local model folder")


def check_args(args: argparse.Namespace) -> None:
    """Raise a library error naming the first bad argument; loads nothing."""
    from ..engine.budget import check_tokenizer_name
    from ..engine.inputs import check_budget_args
    from ..engine.protect import LINKERS, PROTECTORS
    from .inputs import check_encoding

    check_budget_args(getattr(args, "rate", None), getattr(args, "target_tokens", None))
    if getattr(args, "tokenizer", None):
        check_tokenizer_name(args.tokenizer)
    if getattr(args, "model", None):
        check_model(args.model)
    device = getattr(args, "device", "auto")
    if device.split(":")[0] not in DEVICES:
        raise ConfigError(f"--device {device!r}: choose from {', '.join(DEVICES)} (or cuda:N)")
    known = list(PROTECTORS) + list(LINKERS)
    unknown = sorted(set(getattr(args, "no_protect", None) or []) - set(known))
    if unknown:
        raise ConfigError(f"--no-protect: unknown protector(s) {unknown}; choose from {known}")
    share = getattr(args, "protect_share", None)
    if share is not None and not 0 <= share <= 1:
        raise ConfigError(f"--protect-share {share}: must be in [0, 1]")
    slack = getattr(args, "sentence_slack", None)
    if slack is not None and slack != "off" and not 0 <= slack < 100:
        raise ConfigError(f"--sentence-slack {slack}: must be in [0, 100)")
    gap = getattr(args, "relevance_gap", None)
    if gap is not None and gap < 0:
        raise ConfigError(f"--relevance-gap: relevance_gap must be >= 0, got {gap}")
    check_encoding(getattr(args, "encoding", "utf-8"))
