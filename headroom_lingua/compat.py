"""``llmlingua`` compatibility: ``PromptCompressor(...).compress_prompt(...)`` on headroom-lingua.

The arguments LLMLingua / LongLLMLingua users pass most are mapped onto ``compress_documents``;
the result is LLMLingua 0.2.2's dict (``compressed_prompt``, ``origin_tokens``, ``compressed_tokens``,
``ratio`` as ``"2.0x"``, ``rate`` as ``"50.0%"``, ``saving``). An argument that would change
LLMLingua's output in a way headroom-lingua cannot reproduce raises a ``ConfigError`` naming it;
arguments that change nothing here (``iterative_size``, ``context_budget``, ...) are accepted and
listed in ``NO_OPS``. The argument-by-argument table is in docs/migration.md.

Example:
    >>> from headroom_lingua import Compressor
    >>> from headroom_lingua.scorers import LengthScorer
    >>> llm_lingua = PromptCompressor(model_name=Compressor(LengthScorer(), tokenizer="cl100k"))
    >>> docs = ["Paris is the capital of France.", "Bananas are rich in potassium and grow in bunches."]
    >>> out = llm_lingua.compress_prompt(docs, question="What is the capital of France?", rate=0.8,
    ...                                  rank_method="longllmlingua", reorder_context="sort")
    >>> out["compressed_prompt"]
    'Paris is the capital of France.\\n\\nBananas potassium bunches\\n\\nWhat is the capital of France?'
    >>> out["ratio"], out["rate"]
    ('1.3x', '76.9%')
"""

from __future__ import annotations

import math
import re
from typing import Any, Sequence

from .errors import BudgetError, ConfigError

SEPARATOR = "\n\n"  # LLMLingua joins instruction, contexts and question with a blank line
GPT4_USD_PER_1K = 0.06  # the price LLMLingua's "saving" string assumes
# rank_method -> our ranker (None: the default, question perplexity with a causal LM, else overlap)
RANK_METHODS = {"longllmlingua": None, "bm25": "bm25"}
QUESTION_AGNOSTIC = "llmlingua"  # LLMLingua's own context ranking does not read the question
REORDER = {"original": "original", "sort": "relevance", "two_stage": "both_ends"}
CONDITIONS = ("none", "after", "none_condition", "after_condition")
CLASSIFIER_NOTE = (
    "LLMLingua-2 (a token classifier deciding keep/drop) is replaced in headroom-lingua by the "
    "classifier scorer (scorers/classifier, trained by headroom_lingua_training), which is not shipped "
    "yet; until then use the default causal-LM scorer: PromptCompressor(model_name=...) without "
    "use_llmlingua2, or headroom_lingua.compress(...)")

