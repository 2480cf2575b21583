"""Training records: JSONL, CSV or Parquet files (or a ``datasets.Dataset``) -> validated ``Record``s.

A record holds one text to compress, given as ``{"text"}``, ``{"turns": [{"speaker", "text"}]}`` or
OpenAI-style ``{"messages": [{"role", "content"}]}``; optionally ``compressed`` (a reference
compression), ``question`` + ``answer``, or ``summary``. Conversations render as ``speaker: text``
lines, which is also the text the classifier is trained on.

Bad records are reported by file and line (``file.jsonl:17: ...``) and, with ``on_bad="skip"``,
skipped and counted by reason; ``on_bad="raise"`` stops at the first one. A file that yields no usable
record (empty, not UTF-8 throughout, every record bad) is always an error.

CSV and Parquet files and ``Dataset`` objects are read through ``datasets``; JSONL is read line by line
so that a broken line names its line number (``datasets``' JSON loader fails the whole file instead).

Example:
    >>> loaded = load_records([{"text": "Hello there."}, {"text": 3}])
    >>> [r.text for r in loaded.records], loaded.summary()["rejected"]
    (['Hello there.'], {'wrong type': 1})
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from headroom_lingua.errors import InputError

MAX_RECORD_BYTES = 8 * 1024 * 1024  # a single record beyond this is rejected (default)
ON_BAD = ("skip", "raise")
TEXT_FIELDS = ("text", "turns", "messages")


class DataError(InputError):
    """A training data file or record is malformed; the message names the file and line."""


@dataclasses.dataclass(frozen=True)
class Record:
    """One validated training record. ``where`` is ``file:line`` (or ``<dataset>:row``)."""

    text: str
    where: str
    question: str | None = None
    answer: str | None = None
    summary: str | None = None
    compressed: str | None = None

    @property
    def fingerprint(self) -> str:
        """A stable key of the record's content (not of where it came from)."""
        payload = json.dumps([self.text, self.question, self.answer, self.summary, self.compressed],
                             ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]

    @property
    def reference(self) -> str | None:
        """What a task-aware label should explain: the answer, else the summary."""
        return self.answer if self.answer is not None else self.summary


@dataclasses.dataclass(frozen=True)
class BadRecord:
    where: str
    kind: str  # short reason class, counted in the summary
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind}: {self.detail}"


@dataclasses.dataclass
class LoadedData:
    """What ``load_records`` returns: the good records and every rejected one, in order."""

    records: list[Record]
    rejected: list[BadRecord]
    sources: list[str]

    def summary(self) -> dict[str, Any]:
        kinds = collections.Counter(b.kind for b in self.rejected)
        return {"records": len(self.records), "rejected": dict(sorted(kinds.items())), "sources": self.sources}

    @property
    def fingerprint(self) -> str:
        """A key of the whole data set (its records' fingerprints, in order)."""
        digest = hashlib.sha256()
        for r in self.records:
            digest.update(r.fingerprint.encode())
        return digest.hexdigest()[:20]


class _Bad(Exception):
    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind, self.detail = kind, detail


def _str_field(raw: dict, name: str, required: bool = False) -> str | None:
    value = raw.get(name)
    if value is None:
        if required:
            raise _Bad("missing field", f"field {name!r} is missing")
        return None
    if not isinstance(value, str):
        raise _Bad("wrong type", f"field {name!r} must be a string, got {type(value).__name__}")
    return value


def _content_text(content: Any, i: int) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts: keep the text ones
        parts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type", "text") == "text"]
        if all(isinstance(p, str) for p in parts):
            return "\n".join(parts)
    raise _Bad("wrong type", f"messages[{i}].content must be a string or a list of text parts")


def _render_turns(turns: Any, field: str, who: str, what: str) -> str:
    if not isinstance(turns, list):
        raise _Bad("wrong type", f"field {field!r} must be a list, got {type(turns).__name__}")
    lines = []
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict):
            raise _Bad("wrong type", f"{field}[{i}] must be an object, got {type(turn).__name__}")
        speaker = turn.get(who)
        if not isinstance(speaker, str):
            raise _Bad("missing field" if speaker is None else "wrong type", f"{field}[{i}].{who} must be a string")
        text = _content_text(turn.get(what), i) if field == "messages" else turn.get(what)
        if not isinstance(text, str):
            raise _Bad("missing field" if text is None else "wrong type", f"{field}[{i}].{what} must be a string")
        lines.append(f"{speaker}: {text}")
    return "\n".join(lines)


