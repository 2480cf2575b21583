"""The label cache: one JSONL file per source and settings, one line per record, keyed by fingerprint.

``<dir>/<source>-<key>.jsonl`` (``key`` hashes the source's settings, so changed settings never mix
with old labels). Each line is appended and flushed as soon as its batch is labelled, so a killed run
loses at most one batch and the next run labels only what is missing; a torn last line is ignored.
Processes of a sharded run each append to their own ``<source>-<key>.partIofN.jsonl``; readers
take the union of all files of the key.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

from .base import Labels


class LabelCache:
    """Labels of one source + settings on disk."""

    def __init__(self, folder: str | os.PathLike, source: str, key: str, part: tuple[int, int] = (0, 1)):
        self.folder = Path(folder)
        self.stem = f"{source}-{key}"
        index, count = part
        name = f"{self.stem}.jsonl" if count == 1 else f"{self.stem}.part{index}of{count}.jsonl"
        self.path = self.folder / name

    def files(self) -> list[Path]:
        return sorted(self.folder.glob(f"{self.stem}.jsonl")) + sorted(self.folder.glob(f"{self.stem}.part*.jsonl"))

    def load(self) -> dict[str, Labels]:
        """Every cached record's labels by fingerprint (a torn or corrupt line is skipped)."""
        out: dict[str, Labels] = {}
        for path in self.files():
            with open(path, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    try:
                        labels = Labels.from_json(json.loads(line))
                    except (ValueError, KeyError, TypeError):
                        continue  # the line a killed run was writing
                    out[labels.fingerprint] = labels
        return out

    def append(self, batch: Iterable[Labels]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        lines = "".join(json.dumps(lab.to_json(), ensure_ascii=False) + "\n" for lab in batch)
        with open(self.path, "a+b") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell() > 0:  # a killed writer may have left a line without its newline
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")
            fh.write(lines.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
