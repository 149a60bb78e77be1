"""LangChain `BaseRetriever` over Khabar's hybrid search, so LangChain chains can use it as-is.

Chroma is reached through the chromadb client (retrieval/store.py), not `langchain-chroma`: the search
needs `where` filters on the integer `date_int` field, stored embeddings fetched by id (the exact dense
score of BM25-only candidates during fusion) and a single place where raw Chroma dicts become typed hits.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from retrieval.models import Filters, Hit


def hits_to_documents(hits: list[Hit], *, passages_per_hit: int = 1) -> list[Document]:
    """One Document per passage, carrying everything a citation needs."""
    docs: list[Document] = []
    for rank, hit in enumerate(hits, start=1):
        for p in hit.passages[:passages_per_hit]:
            docs.append(Document(
                page_content=p.text,
                id=p.chunk_id,
                metadata={
                    "article_id": hit.article_id, "title": hit.title, "source": hit.source,
                    "agency": hit.agency, "city": hit.city, "date": hit.date, "url": hit.url,
                    "path": hit.path, "start": p.start, "end": p.end, "score": hit.score,
                    "passage_score": p.score, "chunk_id": p.chunk_id, "rank": rank,
                    "also_in": list(hit.also_in),
                },
            ))
    return docs


class KhabarRetriever(BaseRetriever):
    """Hybrid (dense + BM25) article search as a LangChain retriever; `backend` is an AnswerService or Searcher."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    backend: Any
    k: int = 5
    mode: str = "hybrid"
    filters: Filters | None = None
    passages_per_hit: int = 1

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                **kwargs: Any) -> list[Document]:
        k = int(kwargs.get("k", self.k))
        filters = kwargs.get("filters", self.filters)
        mode = kwargs.get("mode", self.mode)
        hits = self.backend.search(query, k=k, filters=filters, mode=mode)
        return hits_to_documents(hits, passages_per_hit=int(kwargs.get("passages_per_hit", self.passages_per_hit)))
