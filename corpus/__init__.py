"""Load, clean and chunk news articles; framework-free (no chromadb, no discord)."""
