"""Stable identifiers: article ids from file stems or URLs, chunk ids from offsets, content hashes."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import replace
from pathlib import PurePath
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from corpus.models import Article

_TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "mc_", "ref", "share")
_DEFAULT_PORTS = {"80", "443"}


def article_id_for_path(path: str | PurePath) -> str:
    """The file stem: `.../000_84ffc645cff79ea0.txt` → `000_84ffc645cff79ea0`."""
    return PurePath(str(path)).stem


def is_file_stem_id(article: Article) -> bool:
    """Whether the article's id is its file's stem (a text file), not an id its record carries (URL, id field)."""
    return "!" not in article.path and "#" not in article.path and article.article_id == article_id_for_path(article.path)


def with_path_id(article: Article) -> Article:
    """The article under an id of its own path, stem + 8 hex: for a second file of the same name elsewhere."""
    digest = hashlib.sha256(article.path.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    own = replace(article, article_id=f"{article_id_for_path(article.path)}-{digest}")
    return replace(own, content_hash=content_hash(own))


def normalize_url(url: str) -> str:
    """One spelling per article URL: scheme, `www.`, default port, fragment, tracking parameters,
    percent-encoding and a trailing slash do not matter."""
    url = unicodedata.normalize("NFC", url.strip())
    try:
        return _normalize_url(url)
    except ValueError:  # malformed host or port: fall back to the raw spelling
        return url


def _normalize_url(url: str) -> str:
    parts = urlsplit(url if "//" in url else "//" + url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port and str(parts.port) not in _DEFAULT_PORTS else ""
    path = unicodedata.normalize("NFC", unquote(parts.path)).rstrip("/") or ""
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(_TRACKING_PREFIXES)]
    q = urlencode(sorted(query))
    return f"{host}{port}{path}" + (f"?{q}" if q else "")


def article_id_for_url(url: str) -> str:
    """`u` + 16 hex digits of sha256 over the normalised URL (same story, same id, whatever the source)."""
    return "u" + hashlib.sha256(normalize_url(url).encode("utf-8")).hexdigest()[:16]


def article_id_for_record(path: str, index: int) -> str:
    """`r` + 16 hex digits of sha256 over `path#index`, for records that carry neither id nor URL."""
    return "r" + hashlib.sha256(f"{path}#{index}".encode("utf-8")).hexdigest()[:16]


def chunk_id(article_id: str, start: int, end: int) -> str:
    """`{article_id}:{start}-{end}`: readable and unique within an article."""
    return f"{article_id}:{start}-{end}"


_HASHED_FIELDS = ("article_id", "text", "title", "source", "agency", "city", "date", "url", "author")


def content_hash(article: Article) -> str:
    """sha256 over the fields that affect the index (not `path`: moving a file does not re-index it)."""
    payload = json.dumps([getattr(article, f) for f in _HASHED_FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()
