"""Causal-LM self-information scorer (LLMLingua's token-level signal).

A token's score is its surprisal -log p(x_t | x_<t) under a small causal LM; a unit's score
reduces its tokens' surprisals (mean by default). Inputs up to ``config.window`` tokens take one
forward pass; longer inputs are scored in windows that re-read ``config.overlap`` tokens of
context, so memory is bounded by the window. Logits are materialised a chunk of positions at a
time ((chunk, vocab) instead of (t, vocab)), which keeps an 8k-token prompt well under 1 GB.
``config.iterative`` switches to LLMLingua's iterative mode (``iterative.py``).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ...engine.segment import Units
from ..base import Scorer, reduce_to_units
from ..lm import CausalLM
from .config import PerplexityConfig
from .iterative import iterative_surprisal, protected_tokens


class PerplexityScorer(Scorer):
    """Scores units by a causal LM's self-information.

    Example:
        >>> scorer = PerplexityScorer.from_pretrained("smollm2-135m")  # doctest: +SKIP
        >>> scorer.score(segment("The cat sat on the mat."))  # doctest: +SKIP
    """

    name = "perplexity"

    def __init__(self, model: Any, tokenizer: Any, config: Any = None, model_name: str | None = None):
        self.lm = CausalLM(model, tokenizer, name=model_name)
        self.config = PerplexityConfig.coerce(config)
        self.model, self.tokenizer, self.counter = self.lm.model, tokenizer, self.lm.counter
        self.model_name, self.device = self.lm.name, self.lm.device

    @property
    def uses_rate(self) -> bool:  # type: ignore[override]
        return self.config.iterative

    @classmethod
    def from_pretrained(cls, name_or_path: Any = "smollm2-135m", device: str = "auto", dtype: Any = "auto",
                        config: Any = None) -> "PerplexityScorer":
        lm = CausalLM.load(name_or_path, device=device, dtype=dtype)
        return cls(lm.model, lm.tokenizer, config=config, model_name=str(name_or_path))

    def causal_lm(self) -> CausalLM:
        return self.lm

    def token_surprisal(self, ids: Sequence[int]) -> np.ndarray:
        """(len(ids),) surprisal of each token; windowed beyond ``config.window`` tokens.
        Without a document-start token the first token has no context and scores NaN."""
        return self.lm.token_surprisal(ids, self.config.window, self.config.overlap)

    def score(self, units: Units, rate: float | None = None) -> np.ndarray:
        ids, starts, ends = self.lm.encode(units.text)
        if not ids:
            return np.zeros(len(units))
        if self.config.iterative and rate is not None and rate < 1:
            tok = iterative_surprisal(self.lm, ids, protected_tokens(units, starts, ends), rate,
                                      self.config.segment_tokens, self.config.window)
        else:
            tok = self.token_surprisal(ids)
        return reduce_to_units(units, starts, ends, tok, self.config.reduction)

    def score_batch(self, batch: Sequence[Units], rate: float | None = None) -> list[np.ndarray]:
        """One padded forward pass per ``config.batch_size`` prompts that fit in one window;
        longer prompts (and the iterative mode) are scored one by one."""
        encoded = [self.lm.encode(u.text) for u in batch]
        results: list[np.ndarray | None] = [None] * len(batch)
        short = [i for i, (ids, _, _) in enumerate(encoded)
                 if ids and len(ids) <= self.config.window and not self.config.iterative]
        for a in range(0, len(short), self.config.batch_size):
            group = short[a:a + self.config.batch_size]
            for i, tok in zip(group, self._padded_pass([encoded[i][0] for i in group])):
                results[i] = reduce_to_units(batch[i], encoded[i][1], encoded[i][2], tok, self.config.reduction)
        return [self.score(batch[i], rate=rate) if res is None else res for i, res in enumerate(results)]

    def _padded_pass(self, seqs_ids: list[list[int]]) -> list[np.ndarray]:
        """Token surprisals of several short inputs from one right-padded forward pass."""
        torch, lm = self.lm.torch, self.lm
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        seqs = [lm.with_prefix(s) for s in seqs_ids]
        width = max(map(len, seqs))
        ids = torch.full((len(seqs), width), pad, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for r, s in enumerate(seqs):  # right padding: real positions keep their position ids
            ids[r, :len(s)] = torch.tensor(s)
            mask[r, :len(s)] = 1
        with torch.inference_mode():
            nll = lm.nll(ids.to(lm.device), mask.to(lm.device)).cpu().numpy()  # (b, width-1)
        out = []
        for r, n_tok in enumerate(map(len, seqs_ids)):
            tok = nll[r, len(seqs[r]) - 1 - n_tok: len(seqs[r]) - 1]
            if len(seqs[r]) == n_tok:  # no document-start token: the first token is unscored
                tok = np.concatenate(([np.nan], tok))
            out.append(tok)
        return out
