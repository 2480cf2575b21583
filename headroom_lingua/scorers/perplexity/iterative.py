"""LLMLingua's iterative mode: each segment is scored conditioned on the already-compressed
prefix (the kept tokens of earlier segments), through the KV cache."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...engine.segment import Units
from ..lm import CausalLM


def protected_tokens(units: Units, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """(n_tokens,) bool: the token overlaps a protected unit."""
    ps, pe = units.starts[units.protected], units.ends[units.protected]
    first = np.searchsorted(pe, starts, side="right")
    return (first < len(ps)) & (ps[np.minimum(first, len(ps) - 1)] < ends) if len(ps) else np.zeros(len(starts), bool)


def iterative_surprisal(lm: CausalLM, ids: list[int], protected: np.ndarray, rate: float, segment: int,
                        window: int) -> np.ndarray:
    """Surprisal of each token given the compressed prefix. Within a segment, tokens at or above
    the segment's (1 - rate) surprisal quantile, and protected tokens, are kept and appended to
    the KV cache for the segments after it."""
    torch = lm.torch
    from transformers import DynamicCache

    F = torch.nn.functional
    prefix = [lm.prefix_id if lm.prefix_id is not None else ids[0]]
    out = np.full(len(ids), np.nan, dtype=np.float32)
    kept: list[int] = list(prefix)

    def run(tokens: list[int], cache: Any) -> Any:
        x = torch.tensor([tokens], device=lm.device)
        return lm.model(input_ids=x, use_cache=True, **{lm.cache_kw: cache}).logits[0]  # (t, vocab)

    with torch.inference_mode():
        cache = DynamicCache()
        last = run(kept, cache)[-1]
        begin = 0 if lm.prefix_id is not None else 1
        for a in range(begin, len(ids), segment):
            seg_ids = ids[a:a + segment]
            if cache.get_seq_length() + len(seg_ids) > window:  # re-prime on the recent tail
                tail = prefix + kept[-(window // 2):]
                cache = DynamicCache()
                last = run(tail, cache)[-1]
            before = cache.get_seq_length()
            logits = torch.cat([last[None], run(seg_ids, cache)[:-1]]).float()  # predicts seg_ids
            nll = F.cross_entropy(logits, torch.tensor(seg_ids, device=lm.device), reduction="none").cpu().numpy()
            out[a:a + len(seg_ids)] = nll
            keep = (nll >= np.quantile(nll, 1.0 - rate)) | protected[a:a + len(seg_ids)]
            _crop(cache, before)
            new = [t for t, k in zip(seg_ids, keep) if k]
            if new:
                last = run(new, cache)[-1]
                kept.extend(new)
    return out


def _crop(cache: Any, length: int) -> None:
    """Cut a DynamicCache back to ``length`` positions (5.x takes a negative count to remove)."""
    extra = cache.get_seq_length() - length
    if extra > 0:
        try:
            cache.crop(-extra)
        except ValueError:
            cache.crop(length)
