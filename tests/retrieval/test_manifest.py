"""The SQLite manifest: atomic commits, reads, filters, counts and corruption detection."""

from __future__ import annotations

import pytest

from corpus.models import Article, Chunk
from retrieval.errors import ArticleNotFoundError, IndexCorruptError
from retrieval.manifest import Manifest
from retrieval.models import Filters


def _item(aid: str, text: str, **kw) -> tuple[Article, list[Chunk], int]:
    art = Article(article_id=aid, text=text, content_hash=f"h-{aid}-{len(text)}", **kw)
    half = len(text) // 2
    chunks = [Chunk(f"{aid}::0", aid, text[:half], 0, half, 0), Chunk(f"{aid}::1", aid, text[half:], half, len(text), 1)]
    return art, chunks, (1 << 63) + 5  # high bit set: stored signed, read back unsigned


def test_commit_and_read_back(tmp_path):
    m = Manifest(tmp_path / "m.sqlite3")
    m.commit_articles([_item("a", "بكين خبر أول طويل", source="x", city="بكين", date="2020-12-31"),
                       _item("b", "الرياض خبر ثان", source="y", date="2015-07-23")])
    assert m.article("a").city == "بكين"
    assert m.hashes()["b"].startswith("h-b")
    assert m.chunk_ids_of("a") == ["a::0", "a::1"]
    assert m.simhashes(["a"]) == {"a": (1 << 63) + 5}
    texts = m.chunk_texts(["a::0", "a::1"])
    assert texts["a::0"] + texts["a::1"] == "بكين خبر أول طويل"
    assert m.counts() == {"articles": 2, "chunks": 4, "sources": {"x": 1, "y": 1},
                          "date_min": "2015-07-23", "date_max": "2020-12-31"}
    assert m.filter_article_ids(Filters(since="2016-01-01")) == {"a"}
    assert m.filter_article_ids(Filters(source="y")) == {"b"}
    assert m.integrity_ok()
    with pytest.raises(ArticleNotFoundError):
        m.article("nope")


def test_recommit_replaces_chunks_and_delete(tmp_path):
    m = Manifest(tmp_path / "m.sqlite3")
    m.commit_articles([_item("a", "نص قديم جدا")])
    art, _, sh = _item("a", "نص جديد")
    m.commit_articles([(art, [Chunk("a::new", "a", "نص جديد", 0, 7, 0)], sh)])
    assert m.chunk_ids_of("a") == ["a::new"]
    assert [r[0] for r in m.iter_chunk_rows()] == ["a::new"]
    m.delete_articles(["a"])
    assert m.counts()["articles"] == 0 and list(m.iter_chunk_rows()) == []


def test_commit_is_atomic(tmp_path):
    """A failure mid-commit leaves none of the batch visible."""
    m = Manifest(tmp_path / "m.sqlite3")
    good = _item("a", "نص سليم")
    bad_art = Article(article_id="b", text="x", content_hash=None)  # NOT NULL violated
    with pytest.raises(Exception):
        m.commit_articles([good, (bad_art, [], 0)])
    assert m.counts()["articles"] == 0


def test_persists_and_second_reader_sees_commits(tmp_path):
    writer = Manifest(tmp_path / "m.sqlite3")
    reader = Manifest(tmp_path / "m.sqlite3")
    writer.commit_articles([_item("a", "نص")])
    assert reader.hashes() == writer.hashes()
    writer.close()
    assert Manifest(tmp_path / "m.sqlite3").article("a").text == "نص"


def test_garbage_file_raises_index_corrupt(tmp_path):
    p = tmp_path / "m.sqlite3"
    p.write_bytes(b"this is not a database" * 200)
    with pytest.raises(IndexCorruptError, match="doctor --fix"):
        Manifest(p)


def test_newest_date_ignores_undated_and_future_articles(tmp_path):
    """"Now" for "the latest news": the newest dated article not after today, within the filters."""
    from corpus.models import Article
    from retrieval.manifest import Manifest
    from retrieval.models import Filters

    m = Manifest(tmp_path / "m.sqlite3")
    assert m.newest_date() == ""
    items = [(Article(article_id=i, text="نص", date=d, source=s), [], 0)
             for i, d, s in (("a", "2015-07-20", "okaz"), ("b", "2015-07-30", "sabq"), ("c", "", "okaz"),
                             ("d", "2999-01-01", "okaz"))]
    m.commit_articles(items)
    assert m.newest_date() == "2015-07-30"
    assert m.newest_date(Filters(source="okaz")) == "2015-07-20"
