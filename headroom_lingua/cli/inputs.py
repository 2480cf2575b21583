"""Input files and where their outputs go: globs, encodings, directories of documents.

Example:
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("x"), (d / "b.txt").write_text("y")
    >>> [pathlib.Path(p).name for p in expand_inputs([str(d / "*.txt")])]
    ['a.txt', 'b.txt']
"""

from __future__ import annotations

import codecs
import glob
import os
import sys
from pathlib import Path
from typing import Sequence

from ..errors import InputError

_GLOB_CHARS = set("*?[")


def check_encoding(encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"--encoding {encoding!r} is not a known text encoding (try utf-8, latin-1, cp1252)") from None


def expand_inputs(patterns: Sequence[str]) -> list[str]:
    """Paths from files and glob patterns (``**`` recurses), in order; ``-`` is stdin. Every
    path must be a readable file; a pattern must match one."""
    paths: list[str] = []
    for pattern in patterns or ["-"]:
        if pattern == "-" or os.path.exists(pattern) or not (_GLOB_CHARS & set(pattern)):
            paths.append(pattern)
            continue
        matched = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
        if not matched:
            raise InputError(f"{pattern}: no file matches this pattern")
        paths.extend(matched)
    for path in paths:
        if path != "-" and not os.path.isfile(path):
            what = "is a directory (pass --docs DIR for a folder of documents)" if os.path.isdir(path) else "No such file"
            raise InputError(f"{path}: {what}")
    return paths


def read_text(path: str, encoding: str = "utf-8") -> str:
    """A file's text (stdin for ``-``); a decoding error names the file and the byte offset."""
    if path == "-" and not hasattr(sys.stdin, "buffer"):  # a text stream put in place of stdin
        return sys.stdin.read()
    data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        name = "<stdin>" if path == "-" else path
        raise InputError(f"{name}: not {encoding} text: byte {exc.start} (0x{data[exc.start]:02x}) {exc.reason}; "
                         f"pass --encoding (e.g. --encoding latin-1)") from None


def document_files(folder: str) -> list[str]:
    """Files under ``folder``, recursively, sorted, hidden files and folders left out."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(root, f) for f in sorted(files) if not f.startswith("."))
    if not found:
        raise InputError(f"{folder}: no documents in this folder")
    return found


def output_paths(inputs: Sequence[str], folder: str) -> list[Path]:
    """Where each input's output goes in ``folder``: its path relative to the inputs' common
    folder, so two inputs named alike do not overwrite each other."""
    if "-" in inputs:
        raise InputError("--output DIR needs named files, not stdin")
    absolute = [os.path.abspath(p) for p in inputs]
    base = os.path.commonpath([os.path.dirname(p) for p in absolute])
    return [Path(folder) / os.path.relpath(p, base) for p in absolute]
