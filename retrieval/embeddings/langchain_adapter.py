"""LangChain `Embeddings` over an Embedder, for chains that expect the LangChain interface."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings


class KhabarEmbeddings(Embeddings):
    """Delegates to an Embedder: documents get the passage prompt, queries the query prompt."""

    def __init__(self, embedder, batch_size: int = 32) -> None:
        self.embedder = embedder
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_passages(list(texts), batch_size=self.batch_size).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_queries([text], batch_size=1)[0].tolist()
