"""The frozen result of one compression: numbers and spans, formatting is the caller's."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable


@dataclasses.dataclass(frozen=True)
class CompressionResult:
    """What ``compress`` returns. ``str(result)`` is the compressed text.

    Attributes:
        text: the compressed prompt: the original with low-information units removed.
        original_tokens: tokens of the input, counted in the budget tokenizer.
        compressed_tokens: tokens of ``text``, counted the same way (on the rendered text).
        rate: compressed_tokens / original_tokens (1.0 for empty input).
        ratio: original_tokens / compressed_tokens (1.0 for empty input).
        kept: the kept character spans ``(start, end)`` of the original, in order.
        seconds: wall time of the call.
        budget: the token budget the call was held to.
        tokenizer: name of the budget tokenizer.
        yielded: the protected spans (numbers, URLs, code, ...) that were dropped because the
            protected text alone exceeded the budget (or competed under ``protect_share``), each
            shortened to 40 characters; empty when every protected span survived.

    ``units()`` explains the selection unit by unit (see ``frontends.explain.UnitInfo``).
    """

    text: str
    original_tokens: int
    compressed_tokens: int
    rate: float
    ratio: float
    kept: tuple[tuple[int, int], ...]
    seconds: float
    budget: int
    tokenizer: str
    yielded: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text

    def units(self) -> tuple:
        """Each unit of the input: text, span, score, kept flag and why (``UnitInfo``); empty when
        the input passed through unchanged (empty, or already within the budget)."""
        explainer = self.__dict__.get("_explainer")
        return explainer() if explainer is not None else ()

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["kept"] = [list(span) for span in self.kept]
        return data


def with_explainer(result: CompressionResult, explainer: Callable[[], tuple]) -> CompressionResult:
    """``result`` whose ``units()`` calls ``explainer`` (not a field: the explanation is built on
    demand from the arrays the compression used, and is not part of the result's data)."""
    object.__setattr__(result, "_explainer", explainer)
    return result


def make_result(text: str, original: int, compressed: int, kept, seconds: float, budget: int,
                tokenizer: str, yielded=()) -> CompressionResult:
    rate = compressed / original if original else 1.0
    ratio = original / compressed if compressed else (1.0 if not original else float("inf"))
    spans = tuple(kept)
    if spans and not (type(spans[0]) is tuple and type(spans[0][0]) is int):  # e.g. numpy ints or lists
        spans = tuple((int(s), int(e)) for s, e in spans)
    return CompressionResult(text, original, compressed, rate, ratio, spans, seconds, budget, tokenizer,
                             tuple(yielded))
