"""Deterministic stand-ins for heavy backends, for unit tests only (every real path has an integration test)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)


class HashEmbedder:
    """Bag-of-hashed-words embedder: texts sharing words get similar unit vectors."""

    name = "test/hash-embedder"
    dimension = 64
    max_seq_length = 256

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, dtype=np.float32)
        for w in _WORD.findall(text.lower()):
            h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
            v[h % self.dimension] += 1.0
        n = float(np.linalg.norm(v))
        if n == 0:
            v[0] = 1.0
            n = 1.0
        return v / n

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def embed_queries(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self.embed_passages(texts)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(_WORD.findall(t)) + t.count(" ") // 4 for t in texts]


class GlossEmbedder(HashEmbedder):
    """HashEmbedder whose single-word vectors know a few English glosses (a stand-in for the multilingual model)."""

    name = "test/gloss-embedder"
    GLOSS = {"falcon": "الصقر", "pigeon": "حمامة", "camel": "الهجن", "race": "سباق", "oil": "النفط"}

    def __init__(self):
        self.word_calls: list[tuple[list[str], bool]] = []

    def embed_words(self, words, *, bulk: bool = False, batch_size: int = 256):
        self.word_calls.append((list(words), bulk))
        return self.embed_passages([self.GLOSS.get(w, w) for w in words])

