"""Typed, frozen records that flow from the corpus loaders into the index."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Article:
    """One news article as Khabar stores it.

    `text` is the cleaned display text (dateline kept, page furniture removed);
    every chunk offset and citation offset points into exactly this string.
    """

    article_id: str
    text: str
    title: str = ""
    source: str = ""  # outlet / publisher, e.g. "alriyadh"; "" when unknown
    agency: str = ""  # wire agency from the dateline, e.g. "شينخوا"
    city: str = ""  # dateline city, e.g. "بكين"
    date: str = ""  # ISO date YYYY-MM-DD ("" when unknown)
    url: str = ""
    author: str = ""
    path: str = ""  # where it was loaded from (file, or "archive.zip!member#index")
    content_hash: str = ""  # sha256 over the fields that affect the index


@dataclass(frozen=True, slots=True)
class Chunk:
    """A token-bounded, sentence-aligned span of an article: `text == article.text[start:end]`."""

    chunk_id: str
    article_id: str
    text: str
    start: int
    end: int
    index: int = 0


@dataclass(frozen=True, slots=True)
class LoadError:
    """A file or record that could not be loaded, with a reason a user can act on."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Dateline:
    """Metadata parsed from a news dateline such as `بكين 31 ديسمبر 2020 (شينخوا)`."""

    city: str = ""
    date: str = ""
    agency: str = ""
    end: int = 0  # offset just past the dateline in the text it was parsed from
    extra: dict = field(default_factory=dict)
