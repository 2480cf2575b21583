"""The keep/drop classifier scorer (LLMLingua-2 style): a unit's score is an encoder's p(keep).

An encoder with a two-label token-classification head (``AutoModelForTokenClassification``;
MiniLM-L6 by default in training, any local HF encoder works) reads the prompt in windows of
``config.window`` tokens that overlap by ``config.stride``, ``config.batch_size`` windows per
forward pass. Each token's p(keep) maps to the units its character span overlaps (the original
is cut by offsets, never decoded); a unit scores the mean of its tokens, units no token covers get
the median. With a question (``scorer.conditioned(question)``), windows are (question, text) pairs.
The budget is counted in cl100k unless the caller names a tokenizer (``counter = None``).

Example:
    >>> from headroom_lingua import Compressor
    >>> scorer = ClassifierScorer.from_pretrained("runs/my-classifier")       # doctest: +SKIP
    >>> Compressor(scorer).compress(prompt, rate=0.5).text                     # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ...engine.segment import Units
from ..base import Scorer, reduce_to_units
from .config import ClassifierConfig
from .loading import load_token_classifier, read_meta
from .windows import Windows, collate, encode_windows


class ClassifierScorer(Scorer):
    """Scores units by a token classifier's p(keep).

    ``classifier_config`` (a ``ClassifierConfig``) holds window, stride, batch size, reduction and
    the calibrated threshold; ``question`` pairs every window with that question."""

    name = "classifier"
    counter = None  # the budget falls back to cl100k

    CACHE_TOKENS = 1 << 20  # tokens whose p(keep) stay cached (per model, all views together; ~24 MB)
    RANK_SHARE = 0.2  # a document's relevance: the mean p(keep) of this share of its tokens, the likeliest

    def __init__(self, model: Any, tokenizer: Any, config: ClassifierConfig | None = None,
                 question: str | None = None, model_name: str | None = None, cache: TokenCache | None = None,
                 reads_questions: bool | None = None, pipeline_defaults: dict[str, Any] | None = None):
        import torch

        self._cache = cache if cache is not None else TokenCache(self.CACHE_TOKENS)
        self.reads_questions = reads_questions  # trained on (question, text) pairs; None: the folder does not say
        self.pipeline_defaults = pipeline_defaults  # the folder's "pipeline" settings (Scorer.pipeline_defaults)
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.classifier_config = config or ClassifierConfig()
        self.question = question
        self.model_name = model_name or getattr(model.config, "_name_or_path", "classifier")
        self.device = next(model.parameters()).device
        self._torch = torch
        labels = {str(v).lower(): int(k) for k, v in (getattr(model.config, "id2label", None) or {}).items()}
        self.keep_index = labels.get("keep", 1)

    @classmethod
    def from_pretrained(cls, folder: str | Path, device: str = "auto", dtype: str = "auto",
                        config: ClassifierConfig | None = None) -> "ClassifierScorer":
        """Load a classifier folder (full weights, head-only or LoRA; see ``loading``); ``config``
        overrides the one saved in its ``headroom_lingua.json``."""
        from ...models import MODELS, resolve_device, resolve_dtype, resolve_model_dir

        folder = resolve_model_dir(folder) if str(folder) in MODELS else Path(folder).expanduser()
        if not (folder / "config.json").is_file():
            raise FileNotFoundError(f"{str(folder)!r} is not a classifier folder (no config.json)")
        meta = read_meta(folder)
        if config is None or isinstance(config, dict):  # the folder's settings sit at the top of headroom_lingua.json
            fields = {f.name for f in dataclasses.fields(ClassifierConfig)} | {"version"}
            config = ClassifierConfig.from_dict({**{k: v for k, v in meta.items() if k in fields}, **(config or {})})
        model, tokenizer = load_token_classifier(folder, meta)
        device = resolve_device(device)
        model = model.to(device=device, dtype=resolve_dtype(dtype, device))
        return cls(model, tokenizer, config, model_name=str(folder), reads_questions=meta.get("questions"),
                   pipeline_defaults=meta.get("pipeline"))

    def clear_cache(self) -> None:
        """Forget every cached token probability (of all views of this model)."""
        self._cache.clear()

    def for_question(self, question: str) -> "ClassifierScorer | None":
        """The question-aware view (windows read (question, text) pairs), or None for a model
        trained without questions: it was never shown a pair, so it scores the text alone."""
        return None if self.reads_questions is False else self.conditioned(question)

    def conditioned(self, question: str | None) -> "ClassifierScorer":
        """The same model, reading every prompt as the pair (question, prompt)."""
        return ClassifierScorer(self.model, self.tokenizer, self.classifier_config, question, self.model_name,
                                self._cache, self.reads_questions, self.pipeline_defaults)

    def rank(self, documents: Sequence[str], question: str) -> np.ndarray:
        """Relevance of each document to ``question`` (the ``classifier`` ranker): the mean p(keep)
        of its most confident tokens (the top ``RANK_SHARE``, at least one) read as the pair
        (question, document). The token probabilities stay cached, so the fine level's question-aware
        scores of the same documents cost no second pass."""
        probs = self.conditioned(question).token_probs(list(documents))
        out = np.full(len(documents), -np.inf)
        for i, (_, p) in enumerate(probs):
            if len(p):
                k = max(1, int(np.ceil(self.RANK_SHARE * len(p))))
                out[i] = float(np.sort(p)[-k:].mean())
        return out

    # -- token level ---------------------------------------------------------------------------
    def _windows(self, text: str) -> Windows:
        cfg = self.classifier_config
        return encode_windows(self.tokenizer, text, self.question, cfg.window, cfg.stride, cfg.max_question_tokens)

    def window_probs(self, windows: list[tuple[np.ndarray, np.ndarray | None]]) -> list[np.ndarray]:
        """p(keep) of every token of each window, run ``batch_size`` windows at a time."""
        torch = self._torch
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        out: list[np.ndarray] = []
        step = self.classifier_config.batch_size
        order = sorted(range(len(windows)), key=lambda i: -len(windows[i][0]))  # similar lengths together
        probs: dict[int, np.ndarray] = {}
        with torch.inference_mode():
            for a in range(0, len(order), step):
                group = order[a:a + step]
                batch = {k: v.to(self.device) for k, v in collate([windows[i] for i in group], pad).items()}
                logits = self.model(**batch).logits  # (b, t, 2)
                p_keep = logits.float().softmax(-1)[..., self.keep_index].cpu().numpy()  # (b, t)
                for r, i in enumerate(group):
                    probs[i] = p_keep[r, :len(windows[i][0])]
        out = [probs[i] for i in range(len(windows))]
        return out

    # -- unit level ----------------------------------------------------------------------------
    def score(self, units: Units, rate: float | None = None) -> np.ndarray:
        return self.score_batch([units], rate=rate)[0]

    def token_probs(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """((n_tok, 2) character spans, (n_tok,) p(keep)) of each text's tokens, each token read once
        (its window's new part); texts this view has read before come from the cache, the others
        share the forward batches."""
        have = {t: v for t in dict.fromkeys(texts) if (v := self._cache.get((self.question, t))) is not None}
        todo = [t for t in dict.fromkeys(texts) if t not in have]  # read before new entries can evict them
        encoded = [self._windows(t) for t in todo]
        flat = [(w.ids[k], w.types[k]) for w in encoded for k in range(len(w))]
        probs = self.window_probs(flat) if flat else []
        pos, fresh = 0, {}
        for text, w in zip(todo, encoded):
            mine = probs[pos:pos + len(w)]
            pos += len(w)
            if not mine:  # nothing to read (e.g. whitespace)
                fresh[text] = (np.zeros((0, 2), dtype=np.int64), np.zeros(0))
                continue
            fresh[text] = (np.concatenate([s[n] for s, n in zip(w.spans, w.new)]),
                           np.concatenate([pr[n] for pr, n in zip(mine, w.new)]))
            self._cache.put((self.question, text), fresh[text])
        return [fresh[t] if t in fresh else have[t] for t in texts]

    def score_batch(self, batch: Sequence[Units], rate: float | None = None) -> list[np.ndarray]:
        """(n_units,) p(keep) per unit for each prompt; every prompt's windows share the batches."""
        results = []
        for units, (spans, p) in zip(batch, self.token_probs([u.text for u in batch])):
            if len(units) == 0:
                results.append(np.zeros(0))
            elif not len(p):  # nothing to read: every unit gets the same score
                results.append(np.full(len(units), 0.5))
            else:
                results.append(reduce_to_units(units, spans[:, 0], spans[:, 1], p, self.classifier_config.reduction))
        return results

    def keep_mask(self, units: Units) -> np.ndarray:
        """(n_units,) bool: units at or above the calibrated threshold (the training keep rate)."""
        threshold = self.classifier_config.threshold
        if threshold is None:
            raise ValueError("this classifier has no calibrated threshold; compress to a rate or budget instead")
        return self.score(units) >= threshold


class TokenCache:
    """An LRU of token probabilities by (question, text), shared by a scorer's views; it holds at
    most ``tokens`` tokens in all (about 24 bytes each), so large prompts cannot pile up."""

    def __init__(self, tokens: int):
        from collections import OrderedDict

        self.tokens, self.held, self._items = tokens, 0, OrderedDict()

    def get(self, key: tuple) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def clear(self) -> None:
        self._items.clear()
        self.held = 0

    def put(self, key: tuple, value: tuple[np.ndarray, np.ndarray]) -> None:
        if key in self._items:
            self.held -= len(self._items.pop(key)[1])
        self._items[key] = value
        self.held += len(value[1])
        while self.held > self.tokens and len(self._items) > 1:
            self.held -= len(self._items.popitem(last=False)[1][1])
