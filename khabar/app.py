"""Composition root: build settings' backends (embedder, Chroma, indexes) into one AnswerService."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from khabar.settings import DICTIONARY_SOURCES, Settings, dictionary_folder, find_dictionaries

log = logging.getLogger(__name__)


@dataclass
class Index:
    """The opened stores of one KHABAR_HOME (and Chroma, embedded or remote)."""

    home: Path
    client: object
    store: object
    manifest: object
    lexical: object
    embedder: object
    crosslingual: object = None


def load_embedder_from(settings: Settings, progress=None):
    from retrieval.embeddings import load_embedder

    threads = settings.khabar_threads or os.cpu_count() or 1
    return load_embedder(
        settings.khabar_embedding_model,
        model_dir=settings.khabar_model_dir,
        backend=settings.khabar_embedding_backend,
        max_seq_length=settings.khabar_max_seq_length,
        threads=threads,
        progress=progress,
    )


def chroma_client(settings: Settings):
    from retrieval.store import make_client

    headers = None
    if settings.chroma_auth_token is not None:
        token = settings.chroma_auth_token.get_secret_value()
        if settings.chroma_auth_header.lower() == "authorization" and not token.lower().startswith("bearer "):
            token = f"Bearer {token}"
        headers = {settings.chroma_auth_header: token}
    return make_client(home=settings.khabar_home, host=settings.chroma_host, port=settings.chroma_port,
                       ssl=settings.chroma_ssl, headers=headers)


def open_index(settings: Settings, *, embedder=None, rebuild: bool = False) -> Index:
    """Open (or create) the index under KHABAR_HOME with the configured model."""
    from retrieval.crosslingual import CrossLingualTerms
    from retrieval.lexical import LexicalIndex, analyzer_id
    from retrieval.manifest import Manifest
    from retrieval.store import ChromaStore

    home = Path(settings.khabar_home)
    home.mkdir(parents=True, exist_ok=True)
    embedder = embedder or load_embedder_from(settings)
    client = chroma_client(settings)
    if rebuild:
        ChromaStore.drop(client, settings.khabar_collection)
        for name in ("manifest.sqlite3", "manifest.sqlite3-wal", "manifest.sqlite3-shm", "lexical.npz", "crosslingual.npz"):
            (home / name).unlink(missing_ok=True)
    store = ChromaStore(client, collection=settings.khabar_collection, embedding_model=embedder.name,
                        dimension=embedder.dimension)
    manifest = Manifest(home / "manifest.sqlite3")
    lexical = LexicalIndex.load(home / "lexical.npz")
    if lexical.stale or (len(lexical) == 0 and manifest.counts()["chunks"] > 0):
        from retrieval.ingest import reconcile_lexical

        reconcile_lexical(lexical, manifest)  # missing or built by an older analyzer: rebuild from the manifest
    crosslingual = None
    if hasattr(embedder, "embed_words"):  # an embedder that cannot embed words gets no translation
        crosslingual = CrossLingualTerms.load(home / "crosslingual.npz", model=embedder.name, analyzer=analyzer_id())
    return Index(home=home, client=client, store=store, manifest=manifest, lexical=lexical, embedder=embedder,
                 crosslingual=crosslingual)


def build_service(settings: Settings, *, embedder=None, index: Index | None = None):
    """Wire everything into the AnswerService every front end shares."""
    from retrieval.ingest import Indexer
    from retrieval.search import SearchConfig, Searcher
    from retrieval.service import AnswerService

    index = index or open_index(settings, embedder=embedder)
    indexer = Indexer(store=index.store, manifest=index.manifest, lexical=index.lexical, embedder=index.embedder,
                      crosslingual=index.crosslingual)
    dictionaries = {}
    if found := find_dictionaries(settings.khabar_dictionary):
        from retrieval.dictionary import Dictionary

        dictionaries = {into: Dictionary.open(path, source=DICTIONARY_SOURCES[into]) for into, path in found.items()}
    elif dictionary_folder(settings.khabar_dictionary) is not None:
        log.warning("KHABAR_DICTIONARY=%s holds no FreeDict dictionary (freedict-eng-ara.index, "
                    "freedict-ara-eng.index); words are translated by the embedding model alone",
                    settings.khabar_dictionary)
    searcher = Searcher(store=index.store, lexical=index.lexical, manifest=index.manifest, embedder=index.embedder,
                        crosslingual=index.crosslingual, dictionaries=dictionaries,
                        config=SearchConfig(cross_script_bonus=settings.khabar_cross_language_bonus))
    llm = None
    if settings.khabar_llm:
        from retrieval.answering import LLMAnswerer, make_chat_model

        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        chat = make_chat_model(settings.khabar_llm, base_url=settings.openai_base_url, api_key=key,
                               ollama_base_url=settings.ollama_base_url, timeout=settings.khabar_llm_timeout)
        llm = LLMAnswerer(chat, timeout=settings.khabar_llm_timeout) if chat is not None else None
    corpus_paths = [p for p in settings.khabar_corpus_path.split(os.pathsep) if p]
    return AnswerService(searcher=searcher, indexer=indexer, manifest=index.manifest, embedder=index.embedder,
                         llm=llm, corpus_paths=corpus_paths, max_question_chars=settings.khabar_max_question_chars)


def index_stats(settings: Settings) -> dict:
    """`khabar stats` from the manifest alone, without loading the model or Chroma (fast)."""
    from retrieval.manifest import Manifest

    manifest = Manifest(Path(settings.khabar_home) / "manifest.sqlite3")
    try:
        out = manifest.counts()
        out["embedding_model"] = manifest.get_meta("embedding_model") or settings.khabar_embedding_model
        return out
    finally:
        manifest.close()
