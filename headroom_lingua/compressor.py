"""The public entry points: ``compress`` for one call, ``Compressor`` to keep a model loaded.

Both hand the work to the front ends (plain text, documents, messages); a ``Compressor`` is a
``loading.Backend`` (scorer, pipeline config, budget tokenizer) with their calls as methods.

Example:
    >>> from headroom_lingua import Compressor
    >>> from headroom_lingua.scorers import LengthScorer
    >>> c = Compressor(LengthScorer(), tokenizer="cl100k")
    >>> r = c.compress("The quarterly revenue grew by 12% to $4.2M in Q3 2024.", rate=0.7)
    >>> r.compressed_tokens <= r.budget
    True
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from .frontends.documents import DocumentsResult, compress_documents
from .frontends.messages import MessagesResult, compress_messages
from .frontends.text import compress_texts
from .loading import Backend, resolve
from .result import CompressionResult


class Compressor(Backend):
    """A loaded scorer plus defaults, reusable across calls and safe to share between threads.

    ``Compressor.from_pretrained(name_or_folder)`` loads a registered model or a local folder with
    the scorer kind that reads it; ``Compressor(scorer)`` wraps any ``Scorer``.
    """

    def compress(self, prompt: str, *, rate: float | None = None, target_tokens: int | None = None,
                 tokenizer: Any = None, force: Iterable = ()) -> CompressionResult:
        """Compress ``prompt`` to ``rate`` of its tokens or to ``target_tokens`` tokens."""
        return compress_texts(self, [prompt], rate=rate, target_tokens=target_tokens, tokenizer=tokenizer,
                              force=force)[0]

    def compress_batch(self, prompts: Sequence[str], *, rate: float | None = None,
                       target_tokens: int | None = None, tokenizer: Any = None,
                       force: Iterable = ()) -> list[CompressionResult]:
        """Compress several prompts with the same budget rule; scoring runs in padded batches."""
        return compress_texts(self, prompts, rate=rate, target_tokens=target_tokens, tokenizer=tokenizer,
                              force=force)

    def compress_documents(self, documents: Any, **kwargs: Any) -> DocumentsResult:
        """``headroom_lingua.compress_documents`` with this compressor's model."""
        return compress_documents(documents, model=self, **kwargs)

    def compress_messages(self, messages: Any, **kwargs: Any) -> MessagesResult:
        """``headroom_lingua.compress_messages`` with this compressor's model."""
        return compress_messages(messages, model=self, **kwargs)


def compress(prompt: str | Sequence[str], *, rate: float | None = None, target_tokens: int | None = None,
             tokenizer: Any = None, model: Any = None, force: Iterable = (), question: str | None = None,
             instruction: str | None = None, order: str | None = None, ranker: Any = None,
             relevance_gap: float | None = None) -> CompressionResult:
    """Compress one prompt to a token budget; the model is loaded once per process and reused.

    ``model``: a registered name (default ``"smollm2-135m"``), a local model folder, or a
    ``Compressor``. ``tokenizer``: the budget tokenizer (default: the scorer's; ``"cl100k"``
    counts like GPT-4/GPT-3.5). ``force``: strings or compiled regexes to keep verbatim.

    Multi-document prompts: ``prompt`` may be a list of documents; with ``question`` and/or
    ``instruction`` (kept byte-identical, inside the budget) the call is question-aware and
    returns a ``DocumentsResult`` (see ``headroom_lingua.frontends.documents``; ``order``:
    ``original``, ``relevance`` or ``both_ends``; ``ranker``: ``question_perplexity`` (default with
    a causal LM), ``overlap`` or ``bm25`` (the fast mode: no ranking pass), ``bm25_qp`` or a
    ``Ranker``; ``relevance_gap``: also drop documents that much less relevant than the best one,
    even when the budget has room for them).

    Example:
        >>> from headroom_lingua import compress
        >>> r = compress(open("prompt.txt").read(), rate=0.33)  # doctest: +SKIP
        >>> print(r.compressed_tokens, r.ratio)  # doctest: +SKIP
    """
    if (question is not None or instruction is not None or order is not None or ranker is not None
            or relevance_gap is not None or not isinstance(prompt, str)):
        return compress_documents(prompt, question=question, instruction=instruction, rate=rate,
                                  target_tokens=target_tokens, tokenizer=tokenizer, model=model, force=force,
                                  order=order, ranker=ranker, relevance_gap=relevance_gap)
    return compress_texts(resolve(model), [prompt], rate=rate, target_tokens=target_tokens, tokenizer=tokenizer,
                          force=force)[0]