# Accepted, and they change nothing here (why, in docs/migration.md). value -> None if valid, else the rule.
NO_OPS = {
    "iterative_size": lambda v: None if isinstance(v, int) and v > 0 else "a positive int",
    "keep_split": lambda v: None if isinstance(v, bool) else "a bool",
    "context_budget": lambda v: None if isinstance(v, str) and re.fullmatch(r"\s*[+*-]\s*\d+(\.\d+)?\s*", v)
    else "a str such as '+100' or '*1.5'",
    "dynamic_context_compression_ratio": lambda v: None if isinstance(v, (int, float)) and 0 <= v < 1
    else "a number in [0, 1)",
    "condition_compare": lambda v: None if isinstance(v, bool) else "a bool",
    "add_instruction": lambda v: None if isinstance(v, bool) else "a bool",
    "token_budget_ratio": lambda v: None if isinstance(v, (int, float)) and v > 0 else "a positive number",
    "high_priority_bonus": lambda v: None if isinstance(v, (int, float)) else "a number",
    "force_reserve_digit": lambda v: None if isinstance(v, bool) else "a bool",
    "strict_preserve_uncompressed": lambda v: None if isinstance(v, bool) else "a bool",
    "token_to_word": lambda v: None if v == "mean" else "'mean' (a word's score is its tokens' mean)",
    "chunk_end_tokens": lambda v: None if isinstance(v, (list, tuple)) else "a list of str",
    "word_sep": lambda v: None if isinstance(v, str) else "a str",
    "label_sep": lambda v: None if isinstance(v, str) else "a str",
}
# Supported only at LLMLingua's default: argument -> (default, what headroom-lingua does instead).
UNSUPPORTED = {
    "use_sentence_level_filter": (False, "there is no sentence-level filter; words are selected under one budget"),
    "use_token_level_filter": (True, "words are always selected; documents are never only kept or dropped whole"),
    "force_context_ids": (None, "no document can be forced in; pass its key phrases in force_tokens instead"),
    "force_context_number": (None, "the number of documents kept follows from the budget"),
    "keep_first_sentence": (0, "there is no sentence-level filter"),
    "keep_last_sentence": (0, "there is no sentence-level filter"),
    "keep_sentence_number": (0, "there is no sentence-level filter"),
    "context_segs": (None, "segments with their own rates are not supported; force_tokens keeps text verbatim"),
    "context_segs_rate": (None, "segments with their own rates are not supported"),
    "context_segs_compress": (None, "segments with their own rates are not supported"),
    "target_context": (-1, "the number of documents kept follows from the budget"),
    "context_level_rate": (1.0, "there is one budget for the whole prompt"),
    "context_level_target_token": (-1, "there is one budget for the whole prompt"),
    "return_word_label": (False, "use the result's kept spans: headroom_lingua.compress_documents(...).kept"),
    "drop_consecutive": (False, "force_tokens are kept where they occur"),
}


MAPPED = ("context", "instruction", "question", "rate", "target_token", "force_tokens", "rank_method",
          "reorder_context", "use_context_level_filter", "concate_question", "condition_in_question")


def _at_default(value: Any, default: Any) -> bool:
    # an empty list where LLMLingua's default is None asks for nothing either
    return value == default or (default is None and isinstance(value, (list, tuple)) and not value)


def check_options(options: dict[str, Any]) -> None:
    """Raise a ``ConfigError`` naming the first option that headroom-lingua cannot honour."""
    for name, value in options.items():
        if name in NO_OPS:
            rule = NO_OPS[name](value)
            if rule is not None:
                raise ConfigError(f"compress_prompt({name}={value!r}): must be {rule}")
        elif name in UNSUPPORTED:
            default, instead = UNSUPPORTED[name]
            if not _at_default(value, default):
                raise ConfigError(f"compress_prompt({name}={value!r}) is not supported by headroom-lingua "
                                  f"(only its default {default!r}): {instead}")
        else:
            raise TypeError(f"compress_prompt() got an unexpected keyword argument {name!r}; it accepts "
                            f"LLMLingua 0.2.2's arguments {sorted([*MAPPED, *NO_OPS, *UNSUPPORTED])}")


def llmlingua_dict(text: str, origin: int, compressed: int) -> dict[str, Any]:
    """LLMLingua 0.2.2's result dict, its strings formatted as it formats them.

    >>> llmlingua_dict("short", 200, 50)["ratio"], llmlingua_dict("short", 200, 50)["rate"]
    ('4.0x', '25.0%')
    """
    ratio = 1.0 if compressed == 0 else origin / compressed
    saving = (origin - compressed) * GPT4_USD_PER_1K / 1000
    return {"compressed_prompt": text, "origin_tokens": origin, "compressed_tokens": compressed,
            "ratio": f"{ratio:.1f}x", "rate": f"{100 / ratio:.1f}%", "saving": f", Saving ${saving:.1f} in GPT-4."}


def _device(device_map: Any) -> str:
    if isinstance(device_map, str) and re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", device_map):
        return device_map
    raise ConfigError(f"device_map={device_map!r} is not supported: pass one device, 'auto', 'cpu', 'cuda', "
                      "'cuda:N' or 'mps' (the scorer is small enough for one device)")


