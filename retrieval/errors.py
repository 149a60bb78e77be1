"""Domain exceptions; each front end maps them to a friendly message in one handler."""


class KhabarError(Exception):
    """Base class for errors a user can act on (shown without a traceback)."""


class ModelMismatchError(KhabarError):
    """The index was built with another embedding model; rebuild it with `--rebuild`."""


class IndexCorruptError(KhabarError):
    """A persisted index or manifest is unreadable; `khabar doctor --fix` rebuilds it."""


class BadQuestionError(KhabarError):
    """The question is empty, too long or has no searchable content, or a filter names nothing indexed.

    `ar` carries the same message in Arabic: every raise site says it in both languages, and each front end
    shows the one of the question.
    """

    def __init__(self, message: str, *, ar: str = "") -> None:
        super().__init__(message)
        self.ar = ar


class ArticleNotFoundError(KhabarError):
    """No article with that id is indexed."""


class ModelUnavailableError(KhabarError):
    """The embedding model cannot be loaded or built on this machine."""
