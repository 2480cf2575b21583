"""Target LLMs: the models that answer the (compressed) prompts.

A target has a ``name`` (its identity in the answer cache), a ``counter`` (its tokenizer: every
budget is counted in it) and ``generate(messages, max_new_tokens, stop)`` with greedy decoding;
``generate_batch`` answers several conversations at once (local models: one padded batch per
group of similar lengths; HTTP: concurrent requests).

- ``HFTarget``: a local Hugging Face causal LM (a registered name such as
  ``qwen2.5-coder-0.5b-instruct``, or a folder), prompted through its chat template.
- ``OpenAITarget``: any OpenAI-compatible chat endpoint, through the ``openai`` client.
- ``StubFirstSentenceTarget``: a deterministic stand-in for tests and smoke runs; no model at all.

Example:
    >>> stub = StubFirstSentenceTarget()
    >>> stub.generate([{"role": "user", "content": "Context:\\nParis is in France. Rome is big.\\n\\n"
    ...                 "Question: Where is Paris?\\nAnswer:"}], max_new_tokens=16)
    'Paris is in France.'
"""

from __future__ import annotations

import abc
import os
import re
from typing import Any, Sequence

import numpy as np

from headroom_lingua.engine.budget import HFTokenCounter, TokenCounter, get_counter
from headroom_lingua.errors import ConfigError

Messages = Sequence[dict[str, str]]


class Target(abc.ABC):
    """Base class of answering models."""

    name: str = "target"
    counter: TokenCounter

    @abc.abstractmethod
    def generate(self, messages: Messages, max_new_tokens: int, stop: Sequence[str] = ()) -> str:
        """The model's greedy reply to ``messages``, cut before the first ``stop`` string."""

    def generate_batch(self, batch: Sequence[Messages], max_new_tokens: int, stop: Sequence[str] = ()) -> list[str]:
        """Replies to several conversations, in order; one at a time unless a target does better."""
        return [self.generate(m, max_new_tokens, stop) for m in batch]


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """``text`` up to the earliest stop string (exclusive), stripped.

    >>> cut_at_stop("A: 5. The answer is 5.\\nQ: next", ["\\nQ:"])
    'A: 5. The answer is 5.'
    """
    cut = min([i for i in (text.find(s) for s in stop if s) if i >= 0], default=len(text))
    return text[:cut].strip()


class HFTarget(Target):
    """A local causal LM with a chat template, greedy decoding."""

    def __init__(self, model: Any, tokenizer: Any, name: str):
        self.model, self.tokenizer, self.name = model, tokenizer, name
        self.counter = HFTokenCounter(tokenizer, name=name)

    @classmethod
    def from_pretrained(cls, name_or_path: str, device: str = "auto", dtype: str = "auto") -> "HFTarget":
        from headroom_lingua.models import load_causal_lm

        model, tokenizer = load_causal_lm(name_or_path, device=device, dtype=dtype)
        if not getattr(tokenizer, "chat_template", None):
            raise ConfigError(f"target {name_or_path!r} has no chat template; use an instruct/chat model")
        return cls(model, tokenizer, str(name_or_path))

    # Rows of one padded batch: at most this many tokens in all, and padding at most this share
    # of the batch (prompts are grouped by length, so short ones don't pay for long ones).
    MAX_BATCH_TOKENS = 32768
    MAX_PADDING = 0.25

    def generate(self, messages: Messages, max_new_tokens: int, stop: Sequence[str] = ()) -> str:
        return self.generate_batch([messages], max_new_tokens, stop)[0]

    def generate_batch(self, batch: Sequence[Messages], max_new_tokens: int, stop: Sequence[str] = ()) -> list[str]:
        tok = self.tokenizer
        ids = [list(tok.apply_chat_template(list(m), add_generation_prompt=True, return_dict=True)["input_ids"])
               for m in batch]
        replies: list[str] = [""] * len(ids)
        for group in length_groups([len(x) for x in ids], self.MAX_BATCH_TOKENS, self.MAX_PADDING):
            for i, reply in zip(group, self._generate_padded([ids[i] for i in group], max_new_tokens, stop)):
                replies[i] = reply
        return replies

    def _generate_padded(self, rows: list[list[int]], max_new_tokens: int, stop: Sequence[str]) -> list[str]:
        import torch
        from transformers import GenerationConfig

        tok = self.tokenizer
        eos = self.model.generation_config.eos_token_id or tok.eos_token_id
        pad = tok.pad_token_id if tok.pad_token_id is not None else (eos[0] if isinstance(eos, list) else eos)
        width = max(len(r) for r in rows)
        # Left padding: every row's last prompt token sits at the same position, where decoding starts.
        input_ids = torch.tensor([[pad] * (width - len(r)) + r for r in rows], device=self.model.device)
        mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows], device=self.model.device)
        # An explicit config: greedy, whatever sampling defaults the model folder ships.
        gen = GenerationConfig(do_sample=False, max_new_tokens=max_new_tokens, eos_token_id=eos,
                               pad_token_id=pad, stop_strings=list(stop) or None)
        with torch.inference_mode():
            out = self.model.generate(input_ids=input_ids, attention_mask=mask, generation_config=gen, tokenizer=tok)
        return [cut_at_stop(tok.decode(row[width:], skip_special_tokens=True), stop) for row in out]  # new tokens only