def _dtype(model_config: dict[str, Any] | None) -> Any:
    config = dict(model_config or {})
    config.pop("trust_remote_code", None)  # no remote code is ever run: nothing to trust
    dtype = config.pop("torch_dtype", config.pop("dtype", "auto"))
    if config:
        raise ConfigError(f"model_config keys {sorted(config)} are not supported; accepted: 'torch_dtype' "
                          "(or 'dtype') and 'trust_remote_code' (ignored)")
    return dtype


class PromptCompressor:
    """LLMLingua's ``PromptCompressor`` interface on a headroom-lingua ``Compressor``.

    ``model_name``: a registered model name (default ``smollm2-135m``), a local causal-LM folder,
    or a ready ``Compressor`` (no Hugging Face hub id is ever downloaded). ``device_map``: one device.
    ``tokenizer``: the budget tokenizer, also the one ``origin_tokens``/``compressed_tokens`` are
    counted in (default ``cl100k``, GPT-3.5/GPT-4's, which LLMLingua reports in too).

    Example:
        >>> llm_lingua = PromptCompressor("smollm2-135m", device_map="cpu")  # doctest: +SKIP
        >>> llm_lingua.compress_prompt(docs, question=q, rate=0.5)["compressed_prompt"]  # doctest: +SKIP
    """

    def __init__(self, model_name: Any = None, device_map: str = "auto", model_config: dict | None = None,
                 open_api_config: dict | None = None, use_llmlingua2: bool = False,
                 llmlingua2_config: dict | None = None, *, tokenizer: Any = "cl100k"):
        from .compressor import Compressor

        if use_llmlingua2 or llmlingua2_config:
            raise ConfigError(f"use_llmlingua2=True is not supported yet: {CLASSIFIER_NOTE}")
        if open_api_config:
            raise ConfigError("open_api_config is not supported: headroom-lingua ranks offline "
                              "(rank_method='longllmlingua' or 'bm25'), never with an OpenAI embedding")
        if isinstance(model_name, Compressor):
            self.compressor = model_name
        else:
            from .models import DEFAULT_MODEL

            self.compressor = Compressor.from_pretrained(model_name or DEFAULT_MODEL, device=_device(device_map),
                                                         dtype=_dtype(model_config))
        self.tokenizer = tokenizer

    def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.compress_prompt(*args, **kwargs)

    def compress_prompt(self, context: str | Sequence[str], instruction: str = "", question: str = "",
                        rate: float = 0.5, target_token: float = -1, *, force_tokens: Sequence[str] = (),
                        rank_method: str = "llmlingua", reorder_context: str = "original",
                        use_context_level_filter: bool = True, concate_question: bool = True,
                        condition_in_question: str = "none", **options: Any) -> dict[str, Any]:
        """LLMLingua's ``compress_prompt``: the prompt is ``instruction``, the contexts and ``question``
        joined by blank lines; ``rate`` or ``target_token`` (tokens for the contexts, LLMLingua's
        meaning) sets the budget. Returns LLMLingua's dict; see the module docstring."""
        check_options(options)
        if condition_in_question not in CONDITIONS:
            raise ConfigError(f"condition_in_question={condition_in_question!r} is not supported; use one of "
                              f"{list(CONDITIONS)} (documents are ranked by p(question | document), 'after')")
        if reorder_context not in REORDER:
            raise ConfigError(f"reorder_context={reorder_context!r} is not one of {sorted(REORDER)}")
        docs = [context] if isinstance(context, str) else list(context)
        aware = rank_method != QUESTION_AGNOSTIC and use_context_level_filter
        ranker = self._ranker(rank_method, question)
        counter = self.compressor.counter(self.tokenizer)
        shown_question = question if concate_question else ""
        original = counter.count(_join([instruction, *docs, shown_question]))
        fixed = counter.count(_join([instruction, shown_question]))
        budget = _budget(original, fixed, rate, target_token)
        if aware and question:
            result = self._documents(docs, instruction, question, budget, force_tokens, ranker=ranker,
                                     order=REORDER[reorder_context], question_in_prompt=concate_question)
            return llmlingua_dict(result.text, original, result.compressed_tokens)
        text = self._agnostic(docs, instruction, shown_question, budget, force_tokens, counter)
        return llmlingua_dict(text, original, counter.count(text))

    def _ranker(self, rank_method: str, question: str) -> str | None:
        from .rankers import RANKERS

        if rank_method == QUESTION_AGNOSTIC:
            return None
        if rank_method in RANK_METHODS:
            if rank_method == "longllmlingua" and not question:
                raise ConfigError("rank_method='longllmlingua' needs a question (as in LLMLingua); pass "
                                  "question=... or use rank_method='llmlingua'")
            return RANK_METHODS[rank_method]
        if rank_method in RANKERS:  # headroom-lingua's own rankers are accepted by name too
            return rank_method
        raise ConfigError(f"rank_method={rank_method!r} is not supported; use one of "
                          f"{[QUESTION_AGNOSTIC, *RANK_METHODS]} or a headroom-lingua ranker {sorted(RANKERS)} "
                          "(embedding and API rankers are not available offline)")

    def _documents(self, docs: list[str], instruction: str, question: str | None, budget: int,
                   force: Sequence[str], **kwargs: Any) -> Any:
        from .frontends.documents import compress_documents

        return compress_documents(docs, question=question or None, instruction=instruction or None,
                                  target_tokens=budget, tokenizer=self.tokenizer, model=self.compressor,
                                  force=tuple(force), **kwargs)

    def _agnostic(self, docs: list[str], instruction: str, question: str, budget: int, force: Sequence[str],
                  counter: Any) -> str:
        """LLMLingua's question-agnostic mode: the documents compressed jointly (no ranking), the
        question appended verbatim. The question's tokens are taken off the budget first; if the
        joint does not add up, the documents' budget shrinks by the overshoot and the call reruns."""
        if not question:
            return self._documents(docs, instruction, None, budget, force).text
        room = budget - counter.count(SEPARATOR + question)
        for _ in range(4):
            if room < 1:
                break
            head = self._documents(docs, instruction, None, room, force).text
            text = _join([head, question])
            over = counter.count(text) - budget
            if over <= 0:
                return text
            room -= over
        raise BudgetError(f"the question alone leaves no room for the documents in a budget of {budget} "
                          "tokens; raise rate or target_token")

    def compress_prompt_llmlingua2(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Not available: see ``CLASSIFIER_NOTE``."""
        raise ConfigError(f"compress_prompt_llmlingua2 is not supported yet: {CLASSIFIER_NOTE}")

    def structured_compress_prompt(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Not available: ``<llmlingua>`` tags with per-segment rates have no equivalent."""
        raise ConfigError("structured_compress_prompt is not supported: segments with their own rates have no "
                          "equivalent; keep text verbatim with force_tokens, or compress segments one by one")

    def compress_json(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Not available."""
        raise ConfigError("compress_json is not supported: compress the JSON's string values one by one "
                          "(headroom_lingua.compress), or keep JSON whole (it is protected by default)")


def _join(parts: Sequence[str]) -> str:
    """LLMLingua's assembly: non-empty parts joined by a blank line."""
    return SEPARATOR.join(p for p in parts if p)


def _budget(original: int, fixed: int, rate: float, target_token: float) -> int:
    """Tokens for the whole prompt: ``rate`` of it, or ``target_token`` for the contexts plus the
    instruction and question (LLMLingua counts target_token for the contexts alone)."""
    if target_token is not None and target_token != -1:
        if isinstance(target_token, bool) or not isinstance(target_token, (int, float)) or not target_token > 0:
            raise ConfigError(f"target_token must be -1 (use rate) or a positive number, got {target_token!r}")
        return fixed + int(target_token)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= 1:
        raise ConfigError(f"rate must be a number in (0, 1], got {rate!r}")
    return max(1, math.floor(rate * original + 1e-9))
