"""LangChain: ``HeadroomLinguaCompressor``, a ``BaseDocumentCompressor`` that compresses the
retrieved documents for the query to a token budget. Needs ``langchain-core``
(``pip install 'headroom-lingua[langchain]'``).

Documents come back with their metadata plus ``metadata["headroom_lingua"]`` (relevance, rank,
token counts); a document left with no text is dropped. The budget (``rate`` of the documents'
tokens, or ``target_tokens``) covers the documents alone: the query is for your prompt template.

Example:
    >>> from headroom_lingua import Compressor
    >>> from headroom_lingua.scorers import LengthScorer
    >>> from langchain_core.documents import Document
    >>> compressor = HeadroomLinguaCompressor(model=Compressor(LengthScorer(), tokenizer="cl100k"),
    ...                                       rate=0.6, ranker="bm25")
    >>> docs = [Document(page_content="Paris is the capital of France and sits on the Seine."),
    ...         Document(page_content="Bananas are rich in potassium and grow in bunches.")]
    >>> [d.page_content for d in compressor.compress_documents(docs, "What is the capital of France?")]
    ['Paris is the capital of France and sits on the Seine.', 'potassium']
"""

from __future__ import annotations

from typing import Any, Sequence

try:
    from langchain_core.documents import BaseDocumentCompressor, Document
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("headroom_lingua.integrations.langchain needs langchain-core: "
                      "pip install 'headroom-lingua[langchain]'") from exc
from pydantic import ConfigDict

from ._common import compress_for_query, kept_in_order


class HeadroomLinguaCompressor(BaseDocumentCompressor):
    """Question-aware compression of retrieved documents under one token budget.

    Fields: ``model`` (a ``Compressor``, a registered name or a folder; default the default model),
    ``rate`` (default 0.5) or ``target_tokens``, ``tokenizer`` (the budget tokenizer, e.g.
    ``"cl100k"``, ``"o200k"``), ``ranker``, ``order``, ``relevance_gap``, ``force`` (as
    ``headroom_lingua.compress_documents`` takes them).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: Any = None
    rate: float | None = 0.5
    target_tokens: int | None = None
    tokenizer: Any = None
    ranker: Any = None
    order: str | None = None
    relevance_gap: float | None = None
    force: tuple = ()

    def compress_documents(self, documents: Sequence[Document], query: str,
                           callbacks: Any = None) -> Sequence[Document]:
        """The documents compressed for ``query``: kept ones only, in the configured order."""
        if not documents:
            return []
        result = compress_for_query([d.page_content for d in documents], query, {
            "model": self.model, "rate": self.rate, "target_tokens": self.target_tokens,
            "tokenizer": self.tokenizer, "ranker": self.ranker, "order": self.order,
            "relevance_gap": self.relevance_gap, "force": self.force})
        return [Document(page_content=text, id=documents[i].id,
                         metadata={**documents[i].metadata, "headroom_lingua": figures})
                for i, text, figures in kept_in_order(result)]
