"""The Embedder the ingest and search code use: sentence-transformers with e5 prompts and length-bucketed batches."""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from retrieval.embeddings.resolve import DEFAULT_MODEL, ResolvedModel, family_prompts, resolve
from retrieval.errors import ModelUnavailableError

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
BACKENDS = ("auto", "onnx", "torch")
DEFAULT_THREADS = 2
QUERY_CACHE_SIZE = 256


class Embedder:
    """L2-normalised float32 embeddings for passages and queries; safe to call from several threads."""

    def __init__(self, st, *, name: str, path: Path, backend: str, max_seq_length: int) -> None:
        self._st = st
        self._lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._query_cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.name = name
        self.path = Path(path)
        self.backend = backend
        st.max_seq_length = max_seq_length
        self.max_seq_length = int(max_seq_length)
        self.dimension = int(st.get_embedding_dimension())
        prompts = dict(getattr(st, "prompts", None) or {})
        fam = family_prompts(name)
        self.query_prompt = prompts.get("query", fam["query"])
        self.passage_prompt = prompts.get("passage", prompts.get("document", fam["passage"]))
        self._tokenizer = st.tokenizer
        self._specials = self._count_specials()
        self._passage_prompt_tokens = self._raw_counts([self.passage_prompt])[0] if self.passage_prompt else 0

    @property
    def model(self):
        """The underlying SentenceTransformer (for callers that need its full API)."""
        return self._st

    @property
    def _counter(self):
        # A private copy of the Rust tokenizer: calling the shared HF tokenizer from the ingest's loader
        # thread changes its truncation/padding state under a concurrent encode() and breaks batching.
        tok = getattr(self, "_count_tok", None)
        if tok is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_str(self._tokenizer.backend_tokenizer.to_str())
            tok.no_truncation()
            tok.no_padding()
            self._count_tok = tok
        return tok

    def _raw_counts(self, texts: Sequence[str]) -> list[int]:
        return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]

    def _count_specials(self) -> int:
        with_sp = self._counter.encode("a", add_special_tokens=True).ids
        return len(with_sp) - self._raw_counts(["a"])[0]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens of each text alone (no specials, no prompt), via the fast batch tokenizer."""
        if not texts:
            return []
        return self._raw_counts(texts)

    @property
    def passage_token_budget(self) -> int:
        """Largest chunk (in tokens) whose prompt + special tokens still fit max_seq_length."""
        return self.max_seq_length - self._specials - self._passage_prompt_tokens

    def _embed(self, texts: Sequence[str], prompt: str, batch_size: int, kind: str) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        if any(not isinstance(t, str) for t in texts):
            raise TypeError("texts must be strings")
        batch_size = max(1, int(batch_size))
        # Sort by token count so each batch pads only to its own longest text; restore order afterwards.
        order = np.argsort(np.asarray(self._raw_counts(texts)), kind="stable")
        out = np.empty((len(texts), self.dimension), np.float32)
        with self._lock:
            select = getattr(self._st[0], "select_input_kind", None)  # the ONNX path's fp32 query graph
            if select is not None:
                select(kind)
            for i in range(0, len(order), batch_size):
                idx = order[i : i + batch_size]
                vecs = self._st.encode(
                    [prompt + texts[j] for j in idx],
                    batch_size=len(idx),
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                )
                out[idx] = vecs
        return out

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Passage vectors (the model's document prompt, e.g. "passage: ")."""
        return self._embed(texts, self.passage_prompt, batch_size, "passage")

    def embed_queries(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Query vectors (the model's query prompt, e.g. "query: "); recent single queries come from a cache."""
        texts = list(texts)
        if len(texts) != 1 or not isinstance(texts[0], str):
            return self._embed(texts, self.query_prompt, batch_size, "query")
        # `ask` embeds its question for the search and again to score sentences; chat users repeat questions.
        key = (self.query_prompt, texts[0])
        with self._cache_lock:
            hit = self._query_cache.get(key)
            if hit is not None:
                self._query_cache.move_to_end(key)
                return hit[None, :].copy()
        vec = self._embed(texts, self.query_prompt, batch_size, "query")
        with self._cache_lock:
            self._query_cache[key] = vec[0].copy()
            while len(self._query_cache) > QUERY_CACHE_SIZE:
                self._query_cache.popitem(last=False)
        return vec

    def embed_words(self, words: Sequence[str], *, bulk: bool = False, batch_size: int = 256) -> np.ndarray:
        """Vectors of single words with the query prompt, for cross-lingual term matching.

        `bulk` (a whole vocabulary at ingest) runs through the fast passage graph; a question's few words go
        through the exact query graph like the question itself.
        """
        return self._embed(words, self.query_prompt, batch_size, "passage" if bulk else "query")

    def clear_query_cache(self) -> None:
        """Forget cached query vectors (latency benchmarks time a question the process has not seen)."""
        with self._cache_lock:
            self._query_cache.clear()

    def info(self) -> dict:
        """What `khabar model info --json` prints."""
        return {
            "name": self.name,
            "path": str(self.path),
            "backend": self.backend,
            "dimension": self.dimension,
            "max_seq_length": self.max_seq_length,
        }

    def __repr__(self) -> str:
        return f"Embedder({self.name!r}, backend={self.backend!r}, dim={self.dimension}, max_seq={self.max_seq_length})"


def _load_st(res: ResolvedModel, *, threads: int):
    from sentence_transformers import SentenceTransformer

    try:
        if res.path is not None:
            st = SentenceTransformer(str(res.path), device="cpu", local_files_only=True)
        else:
            st = SentenceTransformer(
                res.name, device="cpu", cache_folder=str(res.cache_folder), local_files_only=res.local_files_only
            )
    except Exception as e:  # noqa: BLE001 - surface any load failure as a domain error
        raise ModelUnavailableError(f"cannot load embedding model {res.name!r}: {e}") from e
    if not getattr(st, "prompts", None) or not any(st.prompts.get(k) for k in ("query", "passage")):
        fam = family_prompts(res.name)
        st.prompts = {**(st.prompts or {}), **fam}
    return st


def _st_folder(st, res: ResolvedModel) -> Path:
    if res.path is not None:
        return res.path
    # A hub model: the snapshot folder sentence-transformers loaded from.
    first = st[0]
    for attr in ("auto_model", "model"):
        cfg = getattr(getattr(first, attr, None), "config", None)
        p = getattr(cfg, "_name_or_path", None)
        if p and Path(p).is_dir():
            return Path(p)
    return Path(str(res.cache_folder))


def load_embedder(
    model: str = DEFAULT_MODEL,
    *,
    model_dir: Path,
    backend: str = "auto",
    max_seq_length: int = 256,
    threads: int | None = None,
    progress: Progress | None = None,
) -> Embedder:
    """Resolve (building offline if needed) and load an embedding model; backend auto = ONNX int8, else torch fp32."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    threads = int(threads or os.environ.get("KHABAR_EMBED_THREADS") or DEFAULT_THREADS)
    res = resolve(model, Path(model_dir), progress)
    st = _load_st(res, threads=threads)
    path = _st_folder(st, res)
    name = model or DEFAULT_MODEL
    if backend in ("auto", "onnx"):
        from retrieval.embeddings.onnx_backend import OnnxUnavailable, use_onnx

        try:
            use_onnx(st, folder=path, model_dir=Path(model_dir), threads=threads, progress=progress)
            return Embedder(st, name=name, path=path, backend="onnx-int8", max_seq_length=max_seq_length)
        except OnnxUnavailable as e:
            if backend == "onnx":
                raise ModelUnavailableError(f"ONNX backend unavailable for {name}: {e}") from e
            log.info("ONNX int8 path unavailable (%s); using torch fp32", e)
    import torch

    torch.set_num_threads(threads)
    return Embedder(st, name=name, path=path, backend="torch-fp32", max_seq_length=max_seq_length)


def model_info(embedder: Embedder | None = None, /, **load_args) -> dict:
    """{"name","path","backend","dimension","max_seq_length"} of an Embedder, or of the one load_args would load."""
    if embedder is None:
        embedder = load_embedder(**load_args)
    return embedder.info()


def install_model(model: str = DEFAULT_MODEL, *, model_dir: Path, progress: Progress | None = None) -> Embedder:
    """Build or download the model folder (and its int8 ONNX twin when possible); return the loaded Embedder."""
    return load_embedder(model, model_dir=model_dir, backend="auto", progress=progress)
