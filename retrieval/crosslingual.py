"""English words to Arabic index terms through the multilingual embedding model: BM25 for English questions.

BM25 knows none of an English question's words in Arabic text, so hybrid search used to fall back to
dense alone there. Every Arabic term of the lexical index is embedded once (as the word most often
written for it, with the model's query prompt); the English words of a question that BM25 does not know
are embedded at search time and each picks its nearest Arabic terms, weighted by how close each is to the
word's best match. The weighted terms then score chunks with the ordinary BM25 weights (the README has
the measured effect on XQuAD en→ar).

Persisted as one `.npz` (no pickle, vectors in float16) beside the lexical index; tied to the embedding
model that made the vectors and the analyzer that made the terms, so another of either starts afresh.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path

import numpy as np

from retrieval.analysis import arabic_term_words
from retrieval import npzfile

log = logging.getLogger(__name__)

FORMAT = 1
_ARABIC_TERM = re.compile(r"^[\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff]")
SAVE_EVERY_S = 30.0

EmbedWords = Callable[[Sequence[str]], np.ndarray]


class CrossLingualTerms:
    """Vectors of the lexical index's Arabic terms, and the translation of English words into them."""

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
        """Count how new Arabic terms are written in `texts` (cheap; embedding waits for `sync`)."""
        self._read()
        for text in texts:
            pairs = [(t, w) for t, w in arabic_term_words(text) if t not in self._row and _ARABIC_TERM.match(t)]
            if not pairs:
                continue
            with self._lock:  # one text at a time: a search translating meanwhile never waits long
                for term, word in pairs:
                    if term not in self._row:
                        self._pending.setdefault(term, Counter())[word] += 1

    def missing(self, vocabulary: Iterable[str]) -> list[str]:
        """Arabic terms of a lexical vocabulary with neither a vector nor a pending spelling."""
        self._read()
        with self._lock:
            return [t for t in vocabulary if _ARABIC_TERM.match(t) and t not in self._row and t not in self._pending]

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
                self._blocks, self._matrix = ([mat] if keep else []), None
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
                    self._matrix = None
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
    def translate(self, words: Sequence[str], embed_words: EmbedWords) -> dict[str, float]:
        """Weighted Arabic index terms for (English) `words` ({} when there are no vectors).

        Each word takes its `neighbours` nearest terms, weighted exp((cos - best cos) / temperature), so a
        word with one clear translation keeps it and a vague word spreads thin.
        """
        with self._lock:
            mat, terms = self._vectors(), self._terms
        out: dict[str, float] = {}
        if not words or mat.size == 0:
            return out
        sims = np.asarray(embed_words(list(words)), dtype=np.float32) @ mat.T
        m = min(self.neighbours, sims.shape[1])
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