def parse_record(raw: Any, where: str, max_bytes: int = MAX_RECORD_BYTES) -> Record:
    """One raw mapping -> ``Record``, or ``_Bad`` naming the problem."""
    if not isinstance(raw, dict):
        raise _Bad("wrong type", f"a record must be a JSON object, got {type(raw).__name__}")
    present = [f for f in TEXT_FIELDS if raw.get(f) is not None]
    if not present:
        raise _Bad("missing field", f"a record needs one of {list(TEXT_FIELDS)}; it has {sorted(raw)}")
    if len(present) > 1:
        raise _Bad("ambiguous", f"a record needs exactly one of {list(TEXT_FIELDS)}; it has {present}")
    if present[0] == "text":
        text = _str_field(raw, "text", required=True)
    elif present[0] == "turns":
        text = _render_turns(raw["turns"], "turns", "speaker", "text")
    else:
        text = _render_turns(raw["messages"], "messages", "role", "content")
    if not text.strip():
        raise _Bad("empty text", "the record's text is empty or whitespace only")
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise _Bad("too large", f"the text is {len(text.encode('utf-8', 'surrogatepass')):,} bytes "
                                f"(limit {max_bytes:,}; raise max_record_bytes or split the record)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Bad("not UTF-8", "the text holds a lone surrogate (not valid Unicode)") from None
    question, answer = _str_field(raw, "question"), _str_field(raw, "answer")
    if answer is not None and question is None:
        raise _Bad("missing field", "field 'answer' needs a 'question'")
    return Record(text=text, where=where, question=question, answer=answer,
                  summary=_str_field(raw, "summary"), compressed=_str_field(raw, "compressed"))


def _jsonl_rows(path: Path, max_bytes: int) -> Iterator[tuple[str, Any]]:
    """(where, raw) per non-blank line; a bad line yields (where, _Bad)."""
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            where = f"{path}:{number}"
            if len(line) > max_bytes:
                yield where, _Bad("too large", f"line is {len(line):,} bytes (limit {max_bytes:,})")
                continue
            try:
                decoded = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield where, _Bad("not UTF-8", f"byte {exc.start} of the line is not UTF-8 ({exc.reason})")
                continue
            if not decoded.strip():
                continue
            try:
                yield where, json.loads(decoded)
            except json.JSONDecodeError as exc:
                yield where, _Bad("bad JSON", f"{exc.msg} at column {exc.colno}")


def _dataset_rows(dataset: Any, name: str, first_line: int) -> Iterator[tuple[str, Any]]:
    for i, row in enumerate(dataset):
        yield f"{name}:{i + first_line}", {k: v for k, v in row.items() if v is not None}


def _file_rows(path: Path, max_bytes: int) -> Iterator[tuple[str, Any]]:
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        yield from _jsonl_rows(path, max_bytes)
        return
    if suffix not in (".csv", ".parquet"):
        raise DataError(f"{path}: unsupported file type {suffix!r}; use .jsonl, .csv or .parquet")
    import datasets

    try:
        ds = datasets.load_dataset(suffix[1:], data_files=str(path), split="train")
    except Exception as exc:  # pyarrow/datasets errors: say which file
        raise DataError(f"{path}: could not read as {suffix[1:]}: {exc}") from exc
    # CSV line numbers count the header (line 1); Parquet rows are numbered from 1.
    yield from _dataset_rows(ds, str(path), 2 if suffix == ".csv" else 1)


def _sources(source: Any) -> list[tuple[str, Iterable[tuple[str, Any]]]]:
    if isinstance(source, (str, os.PathLike)):
        source = [source]
    if type(source).__name__ == "Dataset" and hasattr(source, "column_names"):
        return [("<dataset>", _dataset_rows(source, "<dataset>", 0))]
    if isinstance(source, Sequence) and source and all(isinstance(s, dict) for s in source):
        return [("<records>", ((f"<records>:{i}", r) for i, r in enumerate(source)))]
    if isinstance(source, Sequence) and source and all(isinstance(s, (str, os.PathLike)) for s in source):
        return [(str(p), None) for p in source]  # opened lazily, in order
    raise TypeError(f"data must be a file path, a list of paths, a datasets.Dataset or a list of dicts, "
                    f"got {type(source).__name__}")


def load_records(source: Any, on_bad: str = "skip", max_record_bytes: int = MAX_RECORD_BYTES) -> LoadedData:
    """Read and validate training records from files, a ``datasets.Dataset`` or a list of dicts.

    ``on_bad="skip"`` rejects bad records (listed in ``.rejected``, counted in ``.summary()``);
    ``"raise"`` raises ``DataError`` naming the first bad record's file and line.

        >>> load_records([{"turns": [{"speaker": "A", "text": "hi"}]}]).records[0].text
        'A: hi'
    """
    if on_bad not in ON_BAD:
        raise ValueError(f"on_bad={on_bad!r} is not one of {list(ON_BAD)}")
    out = LoadedData([], [], [])
    for name, rows in _sources(source):
        out.sources.append(name)
        rows = rows if rows is not None else _file_rows(Path(name), max_record_bytes)
        before = len(out.records) + len(out.rejected)
        for where, raw in rows:
            try:
                if isinstance(raw, _Bad):
                    raise raw
                out.records.append(parse_record(raw, where, max_record_bytes))
            except _Bad as bad:
                if on_bad == "raise":
                    raise DataError(f"{where}: {bad.kind}: {bad.detail}") from None
                out.rejected.append(BadRecord(where, bad.kind, bad.detail))
        if len(out.records) + len(out.rejected) == before:
            raise DataError(f"{name}: no records (the file holds only blank lines)")
    if not out.records:
        first = "; ".join(str(b) for b in out.rejected[:3])
        raise DataError(f"no usable records in {out.sources}: all {len(out.rejected)} rejected ({first})")
    return out
