"""What the terminal sees: library noise silenced unless ``-v``, colour only where it belongs,
and a progress bar (tokens/s) for long inputs. Nothing here imports torch or transformers.

Example:
    >>> import io
    >>> use_color("auto", io.StringIO(), environ={})
    False
    >>> use_color("always", io.StringIO(), environ={"NO_COLOR": "1"})
    True
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from typing import Any, Iterator, Mapping, TextIO

PROGRESS_MIN_CHARS = 16_000
"""Inputs from about 4,000 tokens up (4 characters a token) get a progress bar."""


def quiet(verbose: bool) -> None:
    """Silence the progress bars, advisory logs and warnings of the libraries we call (the
    transformers "Loading weights" bar, deprecation and setuptools warnings), unless ``verbose``.
    Must run before transformers is imported: it reads the switches then."""
    if verbose:
        return
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    for name in ("transformers", "accelerate", "datasets", "torch", "huggingface_hub"):
        logging.getLogger(name).setLevel(logging.ERROR)


def use_color(choice: str, stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """``always``/``never`` as asked; ``auto``: only on a terminal, and never when ``NO_COLOR``
    is set (https://no-color.org) or ``TERM=dumb``."""
    environ = os.environ if environ is None else environ
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def wants_progress(choice: bool | None, chars: int, stream: TextIO) -> bool:
    """``--progress``/``--no-progress`` as asked; by default a bar for long inputs on a terminal."""
    if choice is not None:
        return choice
    isatty = getattr(stream, "isatty", None)
    return chars >= PROGRESS_MIN_CHARS and bool(isatty and isatty())


@contextlib.contextmanager
def progress_bar(enabled: bool, stream: TextIO, chars: int, desc: str = "scoring") -> Iterator[Any]:
    """A tqdm bar on ``stream`` counting the tokens the scorer reports (estimated total: 4
    characters a token), hooked into ``scorers.base.progress_hook``; a no-op when not enabled."""
    from ..scorers.base import progress_hook

    if not enabled:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=max(chars // 4, 1), unit="tok", unit_scale=True, desc=desc, file=stream, leave=False,
              mininterval=0.5, dynamic_ncols=True) as bar:
        with progress_hook(bar.update):
            yield bar
        bar.total = max(bar.n, 1)
