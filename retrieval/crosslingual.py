"""Words of one language to index terms of the other through the multilingual embedding model.

BM25 knows none of an English question's words in Arabic text, so hybrid search used to fall back to
dense alone there. Every term of the lexical index (Arabic and Latin-script) is embedded once (as the word
most often written for it, with the model's query prompt); the English words of a question that BM25 does
not know are embedded at search time and each picks its nearest Arabic terms, weighted by how close each
is to the word's best match. The weighted terms then score chunks with the ordinary BM25 weights (the
README has the measured effect on XQuAD en→ar). In a corpus with articles in both languages the same
vectors translate an Arabic question's words into English terms, for the English articles.

Persisted as one `.npz` (no pickle, vectors in float16) beside the lexical index; tied to the embedding
model that made the vectors and the analyzer that made the terms, so another of either starts afresh.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path

import numpy as np

from retrieval.analysis import term_script, term_words
from retrieval import npzfile

log = logging.getLogger(__name__)

FORMAT = 1
SAVE_EVERY_S = 30.0

EmbedWords = Callable[[Sequence[str]], np.ndarray]


class CrossLingualTerms:
    """Vectors of the lexical index's terms, and the translation of words of one language into the other's."""

    def __init__(self, path: Path | None = None, *, model: str = "", analyzer: str = "", neighbours: int = 8,
                 temperature: float = 0.02) -> None:
        self.path = Path(path) if path else None
        self.model = model
        self.analyzer = analyzer  # the lexical analyzer whose terms these are (another one means other stems)
        self.neighbours = neighbours
        self.temperature = temperature
        self._lock = threading.RLock()
        self._terms: list[str] = []
        self._words: list[str] = []
        self._row: dict[str, int] = {}
        self._blocks: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None
        self._pending: dict[str, Counter] = {}
        self._script_rows: dict[str, tuple] = {}  # script -> (n terms, vectors, terms), cached by `_rows_in`
        self.dirty = False
        self._unread = False  # a saved file not read yet (`load` defers it to first use)

    def __len__(self) -> int:
        self._read()
        return len(self._terms)

    @property
    def terms(self) -> list[str]:
        """The Arabic index terms that have vectors, in row order."""
        self._read()
        return self._terms

    @property
    def words(self) -> list[str]:
        """The spelling each term was embedded as."""
        self._read()
        return self._words

    @property
    def pending(self) -> int:
        """Terms seen in indexed text whose vectors are not computed yet."""
        return len(self._pending)

    # -- building --------------------------------------------------------------------------
    def observe(self, texts: Iterable[str]) -> None:
        """Count how new terms are written in `texts` (cheap; embedding waits for `sync`)."""
        self._read()
        for text in texts:
            pairs = [(t, w) for t, w in term_words(text) if t not in self._row and term_script(t)]
            if not pairs:
                continue
            with self._lock:  # one text at a time: a search translating meanwhile never waits long
                for term, word in pairs:
                    if term not in self._row:
                        self._pending.setdefault(term, Counter())[word] += 1

    def missing(self, vocabulary: Iterable[str]) -> list[str]:
        """Terms (Arabic or Latin-script) of a lexical vocabulary with neither a vector nor a pending spelling."""
        self._read()
        with self._lock:
            return [t for t in vocabulary if t not in self._row and t not in self._pending and term_script(t)]

    def add_bare(self, terms: Iterable[str]) -> None:
        """Queue terms whose written form is unknown (their text is gone): the term itself gets embedded."""
        self._read()
        with self._lock:
            for t in terms:
                if t not in self._row:
                    self._pending.setdefault(t, Counter())[t] += 1

    def retain(self, vocabulary: Collection[str]) -> int:
        """Drop vectors of terms the lexical index no longer has; returns how many were dropped."""
        self._read()
        with self._lock:
            keep = [i for i, t in enumerate(self._terms) if t in vocabulary]
            dropped = len(self._terms) - len(keep)
            if dropped:
                mat = self._vectors()[keep] if keep else np.zeros((0, 0), np.float32)
                self._terms = [self._terms[i] for i in keep]
                self._words = [self._words[i] for i in keep]
                self._row = {t: i for i, t in enumerate(self._terms)}
                self._blocks, self._matrix, self._script_rows = ([mat] if keep else []), None, {}
                self.dirty = True
            return dropped

    def sync(self, embed_words: EmbedWords, *, batch: int = 4096, save_every_s: float = SAVE_EVERY_S) -> int:
        """Embed every pending term's most frequent spelling; returns how many vectors were added.

        A long run (a whole corpus's vocabulary) saves on the way, so an interrupt keeps what was embedded.
        """
        self._read()
        with self._lock:
            todo = [(term, counts.most_common(1)[0][0]) for term, counts in self._pending.items()]
        added, last_save = 0, time.monotonic()
        for start in range(0, len(todo), batch):
            part = todo[start : start + batch]
            vecs = np.asarray(embed_words([w for _, w in part]), dtype=np.float32)
            with self._lock:
                keep = [k for k, (term, _) in enumerate(part) if term not in self._row]
                for k in keep:
                    term, word = part[k]
                    self._row[term] = len(self._terms)
                    self._terms.append(term)
                    self._words.append(word)
                    self._pending.pop(term, None)
                if keep:
                    self._blocks.append(vecs[keep])
                    self._matrix, self._script_rows = None, {}
                    self.dirty = True
                added += len(keep)
            if self.path is not None and time.monotonic() - last_save > save_every_s:
                self.save()
                last_save = time.monotonic()
        return added

    def _vectors(self) -> np.ndarray:
        self._read()
        with self._lock:
            if self._matrix is None or len(self._matrix) != len(self._terms):
                self._matrix = np.concatenate(self._blocks) if self._blocks else np.zeros((0, 0), np.float32)
                self._blocks = [self._matrix] if self._blocks else []
            return self._matrix

    # -- translating -----------------------------------------------------------------------
    def _rows_in(self, script: str) -> tuple[np.ndarray, list[str], np.ndarray | None]:
        """(vectors, terms, columns to ignore or None) for translating into one script's terms; cached until
        the vectors change. A minority script gets its own small copy; the bulk shares the whole matrix."""
        with self._lock:
            mat, terms = self._vectors(), self._terms
            cached = self._script_rows.get(script)
            if cached is None or cached[0] != len(terms):
                mask = np.fromiter((term_script(t) == script for t in terms), dtype=bool, count=len(terms))
                if 2 * int(mask.sum()) <= len(terms):
                    rows = np.flatnonzero(mask)
                    cached = (len(terms), mat[rows] if rows.size else mat[:0], [terms[i] for i in rows], None)
                else:
                    cached = (len(terms), mat, terms, None if mask.all() else ~mask)
                self._script_rows[script] = cached
            return cached[1], cached[2], cached[3]

    def translate(self, words: Sequence[str | Sequence[str]], embed_words: EmbedWords, *,
                  into: str = "arabic") -> dict[str, float]:
        """Weighted index terms in the script `into` for `words` of the other language ({} without vectors).

        Each word takes its `neighbours` nearest terms, weighted exp((cos - best cos) / temperature), so a
        word with one clear translation keeps it and a vague word spreads thin. A word may come as several
        spellings ("yemen", "Yemen"); the one whose nearest term is closest speaks for it.
        """
        mat, terms, ignore = self._rows_in(into)
        out: dict[str, float] = {}
        usable = mat.shape[0] - (int(ignore.sum()) if ignore is not None else 0)  # `terms` may grow meanwhile
        if not words or mat.size == 0 or usable == 0:
            return out
        groups = [(w,) if isinstance(w, str) else tuple(w) for w in words]
        sims = np.asarray(embed_words([f for g in groups for f in g]), dtype=np.float32) @ mat.T
        if ignore is not None:
            sims[:, ignore] = -np.inf
        ends = np.cumsum([len(g) for g in groups])
        sims = np.stack([block[int(np.argmax(block.max(axis=1)))] for block in np.split(sims, ends[:-1])])
        m = min(self.neighbours, usable)
        for row in sims:
            best = np.argpartition(-row, m - 1)[:m]
            top = float(row[best].max())
            for j in best:
                w = float(np.exp((row[j] - top) / self.temperature))
                if w > out.get(terms[j], 0.0):
                    out[terms[j]] = w
        return out

    # -- persistence -----------------------------------------------------------------------
    def save(self) -> None:
        """Write atomically (old file or new file after a crash, never half of one)."""
        if self.path is None:
            return
        self._read()
        with self._lock:  # snapshot; the (tens of MB) write happens outside the lock
            arrays = dict(format=np.array([FORMAT]), model=np.array([self.model]),
                          analyzer=np.array([self.analyzer]), terms=np.array(self._terms, dtype=str),
                          words=np.array(self._words, dtype=str), vectors=self._vectors().astype(np.float16))
            self.dirty = False
        try:
            npzfile.write(self.path, arrays)
        except BaseException:
            self.dirty = True
            raise

    @classmethod
    def load(cls, path: Path, *, model: str = "", analyzer: str = "", **kw) -> "CrossLingualTerms":
        """Open the saved vectors, read on first use: searching Arabic questions never pays for them.

        An absent or damaged file, or one of another model, analyzer or format, starts empty (the next
        `khabar ingest` fills it from the indexed text).
        """
        out = cls(path, model=model, analyzer=analyzer, **kw)
        out._unread = Path(path).exists()
        return out

    def _read(self) -> None:
        if not self._unread:
            return
        with self._lock:
            if not self._unread:
                return
            # `_unread` turns False only once the data is in place: a second thread waits on the lock instead
            # of seeing empty lists, and a Ctrl-C during the read leaves the file to be read on next use.
            path = self.path
            try:
                arrays = npzfile.read(path)
                same = (int(arrays["format"][0]) == FORMAT and str(arrays["model"][0]) == self.model
                        and str(arrays["analyzer"][0]) == self.analyzer)
                terms, words, vecs = arrays["terms"].tolist(), arrays["words"].tolist(), arrays["vectors"]
                if same and not len(terms) == len(words) == len(vecs):
                    raise ValueError("terms, words and vectors differ in length")
            except Exception as exc:  # noqa: BLE001 - derived data: the next ingest rebuilds it
                log.warning("cross-lingual term vectors %s are damaged (%s); `khabar ingest` rebuilds them",
                            path, exc)
                self.dirty, self._unread = True, False
                return
            if not same:
                log.info("cross-lingual term vectors %s belong to another model, analyzer or format; "
                         "starting afresh", path)
                self.dirty, self._unread = True, False
                return
            self._terms, self._words = terms, words
            self._row = {t: i for i, t in enumerate(terms)}
            self._blocks = [vecs.astype(np.float32)] if len(vecs) else []
            self._unread = False
