"""LlamaIndex: ``HeadroomLinguaPostprocessor``, a node postprocessor that compresses the retrieved
nodes' text for the query to a token budget. Needs ``llama-index-core``
(``pip install 'headroom-lingua[llamaindex]'``).

Nodes come back as copies with the compressed text, their score, and
``metadata["headroom_lingua"]`` (relevance, rank, token counts); a node left with no text is
dropped. The budget (``rate`` of the nodes' tokens, or ``target_tokens``) covers the nodes' text
alone: the query is for the response synthesizer's prompt. Without a query the nodes are
compressed jointly, with no ranking.

Example:
    >>> from headroom_lingua import Compressor
    >>> from headroom_lingua.scorers import LengthScorer
    >>> from llama_index.core.schema import NodeWithScore, TextNode
    >>> post = HeadroomLinguaPostprocessor(model=Compressor(LengthScorer(), tokenizer="cl100k"),
    ...                                    rate=0.6, ranker="bm25")
    >>> nodes = [NodeWithScore(node=TextNode(text="Paris is the capital of France and sits on the Seine."), score=0.5),
    ...          NodeWithScore(node=TextNode(text="Bananas are rich in potassium and grow in bunches."), score=0.4)]
    >>> [n.node.get_content() for n in post.postprocess_nodes(nodes, query_str="What is the capital of France?")]
    ['Paris is the capital of France and sits on the Seine.', 'potassium']
"""

from __future__ import annotations

from typing import Any, List, Optional

try:
    from llama_index.core.postprocessor.types import BaseNodePostprocessor
    from llama_index.core.schema import MetadataMode, NodeWithScore, QueryBundle
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("headroom_lingua.integrations.llama_index needs llama-index-core: "
                      "pip install 'headroom-lingua[llamaindex]'") from exc

from ._common import compress_for_query, kept_in_order


class HeadroomLinguaPostprocessor(BaseNodePostprocessor):
    """Question-aware compression of retrieved nodes under one token budget.

    Fields: ``model`` (a ``Compressor``, a registered name or a folder; default the default model),
    ``rate`` (default 0.5) or ``target_tokens``, ``tokenizer`` (the budget tokenizer, e.g.
    ``"cl100k"``, ``"o200k"``), ``ranker``, ``order``, ``relevance_gap``, ``force`` (as
    ``headroom_lingua.compress_documents`` takes them).
    """

    model: Any = None
    rate: Optional[float] = 0.5
    target_tokens: Optional[int] = None
    tokenizer: Any = None
    ranker: Any = None
    order: Optional[str] = None
    relevance_gap: Optional[float] = None
    force: tuple = ()

    @classmethod
    def class_name(cls) -> str:
        return "HeadroomLinguaPostprocessor"

    def _postprocess_nodes(self, nodes: List[NodeWithScore],
                           query_bundle: Optional[QueryBundle] = None) -> List[NodeWithScore]:
        if not nodes:
            return []
        texts = [n.node.get_content(metadata_mode=MetadataMode.NONE) for n in nodes]
        result = compress_for_query(texts, query_bundle.query_str if query_bundle else None, {
            "model": self.model, "rate": self.rate, "target_tokens": self.target_tokens,
            "tokenizer": self.tokenizer, "ranker": self.ranker, "order": self.order,
            "relevance_gap": self.relevance_gap, "force": self.force})
        out = []
        for i, text, figures in kept_in_order(result):
            node = nodes[i].node.model_copy(deep=True)
            node.set_content(text)
            node.metadata["headroom_lingua"] = figures
            # figures for the caller, not text for the LLM or the embedding (the budget holds)
            node.excluded_llm_metadata_keys = [*node.excluded_llm_metadata_keys, "headroom_lingua"]
            node.excluded_embed_metadata_keys = [*node.excluded_embed_metadata_keys, "headroom_lingua"]
            out.append(NodeWithScore(node=node, score=nodes[i].score))
        return out
