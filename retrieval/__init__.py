"""Embed, index, search and answer over the corpus."""
