"""Typed, frozen results of search and answering, shared by every front end."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class Filters:
    """Metadata constraints applied inside the search (Chroma `where` and the lexical mask)."""

    source: str | tuple[str, ...] | None = None  # a tuple: any of these (the stored spellings of one name)
    agency: str | tuple[str, ...] | None = None
    city: str | tuple[str, ...] | None = None
    since: str | None = None  # inclusive ISO date
    until: str | None = None  # inclusive ISO date
    undated: bool = False  # articles with no date pass the window too (a window read from the question)

    def is_empty(self) -> bool:
        return not any((self.source, self.agency, self.city, self.since, self.until))


@dataclass(frozen=True, slots=True)
class Passage:
    """A scored span of an article; `text == article.text[start:end]`."""

    chunk_id: str
    text: str
    start: int
    end: int
    score: float


@dataclass(frozen=True, slots=True)
class Hit:
    """One article-level search result with its best passages."""

    article_id: str
    title: str
    source: str
    agency: str
    city: str
    date: str
    url: str
    path: str
    score: float
    passages: tuple[Passage, ...] = ()
    also_in: tuple[str, ...] = ()  # other outlets/article ids carrying the same wire story
    dense_score: float | None = None
    lexical_score: float | None = None
    script: str = ""  # "arabic"/"latin" of the best passage when the search mixed two languages' pools, else ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Citation:
    """A numbered, verifiable quote: `quote == article.text[start:end]`."""

    n: int
    article_id: str
    title: str
    source: str
    agency: str
    city: str
    date: str
    url: str
    path: str
    quote: str
    start: int
    end: int
    score: float
    also_in: tuple[str, ...] = ()
    cut_before: bool = False  # the quote starts inside a sentence (a long one cut to a window); show "…"
    cut_after: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def shown(self) -> str:
        """The quote as displayed: verbatim, with "…" where it was cut out of a longer sentence."""
        return ("… " if self.cut_before else "") + self.quote + (" …" if self.cut_after else "")


SMALL_TALK = "smalltalk"


@dataclass(frozen=True, slots=True)
class Answer:
    """What every front end shows: answer text with [n] markers, citations, or an abstention."""

    question: str
    language: str  # "ar" or "en"
    text: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    related: tuple[Citation, ...] = ()
    timings_ms: dict = field(default_factory=dict)
    mode: str = "extractive"  # or "llm", or SMALL_TALK (a greeting or thanks answered without a search)
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "language": self.language,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "related": [c.to_dict() for c in self.related],
            "timings_ms": dict(self.timings_ms),
            "mode": self.mode,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class Turn:
    """One earlier exchange of a conversation, used to resolve follow-up questions."""

    question: str
    answer: str = ""
    resolved_query: str = ""
