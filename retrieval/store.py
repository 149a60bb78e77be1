"""Chroma side of the index: chunk vectors with citation metadata, embedded or on a server.

This is the only module that imports chromadb and the only place raw Chroma dicts become typed records.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import chromadb
import numpy as np

from corpus.models import Article, Chunk
from retrieval.analysis import chunk_script
from retrieval.errors import KhabarError, ModelMismatchError
from retrieval.models import Filters

log = logging.getLogger(__name__)

_BATCH = 2000  # stays under Chroma's max batch size
# HNSW search breadth. At 128, e5's tightly clustered vectors left 1.75% of the exact top-10 chunks out of
# an 80-chunk query on XQuAD+distractors (0.08% at 512); at 47k chunks 512 costs ~3 ms of search p50.
EF_SEARCH = 512
# Version of the chunk `script` labels in Chroma metadata (1: letter counts; 2: `chunk_script`, the lexical
# index's own rule). Chunks labelled by an older rule are relabelled by `record_scripts`.
SCRIPT_LABELS = 2


@dataclass(frozen=True, slots=True)
class ChunkHit:
    """One chunk returned by the vector store, with cosine similarity as score."""

    chunk_id: str
    article_id: str
    start: int
    end: int
    score: float
    content_hash: str
    text: str


def date_int(iso: str | None) -> int:
    """Turn `YYYY-MM-DD` into the integer Chroma can range-filter on (0 when unknown)."""
    if not iso:
        return 0
    try:
        return int(iso[:10].replace("-", ""))
    except ValueError:
        return 0


def where_clause(filters: Filters | None, script: str | None = None) -> dict | None:
    """Translate filters (and a chunk script) into a Chroma `where` so filtering happens inside the search."""
    parts: list[dict] = [{"script": script}] if script else []
    if filters is None or filters.is_empty():
        return parts[0] if parts else None
    for field in ("source", "agency", "city"):
        value = getattr(filters, field)
        if value:
            parts.append({field: value if isinstance(value, str) else {"$in": list(value)}})
    window = []
    if filters.since:
        window.append({"date_int": {"$gte": date_int(filters.since)}})
    if filters.until:
        window.append({"date_int": {"$lte": date_int(filters.until)}})
    if window and filters.undated:  # undated chunks carry date_int 0
        within = window[0] if len(window) == 1 else {"$and": window}
        window = [{"$or": [within, {"date_int": 0}]}]
    elif filters.until and not filters.since:  # 0 <= until: an explicit --until alone must not pass undated chunks
        window.append({"date_int": {"$gt": 0}})
    parts.extend(window)
    return parts[0] if len(parts) == 1 else {"$and": parts}


def make_client(*, home: Path, host: str = "", port: int = 8000, ssl: bool = False,
                headers: dict[str, str] | None = None):
    """Open the embedded store under `home`, or a Chroma server when `host` is set."""
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if host:
        try:
            return chromadb.HttpClient(host=host, port=port, ssl=ssl, headers=headers or None,
                                       settings=chroma_settings)
        except Exception as exc:  # connection refused, auth failure ... are all user-fixable
            text = str(exc)
            if any(s in text.lower() for s in ("401", "403", "unauthorized", "forbidden", "permission")):
                raise KhabarError(
                    f"the Chroma server at {host}:{port} refused Khabar's credentials ({text[:200]}); "
                    "check CHROMA_AUTH_TOKEN, and CHROMA_AUTH_HEADER if it expects X-Chroma-Token") from exc
            raise KhabarError(f"cannot reach the Chroma server at {host}:{port}: {text[:300]}") from exc
    path = Path(home) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class ChromaStore:
    """Chunk vectors plus the metadata filters and citations need."""

    def __init__(self, client, *, collection: str, embedding_model: str, dimension: int):
        self.client = client
        self.embedding_model = embedding_model
        self.dimension = dimension
        self.collection_name = collection
        self._col = client.get_or_create_collection(
            collection,
            # chunk_scripts: every chunk carries its script (created so, or labelled by `record_scripts`)
            metadata={"embedding_model": embedding_model, "dimension": dimension, "chunk_scripts": SCRIPT_LABELS},
            configuration={"hnsw": {"space": "cosine", "ef_search": EF_SEARCH}},
            embedding_function=None,
        )
        meta = self._col.metadata or {}
        if meta.get("embedding_model") != embedding_model or int(meta.get("dimension", dimension)) != dimension:
            raise ModelMismatchError(
                f"the index was built with embedding model {meta.get('embedding_model')!r} "
                f"(dimension {meta.get('dimension')}), not {embedding_model!r} ({dimension}); "
                "re-run `khabar ingest --rebuild` to re-embed the corpus with the new model"
            )
        self._raise_ef_search()

    def _raise_ef_search(self) -> None:
        """Bring collections created with a narrower search (older Khabar) up to EF_SEARCH; no re-index needed."""
        try:
            current = int(((self._col.configuration or {}).get("hnsw") or {}).get("ef_search") or EF_SEARCH)
            if current < EF_SEARCH:
                self._col.modify(configuration={"hnsw": {"ef_search": EF_SEARCH}})
                log.info("raised HNSW ef_search of %s from %d to %d", self.collection_name, current, EF_SEARCH)
        except Exception as e:  # noqa: BLE001 - an older server may refuse; search still works, less exactly
            log.warning("could not raise HNSW ef_search of %s: %s", self.collection_name, e)

    @property
    def script_labels(self) -> int:
        """The rule version of the chunks' script labels (0: not labelled; see SCRIPT_LABELS)."""
        return int((self._col.metadata or {}).get("chunk_scripts") or 0)

    @property
    def scripts_recorded(self) -> bool:
        """Whether every chunk's metadata has its script, so a search can ask for one script's chunks."""
        return self.script_labels > 0

    def record_scripts(self) -> int:
        """Label the chunks of an index made before chunk scripts were recorded, or by an older rule; returns how
        many labels it wrote. Safe to interrupt: written labels stay, and the collection is marked at the end.
        """
        if self.script_labels >= SCRIPT_LABELS:
            return 0
        labelled, offset = 0, 0
        while True:
            got = self._col.get(include=["metadatas", "documents"], limit=_BATCH, offset=offset)
            if not got["ids"]:
                break
            todo = [(cid, {**(meta or {}), "script": script})
                    for cid, meta, doc in zip(got["ids"], got["metadatas"] or [], got["documents"] or [])
                    if (meta or {}).get("script") != (script := chunk_script(doc or "") or "other")]
            if todo:  # whole metadata, so a server that replaces instead of merging loses nothing
                self._col.update(ids=[c for c, _ in todo], metadatas=[m for _, m in todo])
                labelled += len(todo)
            offset += len(got["ids"])
        self._col.modify(metadata={**(self._col.metadata or {}), "chunk_scripts": SCRIPT_LABELS})
        log.info("labelled the script of %d chunks in %s", labelled, self.collection_name)
        return labelled

    @staticmethod
    def collection_info(client, collection: str) -> dict | None:
        """The recorded metadata (embedding_model, dimension) of an existing collection, or None if absent."""
        try:
            col = client.get_collection(collection)
        except Exception:  # chromadb raises NotFoundError/ValueError depending on version and mode
            return None
        return dict(col.metadata or {})

    @staticmethod
    def drop(client, collection: str) -> None:
        """Delete the collection (for `--rebuild`)."""
        try:
            client.delete_collection(collection)
        except Exception:  # absent already
            log.debug("collection %s did not exist", collection)

    def count(self) -> int:
        return self._col.count()

    def stored_chunks(self, chunk_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Map already-stored chunk ids to (article content hash, chunk text): resumes and metadata edits skip
        re-embedding, since the same text keeps its vector."""
        out: dict[str, tuple[str, str]] = {}
        for i in range(0, len(chunk_ids), _BATCH):
            got = self._col.get(ids=list(chunk_ids[i:i + _BATCH]), include=["metadatas", "documents"])
            for cid, meta, doc in zip(got["ids"], got["metadatas"] or [], got["documents"] or []):
                out[cid] = ((meta or {}).get("content_hash", ""), doc or "")
        return out

    def update_metadata(self, items: Sequence[tuple[Article, Chunk]]) -> None:
        """Rewrite the metadata of stored chunks whose text is unchanged (a new title or city), keeping vectors."""
        for i in range(0, len(items), _BATCH):
            part = items[i:i + _BATCH]
            self._col.update(ids=[c.chunk_id for _, c in part], metadatas=[self._metadata(a, c) for a, c in part])

    def upsert(self, article: Article, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        if not chunks:
            return
        metas = [self._metadata(article, c) for c in chunks]
        for i in range(0, len(chunks), _BATCH):
            sl = slice(i, i + _BATCH)
            self._col.upsert(
                ids=[c.chunk_id for c in chunks[sl]],
                embeddings=np.asarray(embeddings[sl], dtype=np.float32),
                metadatas=metas[sl],
                documents=[c.text for c in chunks[sl]],
            )

    def upsert_many(self, items: Sequence[tuple[Article, Chunk]], embeddings: np.ndarray) -> None:
        """Upsert chunks of several articles in few round trips."""
        for i in range(0, len(items), _BATCH):
            part = items[i:i + _BATCH]
            self._col.upsert(
                ids=[c.chunk_id for _, c in part],
                embeddings=np.asarray(embeddings[i:i + _BATCH], dtype=np.float32),
                metadatas=[self._metadata(a, c) for a, c in part],
                documents=[c.text for _, c in part],
            )

    @staticmethod
    def _metadata(article: Article, chunk: Chunk) -> dict:
        return {
            "article_id": article.article_id,
            "source": article.source,
            "agency": article.agency,
            "city": article.city,
            "date": article.date,
            "date_int": date_int(article.date),
            "start": chunk.start,
            "end": chunk.end,
            "content_hash": article.content_hash,
            "script": chunk_script(chunk.text) or "other",
        }

    def delete(self, chunk_ids: Iterable[str]) -> None:
        ids = list(chunk_ids)
        for i in range(0, len(ids), _BATCH):
            self._col.delete(ids=ids[i:i + _BATCH])

    def delete_article(self, article_id: str) -> None:
        self._col.delete(where={"article_id": article_id})

    def all_ids(self) -> list[str]:
        """Every stored chunk id (for consistency checks)."""
        ids: list[str] = []
        offset = 0
        while True:
            got = self._col.get(include=[], limit=10000, offset=offset)
            if not got["ids"]:
                return ids
            ids.extend(got["ids"])
            offset += len(got["ids"])

    def get_chunks(self, limit: int = 10000, offset: int = 0) -> list[tuple[str, dict, str]]:
        """Page through stored chunks as (id, metadata, document) to rebuild derived indexes."""
        got = self._col.get(include=["metadatas", "documents"], limit=limit, offset=offset)
        return list(zip(got["ids"], got["metadatas"] or [], got["documents"] or []))

    def embeddings(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of the given chunks, so lexical candidates get an exact dense score."""
        if not chunk_ids:
            return {}
        got = self._col.get(ids=list(chunk_ids), include=["embeddings"])
        embs = got.get("embeddings")
        if embs is None:
            return {}
        return {cid: np.asarray(e, dtype=np.float32) for cid, e in zip(got["ids"], embs)}

    def query(self, embedding: np.ndarray, *, k: int, filters: Filters | None = None,
              script: str | None = None) -> list[ChunkHit]:
        """The k nearest chunks, within the filters and (when given) among chunks of one script only."""
        got = self._col.query(
            query_embeddings=np.asarray(embedding, dtype=np.float32).reshape(1, -1),
            n_results=k,
            where=where_clause(filters, script),
            include=["metadatas", "distances", "documents"],
        )
        hits = []
        for cid, meta, dist, doc in zip(got["ids"][0], got["metadatas"][0], got["distances"][0],
                                        got["documents"][0]):
            hits.append(ChunkHit(
                chunk_id=cid,
                article_id=meta["article_id"],
                start=int(meta["start"]),
                end=int(meta["end"]),
                score=1.0 - float(dist),
                content_hash=meta.get("content_hash", ""),
                text=doc or "",
            ))
        return hits
