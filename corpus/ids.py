"""Stable identifiers: article ids from file stems or URLs, chunk ids from offsets, content hashes."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import PurePath
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from corpus.models import Article

_TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "mc_", "ref", "share")
_DEFAULT_PORTS = {"80", "443"}


def article_id_for_path(path: str | PurePath) -> str:
    """The file stem: `.../000_84ffc645cff79ea0.txt` → `000_84ffc645cff79ea0`."""
    return PurePath(str(path)).stem


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