def length_groups(lengths: Sequence[int], max_tokens: int, max_padding: float) -> list[list[int]]:
    """Indices grouped for padded batches: sorted by length, a group grows while its padded size
    stays within ``max_tokens`` and its padding within ``max_padding`` of that size.

    >>> length_groups([100, 900, 110, 880, 95], max_tokens=4096, max_padding=0.25)
    [[4, 0, 2], [3, 1]]
    """
    groups: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        group = groups[-1] if groups else None
        if group is not None:
            width, total = lengths[i], sum(lengths[j] for j in group) + lengths[i]
            padded = width * (len(group) + 1)
            if padded <= max_tokens and padded - total <= max_padding * padded:
                group.append(i)
                continue
        groups.append([i])
    return groups


class OpenAITarget(Target):
    """An OpenAI-compatible chat-completions endpoint (temperature 0), key from an env variable.

    Example:
        >>> t = OpenAITarget("http://127.0.0.1:8000/v1", "qwen", api_key="x")  # doctest: +SKIP
        >>> t.generate([{"role": "user", "content": "Say hi"}], max_new_tokens=8)  # doctest: +SKIP
    """

    def __init__(self, base_url: str, model: str, api_key: str, tokenizer: Any = "cl100k",
                 timeout: float = 120.0, max_retries: int = 2):
        try:
            import openai
        except ImportError as exc:
            raise ConfigError("an HTTP target needs the openai package: pip install 'headroom-lingua[eval]'") from exc
        self.client = openai.OpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=max_retries)
        self.model = model
        self.name = f"{base_url}#{model}"
        self.counter = get_counter(tokenizer)

    def generate(self, messages: Messages, max_new_tokens: int, stop: Sequence[str] = ()) -> str:
        reply = self.client.chat.completions.create(
            model=self.model, messages=list(messages), temperature=0, max_tokens=max_new_tokens,
            **({"stop": list(stop)[:4]} if stop else {}))
        return cut_at_stop(reply.choices[0].message.content or "", stop)

    def generate_batch(self, batch: Sequence[Messages], max_new_tokens: int, stop: Sequence[str] = ()) -> list[str]:
        """Concurrent requests (at most 8 in flight), replies in order."""
        from concurrent.futures import ThreadPoolExecutor

        if len(batch) <= 1:
            return [self.generate(m, max_new_tokens, stop) for m in batch]
        with ThreadPoolExecutor(max_workers=min(8, len(batch))) as pool:
            return list(pool.map(lambda m: self.generate(m, max_new_tokens, stop), batch))


class WordCounter:
    """Counts whitespace-separated words: the stub target's "tokenizer"."""

    name = "words"

    def count(self, text: str) -> int:
        return len(text.split())

    def token_starts(self, text: str) -> np.ndarray:
        return np.fromiter((m.start() for m in re.finditer(r"\S+", text)), dtype=np.int64)


_STOPWORDS = frozenset("a an the of in on at to is was were are what which who whom when where why how did "
                       "does do for by with from as and or that this it its be been".split())


class StubFirstSentenceTarget(Target):
    """NOT A MODEL. A deterministic stub for tests: it answers with the first sentence of the
    prompt that shares a content word with the question (the last line holding "Question:" or
    "Q:"), or with the prompt's first sentence; a prompt without a question gets its first
    sentence. Budgets are counted in whitespace words."""

    name = "stub-first-sentence"

    def __init__(self) -> None:
        self.counter = WordCounter()

    def generate(self, messages: Messages, max_new_tokens: int, stop: Sequence[str] = ()) -> str:
        text = messages[-1]["content"]
        question = ""
        for line in text.splitlines():
            if line.startswith(("Question:", "Q:")):
                question = line.split(":", 1)[1]
        words = {w for w in re.findall(r"\w+", question.lower()) if w not in _STOPWORDS}
        body = text[:text.rfind(question)] if question else text
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", body) if s.strip()]
        sentences = [s for s in sentences if not s.startswith(("Question:", "Q:", "Context:"))] or [""]
        hit = next((s for s in sentences if words & set(re.findall(r"\w+", s.lower()))), sentences[0])
        return " ".join(hit.split()[:max_new_tokens])


def make_target(config: Any) -> Target:
    """The target an ``EvalConfig`` names: HTTP when ``target_url`` is set, the stub for
    ``target == "stub"``, else a local model."""
    if config.target_url:
        key = os.environ.get(config.api_key_env, "")
        if not key:
            raise ConfigError(f"the HTTP target needs an API key in ${config.api_key_env}; set it (any "
                              "non-empty value for a local server) or name another variable with --api-key-env")
        return OpenAITarget(config.target_url, config.target_model, key, tokenizer=config.target_tokenizer)
    if config.target == "stub":
        return StubFirstSentenceTarget()
    return HFTarget.from_pretrained(config.target, device=config.device)
