"""Parsing an OpenAI-style message list: validation with errors that name the index, each
message's fixed cost (role, other keys, non-text parts) and its text parts."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any, Sequence

from ...engine import check_text
from ...errors import InputError
from .config import ROLES, MessagesConfig


@dataclasses.dataclass
class Msg:
    """One parsed message: its fixed cost and its text parts (part index None: str content)."""

    index: int
    role: str
    fixed: int
    texts: list[tuple[int | None, str]]
    verbatim: bool
    text_tokens: list[int] = dataclasses.field(default_factory=list)

    @property
    def tokens(self) -> int:
        return self.fixed + sum(self.text_tokens)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _text_parts(i: int, content: Any) -> tuple[list[tuple[int | None, str]], list[Any]]:
    """(text parts, other parts) of message i's content, or a clear error naming the field."""
    if content is None:
        return [], []
    if isinstance(content, str):
        return [(None, check_text(content, f"messages[{i}].content"))], []
    if not isinstance(content, (list, tuple)):
        raise TypeError(f"messages[{i}].content must be a str, a list of parts or None, got {type(content).__name__}")
    texts, other = [], []
    for j, part in enumerate(content):
        where = f"messages[{i}].content[{j}]"
        if not isinstance(part, Mapping):
            raise TypeError(f"{where} must be a dict with a 'type' key, got {type(part).__name__}")
        if "type" not in part:
            raise InputError(f"{where} has no 'type' key (e.g. {{'type': 'text', 'text': ...}})")
        if part["type"] == "text":
            if not isinstance(part.get("text"), str):
                raise TypeError(f"{where}.text must be a str, got {type(part.get('text')).__name__}")
            texts.append((j, check_text(part["text"], f"{where}.text")))
        else:
            other.append(part)
    return texts, other


def parse_messages(messages: Any, counter: Any, cfg: MessagesConfig) -> list[Msg]:
    """Validate an OpenAI-style list and count each message's parts; errors name the index."""
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        raise TypeError(f"messages must be a list of dicts, got {type(messages).__name__}")
    parsed = []
    for i, msg in enumerate(messages):
        if not isinstance(msg, Mapping):
            raise TypeError(f"messages[{i}] must be a dict with 'role' and 'content', got {type(msg).__name__}")
        if "role" not in msg:
            raise InputError(f"messages[{i}] has no 'role'; use one of {list(ROLES)}")
        role = msg["role"]
        if role not in ROLES:
            raise InputError(f"messages[{i}].role={role!r} is not one of {list(ROLES)}")
        texts, other = _text_parts(i, msg.get("content"))
        rest = {k: v for k, v in msg.items() if k not in ("role", "content")}
        fixed = counter.count(role) + (counter.count(_json(rest)) if rest else 0)
        fixed += sum(counter.count(_json(p)) for p in other)
        parsed.append(Msg(i, role, fixed, texts, role in cfg.verbatim_roles,
                           [counter.count(t) for _, t in texts]))
    users = [m.index for m in parsed if m.role == "user"]
    if cfg.keep_last_user and users:
        parsed[users[-1]].verbatim = True
    return parsed
