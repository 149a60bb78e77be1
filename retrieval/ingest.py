"""Incremental, resumable ingest: load → chunk → embed → Chroma → manifest commit → BM25.

Order matters for crash safety: vectors are upserted (idempotent ids) before the manifest row
commits, and the lexical index is reconciled against the manifest on every run, so a kill at any
point leaves nothing duplicated or orphaned, and a rerun embeds only what is not yet stored.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from corpus.chunking import chunk_article
from corpus.fingerprint import simhash64
from corpus.ids import is_file_stem_id, with_path_id
from corpus.loaders import iter_articles
from corpus.models import Article, Chunk, LoadError
from corpus.normalize import normalize_arabic

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What an ingest did; `khabar ingest --json` prints it."""

    articles_seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    chunks_added: int = 0
    chunks_reused: int = 0
    errors: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    interrupted: bool = False

    def to_dict(self) -> dict:
        d = asdict(self)
        d["seconds"] = round(self.seconds, 3)
        d["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
        return d


@dataclass
class _Batch:
    items: list[tuple[Article, list[Chunk], int, bool]]  # article, chunks, simhash, is_update


def _base_file(path: str) -> str:
    return path.split("!", 1)[0].split("#", 1)[0]


def _own_id(item: Article, stored_paths: dict[str, str]) -> Article:
    """Give a text file whose stem is already the id of another file that still exists (2015/article.txt and
    2016/article.txt, ingested one after the other) an id of its own instead of replacing that article."""
    other = stored_paths.get(item.article_id)
    if not other or other == item.path or not is_file_stem_id(item) or not _exists(other):
        return item  # new, the same file, an id the record carries, or a file that moved
    return with_path_id(item)


def _exists(path: str) -> bool:
    return Path(path).is_absolute() and Path(path).exists()  # a relative path (older indexes) says nothing here


class Indexer:
    """Keeps Chroma, the manifest and the lexical index in step."""

    def __init__(self, *, store, manifest, lexical, embedder, crosslingual=None, max_tokens: int | None = None,
                 overlap_tokens: int = 32, batch_chunks: int = 1024, embed_batch: int = 16,
                 save_every_s: float = 30.0):
        self.store = store
        self.manifest = manifest
        self.lexical = lexical
        self.embedder = embedder
        # Vectors of the lexical index's Arabic terms (retrieval.crosslingual), kept in step with it.
        self.crosslingual = crosslingual
        budget = getattr(embedder, "passage_token_budget", None) or (embedder.max_seq_length - 8)
        self.max_tokens = min(max_tokens or budget, budget)
        self.overlap_tokens = overlap_tokens
        # 1,024 chunks sorted by length, embedded 16 at a time, pad 1.2% instead of 9.3% (256 in 32s): a
        # SaudiNewsNet day ingests in 67.6 s instead of 77.5 s at 512-token chunks (see README).
        self.batch_chunks = batch_chunks
        self.embed_batch = embed_batch
        self.save_every_s = save_every_s
        self._write_lock = threading.Lock()

    def _count_tokens(self, texts: Sequence[str]) -> list[int]:
        # Runs in the loader thread while the writer embeds: the embedder must count with its own
        # tokenizer instance (retrieval.embeddings does), never the one encode() configures per call.
        return self.embedder.count_tokens(texts)

    def _embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.embedder.embed_passages(texts, batch_size=self.embed_batch))

    # -- consistency -----------------------------------------------------------------------
    def reconcile_lexical(self) -> tuple[int, int]:
        """Make the lexical index hold exactly the manifest's chunks; returns (added, removed)."""
        return reconcile_lexical(self.lexical, self.manifest)

    def reconcile_crosslingual(self) -> int:
        """Give every Arabic term of the lexical index a vector (after an upgrade or an interrupted run)."""
        cl = self.crosslingual
        if cl is None:
            return 0
        cl.retain(self.lexical.vocab)
        missing = cl.missing(self.lexical.vocab)
        if not missing:
            if cl.dirty:
                cl.save()
            return 0
        # only the chunks that hold a missing term: after an interrupt that is a few, not the whole corpus
        texts = self.manifest.chunk_texts(self.lexical.chunks_with(missing))
        cl.observe(texts.values())
        cl.add_bare(cl.missing(self.lexical.vocab))  # terms whose text is gone: embed the term itself
        added = self._sync_crosslingual()
        log.info("cross-lingual term vectors reconciled: %d added", added)
        return added

    def record_scripts(self) -> int:
        """Label each chunk of an index made before Khabar recorded chunk scripts (mixed-language search needs
        them); returns how many chunks it labelled."""
        record = getattr(self.store, "record_scripts", None)
        return record() if record is not None else 0

    def _sync_crosslingual(self) -> int:
        cl = self.crosslingual
        if cl is None:
            return 0
        added = cl.sync(lambda words: self.embedder.embed_words(words, bulk=True)) if cl.pending else 0
        if cl.dirty:
            cl.save()
        return added

    # -- ingest ----------------------------------------------------------------------------
    def ingest(self, paths: Sequence[str | Path], *, prune: bool = False,
               progress: Callable[[dict], None] | None = None,
               stop: threading.Event | None = None) -> IngestReport:
        with self._write_lock:
            return self._ingest(iter_articles(paths), paths, prune=prune, progress=progress,
                                stop=stop or threading.Event())

    def ingest_articles(self, articles: Iterable[Article | LoadError], *,
                        progress: Callable[[dict], None] | None = None) -> IngestReport:
        """Index in-memory articles (e.g. evaluation paragraphs) through the same resumable path as files."""
        with self._write_lock:
            return self._ingest(iter(articles), [], prune=False, progress=progress, stop=threading.Event())

    def _ingest(self, items, paths, *, prune, progress, stop) -> IngestReport:
        t0 = time.perf_counter()
        rep = IngestReport()
        timings = {"load_chunk": 0.0, "embed": 0.0, "chroma": 0.0, "manifest": 0.0, "lexical": 0.0,
                   "crosslingual": 0.0}
        self.reconcile_lexical()
        self.record_scripts()
        self.manifest.set_meta("embedding_model", self.embedder.name)
        known = self.manifest.hashes()
        seen: set[str] = set()
        unreadable: set[str] = set()  # files (or archives) that exist but failed to load: never pruned
        stored_paths = self.manifest.paths()
        moved: dict[str, str] = {}  # unchanged articles found at another path (a file moved or renamed)
        q: queue.Queue = queue.Queue(maxsize=3)
        failure: list[BaseException] = []

        def produce() -> None:
            try:
                pending: list[tuple[Article, list[Chunk], int, bool]] = []
                n_chunks = 0
                t = time.perf_counter()
                for item in items:
                    if stop.is_set():
                        break
                    if isinstance(item, LoadError):
                        unreadable.add(_base_file(item.path))
                        rep.failed += 1
                        rep.errors.append({"path": item.path, "reason": item.reason})
                        log.info("skipped %s: %s", item.path, item.reason)  # the report lists it for the user
                        continue
                    rep.articles_seen += 1
                    item = _own_id(item, stored_paths)
                    if item.article_id in seen:
                        rep.errors.append({"path": item.path, "reason": f"duplicate article id {item.article_id}"})
                        continue
                    seen.add(item.article_id)
                    old = known.get(item.article_id)
                    if old == item.content_hash:
                        rep.unchanged += 1
                        if stored_paths.get(item.article_id) != item.path:
                            moved[item.article_id] = item.path
                        continue
                    chunks = chunk_article(item, self._count_tokens, self.max_tokens, self.overlap_tokens)
                    if not chunks:
                        rep.failed += 1
                        rep.errors.append({"path": item.path, "reason": "no indexable text"})
                        continue
                    if self.crosslingual is not None:  # spellings of new Arabic terms, while the writer embeds
                        self.crosslingual.observe([item.text])
                    pending.append((item, chunks, simhash64(normalize_arabic(item.text)), old is not None))
                    n_chunks += len(chunks)
                    if n_chunks >= self.batch_chunks:
                        timings["load_chunk"] += time.perf_counter() - t
                        q.put(_Batch(pending))
                        t = time.perf_counter()
                        pending, n_chunks = [], 0
                timings["load_chunk"] += time.perf_counter() - t
                if pending:
                    q.put(_Batch(pending))
            except BaseException as exc:  # surfaced in the consumer thread
                failure.append(exc)
            finally:
                q.put(None)

        producer = threading.Thread(target=produce, name="khabar-ingest-loader", daemon=True)
        producer.start()
        last_save = time.perf_counter()
        try:
            t = time.perf_counter()
            self.reconcile_crosslingual()  # the loader is already reading ahead meanwhile
            timings["crosslingual"] += time.perf_counter() - t
            while True:
                batch = q.get()
                if batch is None:
                    break
                self._write_batch(batch, rep, timings)
                if progress:
                    progress({"articles": rep.added + rep.updated + rep.unchanged, "seen": rep.articles_seen,
                              "chunks": rep.chunks_added + rep.chunks_reused, "failed": rep.failed,
                              "elapsed": time.perf_counter() - t0})
                if time.perf_counter() - last_save > self.save_every_s:
                    t = time.perf_counter()
                    self.lexical.save()
                    timings["lexical"] += time.perf_counter() - t
                    t = time.perf_counter()
                    self._sync_crosslingual()
                    timings["crosslingual"] += time.perf_counter() - t
                    last_save = time.perf_counter()
            if failure:
                raise failure[0]
            if moved:  # citations and --prune then point at where the file is now
                self.manifest.set_paths(moved)
            if prune and not stop.is_set():
                rep.removed = self._prune(paths, seen, unreadable)
            t = time.perf_counter()
            self._sync_crosslingual()  # not on an interrupt: the next run's reconcile picks the rest up
            timings["crosslingual"] += time.perf_counter() - t
        except KeyboardInterrupt:
            rep.interrupted = True
            stop.set()
            raise
        finally:
            stop.set()
            while producer.is_alive():
                try:
                    q.get(timeout=0.1)
                except queue.Empty:
                    pass
            t = time.perf_counter()
            if self.lexical.dirty:
                self.lexical.save()
            timings["lexical"] += time.perf_counter() - t
            rep.seconds = time.perf_counter() - t0
            rep.timings = timings
        return rep

    def _write_batch(self, batch: _Batch, rep: IngestReport, timings: dict[str, float]) -> None:
        items = batch.items
        flat: list[tuple[Article, Chunk]] = [(a, c) for a, chunks, _, _ in items for c in chunks]
        t = time.perf_counter()
        stored = self.store.stored_chunks([c.chunk_id for _, c in flat])
        todo: list[tuple[Article, Chunk]] = []
        relabel: list[tuple[Article, Chunk]] = []  # the same text under new metadata (a city, a title): same vector
        for a, c in flat:
            old_hash, old_text = stored.get(c.chunk_id, ("", None))
            if old_text != c.text:
                todo.append((a, c))
            elif old_hash != a.content_hash:
                relabel.append((a, c))
        if relabel:
            self.store.update_metadata(relabel)
        timings["chroma"] += time.perf_counter() - t
        if todo:
            t = time.perf_counter()
            vecs = self._embed_passages([c.text for _, c in todo])
            timings["embed"] += time.perf_counter() - t
            t = time.perf_counter()
            self.store.upsert_many(todo, np.asarray(vecs))
            timings["chroma"] += time.perf_counter() - t
        rep.chunks_added += len(todo)
        rep.chunks_reused += len(flat) - len(todo)
        stale: list[str] = []
        for a, chunks, _, is_update in items:
            if is_update:
                new_ids = {c.chunk_id for c in chunks}
                stale.extend(cid for cid in self.manifest.chunk_ids_of(a.article_id) if cid not in new_ids)
        t = time.perf_counter()
        self.manifest.commit_articles([(a, chunks, sh) for a, chunks, sh, _ in items])
        timings["manifest"] += time.perf_counter() - t
        if stale:
            t = time.perf_counter()
            self.store.delete(stale)
            timings["chroma"] += time.perf_counter() - t
        t = time.perf_counter()
        self.lexical.remove(stale)
        self.lexical.add([c.chunk_id for _, c in flat], [a.article_id for a, _ in flat], [c.text for _, c in flat])
        timings["lexical"] += time.perf_counter() - t
        for _, _, _, is_update in items:
            if is_update:
                rep.updated += 1
            else:
                rep.added += 1

    def _prune(self, paths: Sequence[str | Path], seen: set[str], unreadable: set[str] = frozenset()) -> int:
        """Remove articles under the ingested roots that this run no longer found, and articles whose files are
        gone; never those of a file that is there but failed to load this time (a truncated zip loses nothing)."""
        roots = [str(Path(p).resolve()) for p in paths]
        kept = {str(Path(f).resolve()) for f in unreadable}
        gone: list[str] = []
        for aid, path in self.manifest.paths().items():
            if aid in seen or not path:
                continue
            stored = _base_file(path)
            base = str(Path(stored).resolve())
            if base in kept:
                continue
            under = any(base == r or base.startswith(r.rstrip("/") + "/") for r in roots)
            # a relative path (indexes before paths were stored absolute) says nothing when run from elsewhere
            if under or (Path(stored).is_absolute() and not Path(base).exists()):
                gone.append(aid)
        self.remove_articles(gone)
        return len(gone)

    def remove_articles(self, article_ids: Iterable[str]) -> None:
        ids = list(article_ids)
        for aid in ids:
            chunk_ids = self.manifest.chunk_ids_of(aid)
            self.manifest.delete_articles([aid])
            self.store.delete(chunk_ids)
            self.store.delete_article(aid)
            self.lexical.remove(chunk_ids)
        if ids:
            self.lexical.save()


def reconcile_lexical(lexical, manifest) -> tuple[int, int]:
    """Make `lexical` hold exactly the manifest's chunks (adds missing, drops orphans); returns (added, removed)."""
    rows = list(manifest.iter_chunk_rows())
    want = {r[0]: r for r in rows}
    orphans = [cid for cid in lexical.ids() if cid not in want]
    lexical.remove(orphans)
    missing = [r for cid, r in want.items() if cid not in lexical]
    if missing:
        texts = manifest.chunk_texts([r[0] for r in missing])
        lexical.add([r[0] for r in missing], [r[1] for r in missing], [texts[r[0]] for r in missing])
    if orphans or missing or lexical.stale:
        log.info("lexical index reconciled: %d added, %d orphans removed", len(missing), len(orphans))
        lexical.save()
        lexical.stale = False
    return len(missing), len(orphans)
