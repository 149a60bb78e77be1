"""BM25 over Arabic-normalised, stemmed terms, persisted as one `.npz` (no pickle) beside Chroma.

Term counts are stored per chunk so the index updates incrementally; BM25 weights are derived
on load. The set of chunk ids is reconciled against the manifest, so it never keeps orphans.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from retrieval.analysis import ANALYZER_VERSION, DEFAULT_STEMMER, SCRIPTS, term_script
from retrieval.analysis import terms as default_terms
from retrieval import npzfile
from retrieval.errors import IndexCorruptError

log = logging.getLogger(__name__)

FORMAT = 2


class LexicalIndex:
    """An incrementally updatable BM25 index over chunks."""

    def __init__(self, path: Path | None = None, *, analyzer: Callable[[str], list[str]] = default_terms,
                 k1: float = 1.2, b: float = 0.75):
        self.path = Path(path) if path else None
        self.analyzer = analyzer
        self.k1, self.b = k1, b
        self._lock = threading.RLock()
        self.vocab: dict[str, int] = {}
        self.chunk_ids: list[str] = []
        self.article_ids: list[str] = []
        self._row_of: dict[str, int] = {}
        self._counts = sp.csr_matrix((0, 0), dtype=np.float32)
        self._pending: list[tuple[str, str, dict[int, int]]] = []
        self._deleted: set[int] = set()
        self._weights: sp.csc_matrix | None = None
        self._idf = np.zeros(0, dtype=np.float32)
        self._article_code: dict[str, int] = {}
        self._row_codes = np.zeros(0, dtype=np.int32)
        self._term_script = np.zeros(0, dtype=np.int8)  # per vocab id: 0 none, 1 arabic, 2 latin
        self._row_script = np.zeros(0, dtype=np.int8)
        self.dirty = False
        self.stale = False
        self.version = 0  # bumped by every add and removal (a cache of chunk data keys on it)

    # -- building --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._row_of)

    def ids(self) -> list[str]:
        """Chunk ids currently in the index (saved and pending, minus removed)."""
        return list(self._row_of)

    def __contains__(self, chunk_id: str) -> bool:
        return chunk_id in self._row_of

    def add(self, chunk_ids: Sequence[str], article_ids: Sequence[str], texts: Sequence[str]) -> None:
        with self._lock:
            for cid, aid, text in zip(chunk_ids, article_ids, texts):
                if cid in self._row_of:
                    self._deleted.add(self._row_of.pop(cid))
                tf: dict[int, int] = {}
                for t in self.analyzer(text):
                    j = self.vocab.setdefault(t, len(self.vocab))
                    tf[j] = tf.get(j, 0) + 1
                self._pending.append((cid, aid, tf))
                self._row_of[cid] = len(self.chunk_ids) + len(self._pending) - 1
            self._weights = None
            self.dirty = True
            self.version += 1

    def remove(self, chunk_ids: Iterable[str]) -> None:
        with self._lock:
            for cid in chunk_ids:
                row = self._row_of.pop(cid, None)
                if row is not None:
                    self._deleted.add(row)
                    self._weights = None
                    self.dirty = True
                    self.version += 1

    def _consolidate(self) -> None:
        """Fold pending rows in and drop deleted ones."""
        if not self._pending and not self._deleted:
            return
        n_old = len(self.chunk_ids)
        ids = self.chunk_ids + [p[0] for p in self._pending]
        arts = self.article_ids + [p[1] for p in self._pending]
        nv = len(self.vocab)
        old = self._counts
        if old.shape[1] < nv:
            old = sp.csr_matrix((old.data, old.indices, old.indptr), shape=(old.shape[0], nv))
        rows, cols, vals = [], [], []
        for i, (_, _, tf) in enumerate(self._pending):
            for j, c in tf.items():
                rows.append(i)
                cols.append(j)
                vals.append(c)
        new = sp.csr_matrix((np.asarray(vals, np.float32), (np.asarray(rows, np.int64), np.asarray(cols, np.int64))),
                            shape=(len(self._pending), nv))
        counts = sp.vstack([old, new], format="csr") if n_old else new
        if self._deleted:
            keep = np.ones(len(ids), dtype=bool)
            keep[list(self._deleted)] = False
            counts = counts[keep]
            ids = [c for c, k in zip(ids, keep) if k]
            arts = [a for a, k in zip(arts, keep) if k]
        self._counts = counts.tocsr()
        self.chunk_ids, self.article_ids = ids, arts
        self._row_of = {c: i for i, c in enumerate(ids)}
        self._pending, self._deleted = [], set()
        self._weights = None

    def _ensure_weights(self) -> None:
        """Derive BM25 weights and row scripts; readers hold the lock across this and their reads (rows renumber)."""
        with self._lock:
            self._consolidate()
            if self._weights is not None:
                return
            counts = self._counts
            n = counts.shape[0]
            if n == 0:
                self._weights = sp.csc_matrix((0, len(self.vocab)), dtype=np.float32)
                self._idf = np.zeros(len(self.vocab), dtype=np.float32)
                self._row_script = np.zeros(0, dtype=np.int8)
                return
            dl = np.asarray(counts.sum(axis=1)).ravel()
            avgdl = float(dl.mean()) or 1.0
            df = np.bincount(counts.indices, minlength=counts.shape[1])
            idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
            tf = counts.data
            row_len = np.repeat(dl, np.diff(counts.indptr))
            denom = tf + self.k1 * (1 - self.b + self.b * row_len / avgdl)
            data = (idf[counts.indices] * tf * (self.k1 + 1) / denom).astype(np.float32)
            w = sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)
            self._weights = w.tocsc()
            self._idf = idf
            self._article_code = {}
            codes = np.empty(n, dtype=np.int32)
            for i, a in enumerate(self.article_ids):
                codes[i] = self._article_code.setdefault(a, len(self._article_code))
            self._row_codes = codes
            self._row_script = self._scripts_of_rows(counts)

    def _scripts_of_rows(self, counts: sp.csr_matrix) -> np.ndarray:
        """Each chunk's script by the majority of its term occurrences (0 when it has no letters)."""
        have = len(self._term_script)
        if have < len(self.vocab):  # ids are handed out in insertion order and only grow: label the new terms
            codes = [1 + SCRIPTS.index(sc) if (sc := term_script(t)) else 0
                     for t in itertools.islice(self.vocab, have, None)]
            self._term_script = np.concatenate([self._term_script, np.asarray(codes, dtype=np.int8)])
        ts = self._term_script[: counts.shape[1]]
        ar = np.asarray(counts @ (ts == 1).astype(np.float32)).ravel()
        la = np.asarray(counts @ (ts == 2).astype(np.float32)).ravel()
        return np.where((ar >= la) & (ar > 0), 1, np.where(la > 0, 2, 0)).astype(np.int8)

    # -- querying --------------------------------------------------------------------------
    def script_counts(self) -> dict[str, int]:
        """How many chunks are mainly Arabic and how many mainly Latin (a mixed-language corpus has both)."""
        with self._lock:
            self._ensure_weights()
            n = np.bincount(self._row_script, minlength=3)
            return {name: int(n[i + 1]) for i, name in enumerate(SCRIPTS)}

    def chunks_in_script(self, script: str) -> list[tuple[str, str]]:
        """(chunk id, article id) of every chunk mainly in `script`."""
        with self._lock:
            self._ensure_weights()
            rows = np.flatnonzero(self._row_script == 1 + SCRIPTS.index(script))
            return [(self.chunk_ids[r], self.article_ids[r]) for r in rows]

    def chunk_scripts(self, chunk_ids: Sequence[str]) -> dict[str, str]:
        """The script of each given chunk ("" for unknown chunks and chunks without letters)."""
        with self._lock:
            self._ensure_weights()
            out = {}
            for c in chunk_ids:
                r = self._row_of.get(c)
                code = int(self._row_script[r]) if r is not None and r < len(self._row_script) else 0
                out[c] = SCRIPTS[code - 1] if code else ""
            return out

    def coverage(self, text: str) -> float:
        """Share of the query's terms (idf-weighted) the corpus knows: near 0 for English asked of Arabic text."""
        qt = self.analyzer(text)
        if not qt:
            return 0.0
        with self._lock:
            self._ensure_weights()
            idf = self._idf
            known = sum(1 for t in qt if (j := self.vocab.get(t)) is not None and j < len(idf) and idf[j] > 0)
        return known / len(qt)

    def search(self, text: str, *, k: int = 50, allowed_articles: set[str] | None = None) -> list[tuple[str, str, float]]:
        """Top-k (chunk_id, article_id, bm25) for `text`, restricted to `allowed_articles` when given."""
        return self.search_terms(dict.fromkeys(self.analyzer(text), 1.0), k=k, allowed_articles=allowed_articles)

    def search_terms(self, weights: Mapping[str, float], *, k: int = 50, allowed_articles: set[str] | None = None,
                     script: str = "") -> list[tuple[str, str, float]]:
        """Top-k (chunk_id, article_id, score) for a weighted bag of index terms (score = sum of weight x BM25),
        among the chunks mainly in `script` when given."""
        with self._lock:
            self._ensure_weights()
            cols, wts = self._columns(weights)
            w = self._weights
            if not cols or w is None or w.shape[0] == 0:
                return []
            scores = np.asarray(w[:, cols] @ wts).ravel()
            if allowed_articles is not None:
                mask_codes = np.zeros(len(self._article_code) + 1, dtype=bool)
                for a in allowed_articles:
                    c = self._article_code.get(a)
                    if c is not None:
                        mask_codes[c] = True
                scores = np.where(mask_codes[self._row_codes], scores, 0.0)
            if script:
                scores = np.where(self._row_script == 1 + SCRIPTS.index(script), scores, 0.0)
            nz = np.flatnonzero(scores > 0)
            if nz.size == 0:
                return []
            top = nz[np.argsort(-scores[nz], kind="stable")[:k]]
            return [(self.chunk_ids[i], self.article_ids[i], float(scores[i])) for i in top]

    def score_chunks(self, text: str, chunk_ids: Sequence[str]) -> dict[str, float]:
        """Exact BM25 of `text` for the given chunks (0 for unknown ones)."""
        return self.score_terms(dict.fromkeys(self.analyzer(text), 1.0), chunk_ids)

    def score_terms(self, weights: Mapping[str, float], chunk_ids: Sequence[str]) -> dict[str, float]:
        """Exact weighted BM25 of a bag of index terms for the given chunks (0 for unknown ones)."""
        with self._lock:
            self._ensure_weights()
            cols, wts = self._columns(weights)
            rows = [self._row_of.get(c) for c in chunk_ids]
            if not cols or self._weights is None:
                return {c: 0.0 for c in chunk_ids}
            known = [r for r in rows if r is not None]
            sub = self._weights[:, cols].tocsr()[known] if known else None
            vals = np.asarray(sub @ wts).ravel() if sub is not None else np.zeros(0)
            out, it = {}, iter(vals.tolist())
            for c, r in zip(chunk_ids, rows):
                out[c] = next(it) if r is not None else 0.0
            return out

    def chunks_with(self, terms: Iterable[str]) -> list[str]:
        """Ids of the chunks holding any of `terms` (where a term's written forms can be found again)."""
        with self._lock:
            self._ensure_weights()
            w = self._weights
            cols = sorted({self.vocab[t] for t in terms if t in self.vocab and self.vocab[t] < w.shape[1]})
            if not cols or w.shape[0] == 0:
                return []
            return [self.chunk_ids[r] for r in np.unique(w[:, cols].nonzero()[0])]

    def _columns(self, weights: Mapping[str, float]) -> tuple[list[int], np.ndarray]:
        cols, wts = [], []
        for t, x in weights.items():
            j = self.vocab.get(t)
            if j is not None and x > 0:
                cols.append(j)
                wts.append(x)
        return cols, np.asarray(wts, dtype=np.float32)

    def feedback_scores(self, seed_chunk_ids: Sequence[str], chunk_ids: Sequence[str], *,
                        n_terms: int = 30) -> dict[str, float]:
        """BM25 of `chunk_ids` for a pseudo-query made of the highest-idf terms of the seed chunks (earlier seeds
        weigh more): lexical evidence for a query whose own words the index does not know (English over Arabic)."""
        with self._lock:
            self._ensure_weights()
            w = self._weights
            seeds = [self._row_of[c] for c in seed_chunk_ids if c in self._row_of]
            if not seeds or w is None or w.shape[0] == 0:
                return {c: 0.0 for c in chunk_ids}
            counts = self._counts
            vote = np.zeros(counts.shape[1], dtype=np.float64)
            for rank, r in enumerate(seeds):
                lo, hi = counts.indptr[r], counts.indptr[r + 1]
                cols = counts.indices[lo:hi]
                vote[cols] += self._idf[cols] * np.exp(-rank)
            k = min(n_terms, int(np.count_nonzero(vote)))
            terms = np.argpartition(-vote, k - 1)[:k] if k else np.zeros(0, dtype=np.int64)
            rows = [self._row_of.get(c) for c in chunk_ids]
            known = [r for r in rows if r is not None]
            vals = np.asarray(w[:, terms].tocsr()[known].sum(axis=1)).ravel() if known and k else np.zeros(len(known))
            out, it = {}, iter(vals.tolist())
            for c, r in zip(chunk_ids, rows):
                out[c] = next(it) if r is not None else 0.0
            return out

    # -- persistence -----------------------------------------------------------------------
    def save(self) -> None:
        """Write atomically: a crash leaves either the old or the new file, never half of one."""
        if self.path is None:
            return
        with self._lock:
            self._consolidate()
            c = self._counts
            vocab_terms = np.array(sorted(self.vocab, key=self.vocab.__getitem__), dtype=str)
            arrays = dict(
                format=np.array([FORMAT]), analyzer=np.array([analyzer_id()]),
                data=c.data.astype(np.float32), indices=c.indices.astype(np.int32),
                indptr=c.indptr.astype(np.int64), shape=np.array(c.shape, dtype=np.int64),
                vocab=vocab_terms, chunk_ids=np.array(self.chunk_ids, dtype=str),
                article_ids=np.array(self.article_ids, dtype=str),
            )
            npzfile.write(self.path, arrays)
            self.dirty = False

    @classmethod
    def load(cls, path: Path, **kw) -> "LexicalIndex":
        """Open the saved index, or an empty one when none exists; corrupt files raise IndexCorruptError.

        A file written by an older format or analyzer is not an error: the index comes back empty with
        `stale=True`, and the caller rebuilds it from the manifest.
        """
        idx = cls(path, **kw)
        if not Path(path).exists():
            return idx
        try:
            arrays = npzfile.read(path)
            built_by = str(arrays["analyzer"][0]) if "analyzer" in arrays else "v1"
            if int(arrays["format"][0]) != FORMAT or built_by != analyzer_id():
                log.warning("lexical index %s was built by an older analyzer (%s); rebuilding it", path, built_by)
                idx.stale = True
                return idx
            shape = tuple(int(x) for x in arrays["shape"])
            idx._counts = sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
            idx.vocab = {t: i for i, t in enumerate(arrays["vocab"].tolist())}
            idx.chunk_ids = arrays["chunk_ids"].tolist()
            idx.article_ids = arrays["article_ids"].tolist()
            idx._row_of = {c: i for i, c in enumerate(idx.chunk_ids)}
        except Exception as exc:
            raise IndexCorruptError(f"the lexical index {path} is damaged ({exc}); "
                                    "run `khabar doctor --fix` to rebuild it") from exc
        return idx


def analyzer_id() -> str:
    """Names the term analysis the index was built with (a saved index from another one is rebuilt)."""
    return f"{DEFAULT_STEMMER}-v{ANALYZER_VERSION}"
