"""The unconditional-surprisal cache shared by a causal LM's question-aware scorer and ranker.

The ranking pass runs ``[doc ; question]`` rows and so yields every document token's plain
surprisal (the question comes after it, so it cannot leak); those are kept by text, as arrays or
as ``Lazy`` hidden states, so the fine level does not run the document again. Least recently used
texts go first once the cache holds over ``CACHE_TOKENS`` tokens or ``LAZY_TOKENS`` hidden states.
A lock makes it safe to share between threads.
"""

from __future__ import annotations

import collections
import threading
from typing import Any

import numpy as np

from ..lm import CausalLM, Lazy

CACHE_TOKENS = 4_000_000  # unconditional surprisals kept, in tokens (4 bytes each)
LAZY_TOKENS = 262_144  # tokens whose hidden states wait for the LM head (2 x hidden size bytes each)


class SurprisalCache:
    """text -> its unconditional surprisal parts, least recent first, with their token total."""

    def __init__(self) -> None:
        self._items: collections.OrderedDict[str, list[Any]] = collections.OrderedDict()
        self._lock = threading.RLock()
        self.tokens = 0

    def __len__(self) -> int:
        return len(self._items)

    def parts(self, text: str) -> list[Any]:
        with self._lock:
            return list(self._items.get(text, ()))

    def remember(self, text: str, parts: list[Any]) -> None:
        """Cache a text's parts; evict the least recent once over the bounds."""
        with self._lock:
            old = self._items.pop(text, None)
            if old is not None:
                self.tokens -= sum(len(p) for p in old)
            self._items[text] = parts
            self.tokens += sum(len(p) for p in parts)
            while len(self._items) > 1 and (self.tokens > CACHE_TOKENS or (
                    self.tokens > LAZY_TOKENS and self._lazy_tokens() > LAZY_TOKENS)):
                _, dropped = self._items.popitem(last=False)
                self.tokens -= sum(len(p) for p in dropped)

    def _lazy_tokens(self) -> int:  # only counted when the total could exceed the bound (O(entries))
        return sum(len(p) for v in self._items.values() for p in v if isinstance(p, Lazy) and p.value is None)

    def plain(self, text: str, lm: CausalLM) -> np.ndarray | None:
        """The cached unconditional surprisal of ``text``'s tokens, or None."""
        with self._lock:
            parts = self._items.get(text)
            if parts is None:
                return None
            self._items.move_to_end(text)
            return np.concatenate([p.get(lm) if isinstance(p, Lazy) else p for p in parts])
