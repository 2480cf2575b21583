"""The LlamaIndex node postprocessor in a small retrieval pipeline: a vector index with mock
embeddings, the postprocessor (fake scorer) and a query engine answering with the MockLLM."""

from __future__ import annotations

import pytest

pytest.importorskip("llama_index.core")

from llama_index.core import Document, VectorStoreIndex  # noqa: E402
from llama_index.core.embeddings import MockEmbedding  # noqa: E402
from llama_index.core.llms import MockLLM  # noqa: E402
from llama_index.core.schema import MetadataMode, NodeWithScore, QueryBundle, TextNode  # noqa: E402

from headroom_lingua import Compressor  # noqa: E402
from headroom_lingua.engine.budget import get_counter  # noqa: E402
from headroom_lingua.integrations.llama_index import HeadroomLinguaPostprocessor  # noqa: E402
from headroom_lingua.scorers import LengthScorer  # noqa: E402

from .helpers import is_subsequence  # noqa: E402
from .test_integration_langchain import QUESTION, TEXTS  # noqa: E402

CL100K = get_counter("cl100k")


@pytest.fixture
def post():
    return HeadroomLinguaPostprocessor(model=Compressor(LengthScorer(), tokenizer="cl100k"), rate=0.5, ranker="bm25")


def _nodes():
    return [NodeWithScore(node=TextNode(text=t, metadata={"source": f"doc{i}"}), score=1.0 - i / 10)
            for i, t in enumerate(TEXTS)]


def test_postprocessed_nodes_hold_the_budget(post):
    nodes = _nodes()
    out = post.postprocess_nodes(nodes, QueryBundle(QUESTION))
    texts = [n.node.get_content(metadata_mode=MetadataMode.NONE) for n in out]
    assert 0 < CL100K.count("\n\n".join(texts)) <= CL100K.count("\n\n".join(TEXTS)) // 2
    assert texts[0] == TEXTS[0] and out[0].score == nodes[0].score
    for n, text in zip(out, texts):
        source = n.node.metadata["source"]
        assert is_subsequence(text, TEXTS[int(source[3:])])
        assert n.node.metadata["headroom_lingua"]["compressed_tokens"] == CL100K.count(text)
        assert "headroom_lingua" not in n.node.get_content(metadata_mode=MetadataMode.LLM)  # no budget leak
    assert nodes[0].node.get_content() == TEXTS[0] and len(nodes) == 4  # the input nodes are untouched


def test_without_a_query_the_nodes_are_compressed_jointly(post):
    out = post.postprocess_nodes(_nodes())
    texts = [n.node.get_content(metadata_mode=MetadataMode.NONE) for n in out]
    assert CL100K.count("\n\n".join(texts)) <= CL100K.count("\n\n".join(TEXTS)) // 2
    assert all(n.node.metadata["headroom_lingua"]["rank"] is None for n in out)


def test_query_engine_pipeline_with_the_mock_llm(post):
    index = VectorStoreIndex.from_documents([Document(text=t) for t in TEXTS], embed_model=MockEmbedding(embed_dim=8))
    seen: list[list[str]] = []

    class Recording(HeadroomLinguaPostprocessor):
        def _postprocess_nodes(self, nodes, query_bundle=None):
            out = super()._postprocess_nodes(nodes, query_bundle)
            seen.append([n.node.get_content() for n in out])
            return out

    recording = Recording(**post.model_dump(exclude={"callback_manager"}))
    engine = index.as_query_engine(llm=MockLLM(), similarity_top_k=4, node_postprocessors=[recording])
    response = engine.query(QUESTION)
    assert seen and TEXTS[0] in seen[0]
    assert [n.node.get_content() for n in response.source_nodes] == seen[0]
    assert TEXTS[0] in str(response)  # the MockLLM echoes its prompt: the compressed context reached it
    assert not any(t in str(response) for t in TEXTS[1:])  # the cut documents did not reach it whole
