"""The LangChain document compressor in a small retrieval pipeline: an in-memory vector store
with fake embeddings, the compressor (fake scorer), a prompt and a fake LLM."""

from __future__ import annotations

import pytest

pytest.importorskip("langchain_core")

from langchain_core.documents import Document  # noqa: E402
from langchain_core.embeddings import DeterministicFakeEmbedding  # noqa: E402
from langchain_core.language_models import FakeListLLM  # noqa: E402
from langchain_core.prompts import PromptTemplate  # noqa: E402
from langchain_core.runnables import RunnableLambda  # noqa: E402
from langchain_core.vectorstores import InMemoryVectorStore  # noqa: E402

from headroom_lingua import Compressor  # noqa: E402
from headroom_lingua.engine.budget import get_counter  # noqa: E402
from headroom_lingua.integrations.langchain import HeadroomLinguaCompressor  # noqa: E402
from headroom_lingua.scorers import LengthScorer  # noqa: E402

from .helpers import is_subsequence  # noqa: E402

TEXTS = [
    "Paris has been the capital of France since the tenth century and sits on the river Seine.",
    "Bananas are rich in potassium and they usually grow in large hanging bunches on tall plants.",
    "Glaciers carve deep valleys into mountains over thousands of years as they slowly move downhill.",
    "The violin has four strings tuned in fifths and is played with a bow made of horsehair.",
]
QUESTION = "What is the capital of France?"
CL100K = get_counter("cl100k")


@pytest.fixture
def compressor():
    return HeadroomLinguaCompressor(model=Compressor(LengthScorer(), tokenizer="cl100k"), rate=0.5, ranker="bm25")


def test_compressed_documents_hold_the_budget_and_keep_metadata(compressor):
    docs = [Document(page_content=t, metadata={"source": f"doc{i}"}, id=f"id{i}") for i, t in enumerate(TEXTS)]
    out = compressor.compress_documents(docs, QUESTION)
    original = CL100K.count("\n\n".join(TEXTS))
    assert 0 < CL100K.count("\n\n".join(d.page_content for d in out)) <= original // 2
    assert out[0].metadata["source"] == "doc0" and out[0].id == "id0"  # the relevant one survives first
    assert out[0].page_content == TEXTS[0]
    by_source = {d.metadata["source"]: d for d in out}
    for source, doc in by_source.items():
        assert is_subsequence(doc.page_content, TEXTS[int(source[3:])])
        figures = doc.metadata["headroom_lingua"]
        assert figures["compressed_tokens"] == CL100K.count(doc.page_content) and figures["tokenizer"] == "cl100k"
    assert by_source["doc0"].metadata["headroom_lingua"]["rank"] == 0


def test_target_tokens_and_empty_input(compressor):
    docs = [Document(page_content=t) for t in TEXTS]
    out = compressor.model_copy(update={"target_tokens": 25}).compress_documents(docs, QUESTION)
    assert CL100K.count("\n\n".join(d.page_content for d in out)) <= 25
    assert compressor.compress_documents([], QUESTION) == []


def test_retrieval_pipeline_with_a_fake_llm(compressor):
    store = InMemoryVectorStore(DeterministicFakeEmbedding(size=16))
    store.add_documents([Document(page_content=t) for t in TEXTS])
    retriever = store.as_retriever(search_kwargs={"k": 4})
    seen: list[str] = []
    prompt = PromptTemplate.from_template("Context:\n{context}\n\nQuestion: {question}\nAnswer:")
    llm = FakeListLLM(responses=["Paris"])

    def compress(question: str) -> dict:
        docs = compressor.compress_documents(retriever.invoke(question), question)
        return {"context": "\n\n".join(d.page_content for d in docs), "question": question}

    chain = RunnableLambda(compress) | prompt | RunnableLambda(lambda p: seen.append(p.to_string()) or p) | llm
    assert chain.invoke(QUESTION) == "Paris"
    sent = seen[0]
    assert TEXTS[0] in sent and sent.endswith(f"Question: {QUESTION}\nAnswer:")
    full = prompt.format(context="\n\n".join(TEXTS), question=QUESTION)
    assert CL100K.count(sent) < CL100K.count(full)
