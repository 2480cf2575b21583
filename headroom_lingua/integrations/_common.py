"""What the framework integrations share: one call to ``compress_documents`` for a query, with the
question steering the compression but left out of the budget (the framework's prompt adds it)."""

from __future__ import annotations

from typing import Any, Sequence


def compress_for_query(texts: Sequence[str], query: str | None, options: dict[str, Any]) -> Any:
    """``compress_documents`` on the retrieved texts; the budget covers the documents alone.

    ``options``: ``rate`` or ``target_tokens``, and optionally ``model``, ``tokenizer``, ``ranker``,
    ``order``, ``relevance_gap``, ``force`` (as ``headroom_lingua.compress_documents`` takes them).
    """
    from headroom_lingua import compress_documents

    given = {k: v for k, v in options.items() if v is not None}
    if "rate" in given and "target_tokens" in given:
        given.pop("rate")  # a target wins over the default rate, as in compress()
    return compress_documents(list(texts), question=query or None, question_in_prompt=False, **given)


def kept_in_order(result: Any) -> list[tuple[int, str, dict[str, Any]]]:
    """(input index, compressed text, figures) of each document that kept some text, in output order."""
    out = []
    for index in result.order:
        if not result.documents[index].strip():
            continue
        stat = result.stats[index]
        out.append((index, result.documents[index], {
            "relevance": stat.relevance, "rank": stat.rank, "original_tokens": stat.original_tokens,
            "compressed_tokens": stat.compressed_tokens, "tokenizer": result.tokenizer}))
    return out
