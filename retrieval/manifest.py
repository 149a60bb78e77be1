"""The article manifest: what is indexed, its hash and text, in SQLite (WAL) under KHABAR_HOME.

The manifest is the commit point of an ingest: an article becomes visible to readers only once its
row is committed here, after its chunks are in Chroma, so readers never see a half-written article.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from corpus.models import Article, Chunk
from retrieval.errors import ArticleNotFoundError, IndexCorruptError
from retrieval.models import Filters

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    agency TEXT NOT NULL,
    city TEXT NOT NULL,
    date TEXT NOT NULL,
    url TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    simhash INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS articles_path ON articles(path);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source);
CREATE INDEX IF NOT EXISTS articles_agency ON articles(agency);
CREATE INDEX IF NOT EXISTS articles_city ON articles(city);
CREATE INDEX IF NOT EXISTS articles_date ON articles(date);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    idx INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
"""

_ARTICLE_COLS = "article_id, content_hash, path, title, source, agency, city, date, url, author, text"


def _row_to_article(row: Sequence) -> Article:
    return Article(
        article_id=row[0], content_hash=row[1], path=row[2], title=row[3], source=row[4],
        agency=row[5], city=row[6], date=row[7], url=row[8], author=row[9], text=row[10],
    )


class Manifest:
    """SQLite-backed record of indexed articles and their chunk spans."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            raise IndexCorruptError(f"the manifest {self.path} is unreadable ({exc}); "
                                    "run `khabar doctor --fix` to rebuild it") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- meta ------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- writes ----------------------------------------------------------------------------
    def commit_articles(self, items: Sequence[tuple[Article, Sequence[Chunk], int]]) -> None:
        """Record articles with their chunks atomically (the ingest's commit point)."""
        with self._lock, self._db:
            for article, chunks, simhash in items:
                self._db.execute("DELETE FROM chunks WHERE article_id=?", (article.article_id,))
                self._db.execute(
                    f"INSERT OR REPLACE INTO articles ({_ARTICLE_COLS}, simhash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (article.article_id, article.content_hash, article.path, article.title, article.source,
                     article.agency, article.city, article.date, article.url, article.author, article.text,
                     _signed64(simhash)),
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO chunks VALUES (?,?,?,?,?)",
                    [(c.chunk_id, article.article_id, c.start, c.end, c.index) for c in chunks],
                )

    def delete_articles(self, article_ids: Iterable[str]) -> None:
        ids = list(article_ids)
        with self._lock, self._db:
            self._db.executemany("DELETE FROM chunks WHERE article_id=?", [(i,) for i in ids])
            self._db.executemany("DELETE FROM articles WHERE article_id=?", [(i,) for i in ids])

    # -- reads -----------------------------------------------------------------------------
    def hashes(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT article_id, content_hash FROM articles"))

    def set_paths(self, paths: dict[str, str]) -> None:
        """Record where articles are loaded from now (the same content, moved)."""
        with self._lock, self._db:
            self._db.executemany("UPDATE articles SET path=? WHERE article_id=?", [(p, a) for a, p in paths.items()])

    def paths(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT article_id, path FROM articles"))

    def chunk_ids_of(self, article_id: str) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT chunk_id FROM chunks WHERE article_id=?", (article_id,))]

    def article(self, article_id: str) -> Article:
        with self._lock:
            row = self._db.execute(f"SELECT {_ARTICLE_COLS} FROM articles WHERE article_id=?",
                                   (article_id,)).fetchone()
        if row is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r} is indexed")
        return _row_to_article(row)

    def articles(self, article_ids: Iterable[str]) -> dict[str, Article]:
        ids = list(dict.fromkeys(article_ids))
        out: dict[str, Article] = {}
        with self._lock:
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                q = f"SELECT {_ARTICLE_COLS} FROM articles WHERE article_id IN ({','.join('?' * len(part))})"
                for row in self._db.execute(q, part):
                    out[row[0]] = _row_to_article(row)
        return out

    def simhashes(self, article_ids: Iterable[str]) -> dict[str, int]:
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        with self._lock:
            q = f"SELECT article_id, simhash FROM articles WHERE article_id IN ({','.join('?' * len(ids))})"
            return {a: s & 0xFFFFFFFFFFFFFFFF for a, s in self._db.execute(q, ids)}

    def iter_chunk_rows(self) -> Iterator[tuple[str, str, int, int, str]]:
        """Yield (chunk_id, article_id, start, end, content_hash) for every committed chunk."""
        with self._lock:
            rows = self._db.execute(
                "SELECT c.chunk_id, c.article_id, c.start, c.end, a.content_hash "
                "FROM chunks c JOIN articles a USING(article_id) ORDER BY c.article_id, c.idx").fetchall()
        yield from rows

    def chunk_spans(self, chunk_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """Committed (start, end) of each chunk id; absent ids are not (or no longer) visible."""
        out: dict[str, tuple[int, int]] = {}
        with self._lock:
            for i in range(0, len(chunk_ids), 500):
                part = list(chunk_ids[i:i + 500])
                q = f"SELECT chunk_id, start, end FROM chunks WHERE chunk_id IN ({','.join('?' * len(part))})"
                out.update({c: (s, e) for c, s, e in self._db.execute(q, part)})
        return out

    def chunk_texts(self, chunk_ids: Sequence[str]) -> dict[str, str]:
        """Chunk texts sliced from the stored article text (the source of truth for offsets)."""
        out: dict[str, str] = {}
        with self._lock:
            for i in range(0, len(chunk_ids), 500):
                part = list(chunk_ids[i:i + 500])
                q = ("SELECT c.chunk_id, substr(a.text, c.start + 1, c.end - c.start) FROM chunks c "
                     f"JOIN articles a USING(article_id) WHERE c.chunk_id IN ({','.join('?' * len(part))})")
                out.update(dict(self._db.execute(q, part)))
        return out

    def filter_article_ids(self, filters: Filters) -> set[str]:
        clauses, args = _filter_sql(filters)
        with self._lock:
            return {r[0] for r in self._db.execute(f"SELECT article_id FROM articles WHERE {clauses}", args)}

    def has_articles(self, filters: Filters) -> bool:
        """Whether any article passes the filters (a question's date window over a corpus from another time)."""
        clauses, args = _filter_sql(filters)
        with self._lock:
            return self._db.execute(f"SELECT 1 FROM articles WHERE {clauses} LIMIT 1", args).fetchone() is not None

    def newest_date(self, filters: Filters | None = None) -> str:
        """The latest article date passing the filters, not after today ("" when none is dated): "now" for a
        question about the latest news, so an archive from 2015 has a latest week too."""
        clauses, args = _filter_sql(filters or Filters())
        today = dt.date.today().isoformat()
        with self._lock:
            row = self._db.execute(
                f"SELECT MAX(date) FROM articles WHERE {clauses} AND date != '' AND date <= ?", [*args, today]
            ).fetchone()
        return row[0] or ""

    def field_values(self, field: str) -> list[str]:
        """The distinct non-empty values of an article field a filter can name (source, agency or city)."""
        with self._lock:
            return [r[0] for r in self._db.execute(
                f"SELECT DISTINCT {_filter_field(field)} FROM articles WHERE {field} != ''")]

    def top_values(self, field: str, n: int) -> list[str]:
        """The `n` most common values of a filter field (to suggest when a typed one matches nothing)."""
        col = _filter_field(field)
        with self._lock:
            return [r[0] for r in self._db.execute(
                f"SELECT {col} FROM articles WHERE {col} != '' GROUP BY {col} ORDER BY COUNT(*) DESC LIMIT ?", (n,))]

    def counts(self) -> dict:
        with self._lock:
            articles = self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            chunks = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            sources = dict(self._db.execute(
                "SELECT source, COUNT(*) FROM articles WHERE source != '' GROUP BY source ORDER BY 2 DESC"))
            dmin, dmax = self._db.execute(
                "SELECT MIN(date), MAX(date) FROM articles WHERE date != ''").fetchone()
        return {"articles": articles, "chunks": chunks, "sources": sources, "date_min": dmin, "date_max": dmax}

    def integrity_ok(self) -> bool:
        with self._lock:
            return self._db.execute("PRAGMA quick_check").fetchone()[0] == "ok"

    def dump_meta(self) -> str:
        with self._lock:
            return json.dumps(dict(self._db.execute("SELECT key, value FROM meta")), ensure_ascii=False)


def _filter_field(field: str) -> str:
    """The column name, checked: only these three are ever put into SQL text."""
    if field not in ("source", "agency", "city"):
        raise ValueError(f"not a filter field: {field}")
    return field


def _signed64(v: int) -> int:
    v &= 0xFFFFFFFFFFFFFFFF
    return v - (1 << 64) if v >= (1 << 63) else v


def _filter_sql(f: Filters) -> tuple[str, list]:
    clauses, args = ["1=1"], []
    for col, val in (("source", f.source), ("agency", f.agency), ("city", f.city)):
        if val:
            values = [val] if isinstance(val, str) else list(val)
            clauses.append(f"{col} IN ({', '.join('?' * len(values))})")
            args.extend(values)
    window, dates = [], []
    if f.since:
        window.append("date >= ?")
        dates.append(f.since)
    if f.until:
        window.append("date <= ?")
        dates.append(f.until)
    if window:
        within = "date != '' AND " + " AND ".join(window)
        clauses.append(f"(date = '' OR ({within}))" if f.undated else f"({within})")
        args.extend(dates)
    return " AND ".join(clauses), args
