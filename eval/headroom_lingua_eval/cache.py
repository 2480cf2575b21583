"""On-disk answer cache keyed by (target, generation settings, prompt).

One SQLite file (``answers.sqlite``) in WAL mode, so shards running in parallel processes can
share it. Re-runs, resumed runs and other methods that happen to send the same prompt (every
method at rate 1, or ``none`` across rates) cost nothing.

Example:
    >>> import tempfile
    >>> cache = AnswerCache(tempfile.mkdtemp())
    >>> key = cache.key("stub", [{"role": "user", "content": "hi"}], max_new_tokens=8, stop=())
    >>> cache.get(key) is None
    True
    >>> cache.put(key, "hello", seconds=0.1)
    >>> cache.get(key)
    'hello'
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Sequence


def default_cache_dir() -> Path:
    """``cache_home()/eval-cache``: next to the provisioned models."""
    from headroom_lingua.models import cache_home

    return cache_home() / "eval-cache"


class AnswerCache:
    """A persistent map from a request key to the target's answer."""

    def __init__(self, folder: str | Path):
        self.path = Path(folder).expanduser() / "answers.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, target TEXT, "
                         "request TEXT, answer TEXT, seconds REAL, created TEXT)")
        self._db.commit()

    @staticmethod
    def key(target: str, messages: Sequence[dict], max_new_tokens: int, stop: Sequence[str]) -> str:
        """SHA-256 of everything that decides a greedy answer."""
        request = json.dumps({"target": target, "messages": list(messages), "max_new_tokens": max_new_tokens,
                              "stop": list(stop)}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(request.encode("utf-8")).hexdigest()

    def get(self, key: str) -> str | None:
        row = self._db.execute("SELECT answer FROM answers WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def put(self, key: str, answer: str, seconds: float, target: str = "", request: str = "") -> None:
        now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                         (key, target, request, answer, float(seconds), now))
        self._db.commit()

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        self._db.close()
