"""Corpus errors a user can act on; front ends show them without a traceback."""

from __future__ import annotations

from retrieval.errors import KhabarError


class CorpusError(KhabarError):
    """Base class for problems with corpus input."""


class CorpusFileError(CorpusError):
    """A file cannot be read as an article source (empty, binary, undecodable, too large...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
