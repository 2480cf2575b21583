"""Long text -> overlapping encoder windows, with each text token's character span in the original.

Shared by the scorer and the trainer, so a model is trained on exactly the windows it later reads.
With a question the window is the pair (question, text) (``tokenizer(question, text)``: token types
and separators as the backbone expects), and only the text part is windowed. Offsets always point
into the original string: the MiniLM/MPNet tokenizers lowercase and strip accents, so text is cut
from the original by offsets, never decoded.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np


@dataclasses.dataclass
class Windows:
    """Windows of one prompt. Per window: ``ids`` (t,) input ids, ``types`` (t,) token type ids or None,
    ``spans`` (t, 2) char span of each token in the text (-1, -1 for special and question tokens).
    ``new`` (t,) marks text tokens read here for the first time (overlaps are scored once)."""

    ids: list[np.ndarray]
    types: list[np.ndarray | None]
    spans: list[np.ndarray]
    new: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.ids)


def trim_question(tokenizer: Any, question: str, max_tokens: int) -> str:
    """The end of ``question`` that fits ``max_tokens`` tokens (cut at a token start, not decoded)."""
    enc = tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
    offsets = enc["offset_mapping"]
    if len(offsets) <= max_tokens:
        return question
    return question[offsets[len(offsets) - max_tokens][0]:]


def encode_windows(tokenizer: Any, text: str, question: str | None = None, window: int = 512,
                   stride: int = 128, max_question_tokens: int = 128) -> Windows:
    """Cut ``text`` (paired with ``question`` if given) into windows of at most ``window`` tokens.

    Example:
        >>> w = encode_windows(tok, "a long text ...", window=64, stride=16)  # doctest: +SKIP
        >>> w.spans[0][1]  # char span of the first text token  # doctest: +SKIP
    """
    kwargs = dict(max_length=window, stride=stride, return_overflowing_tokens=True,
                  return_offsets_mapping=True, padding=False)
    if question:  # leave the text at least half the room beyond the stride and 3 special tokens
        room = max(1, (window - 3 - stride) // 2)
        question = trim_question(tokenizer, question, min(max_question_tokens, room))
        enc = tokenizer(question, text, truncation="only_second", **kwargs)
        text_seq = 1
    else:
        enc = tokenizer(text, truncation=True, **kwargs)
        text_seq = 0
    out = Windows([], [], [], [])
    seen_end = 0  # text tokens starting before this char were scored in an earlier window
    for w in range(len(enc["input_ids"])):
        seq = np.asarray([-1 if s is None else s for s in enc.sequence_ids(w)])  # (t,)
        spans = np.asarray(enc["offset_mapping"][w], dtype=np.int64).reshape(-1, 2)  # (t, 2)
        is_text = seq == text_seq
        spans[~is_text] = -1
        new = is_text & (spans[:, 0] >= seen_end)
        if is_text.any():
            seen_end = max(seen_end, int(spans[is_text, 1].max()))
        out.ids.append(np.asarray(enc["input_ids"][w], dtype=np.int64))
        types = enc.get("token_type_ids")
        out.types.append(np.asarray(types[w], dtype=np.int64) if types is not None else None)
        out.spans.append(spans)
        out.new.append(new)
    return out


def collate(windows: list[tuple[np.ndarray, np.ndarray | None]], pad_id: int) -> dict[str, Any]:
    """Right-padded tensors for a list of (ids, types): input_ids / attention_mask / token_type_ids (b, t)."""
    import torch

    width = max(len(ids) for ids, _ in windows)
    ids = torch.full((len(windows), width), pad_id, dtype=torch.long)  # (b, t)
    mask = torch.zeros((len(windows), width), dtype=torch.long)  # (b, t)
    types = torch.zeros((len(windows), width), dtype=torch.long)  # (b, t)
    for r, (w_ids, w_types) in enumerate(windows):
        ids[r, :len(w_ids)] = torch.from_numpy(w_ids)
        mask[r, :len(w_ids)] = 1
        if w_types is not None:
            types[r, :len(w_types)] = torch.from_numpy(w_types)
    batch = {"input_ids": ids, "attention_mask": mask}
    if any(t is not None for _, t in windows):
        batch["token_type_ids"] = types
    return batch
