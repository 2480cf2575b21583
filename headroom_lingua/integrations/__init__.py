"""Optional integrations with retrieval frameworks; each module imports its framework, so import
the one you use:

- ``headroom_lingua.integrations.langchain``: ``HeadroomLinguaCompressor``, a LangChain
  ``BaseDocumentCompressor`` (``pip install 'headroom-lingua[langchain]'``);
- ``headroom_lingua.integrations.llama_index``: ``HeadroomLinguaPostprocessor``, a LlamaIndex
  node postprocessor (``pip install 'headroom-lingua[llamaindex]'``).

Both compress the retrieved documents for the query under one token budget (question-aware:
off-topic documents go first, see ``headroom_lingua.compress_documents``) and hand back documents
whose text is the compressed text; the query itself is left to the caller's prompt template.
"""
