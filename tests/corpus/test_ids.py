from dataclasses import replace

from corpus.ids import (
    article_id_for_path,
    article_id_for_record,
    article_id_for_url,
    chunk_id,
    content_hash,
    normalize_url,
)
from corpus.models import Article


def test_file_stem_is_the_id(seed_path):
    assert article_id_for_path(seed_path) == "000_84ffc645cff79ea0"
    assert article_id_for_path("a/b/x.y.json") == "x.y"


def test_url_ids_ignore_scheme_www_slash_fragment_tracking_and_encoding():
    base = article_id_for_url("http://aawsat.com/home/article/412746/سلمان")
    for variant in [
        "https://www.aawsat.com/home/article/412746/سلمان/",
        "HTTP://AAWSAT.COM/home/article/412746/%D8%B3%D9%84%D9%85%D8%A7%D9%86#comments",
        "http://aawsat.com:80/home/article/412746/سلمان?utm_source=twitter",
        " http://aawsat.com/home/article/412746/سلمان ",
    ]:
        assert article_id_for_url(variant) == base
    assert base.startswith("u") and len(base) == 17
    assert article_id_for_url("http://aawsat.com/home/article/412747") != base
    assert normalize_url("http://x.com/a?b=2&a=1") == normalize_url("http://x.com/a?a=1&b=2")


def test_malformed_urls_still_get_ids():
    assert article_id_for_url("http://[::1") != article_id_for_url("http://x.com:abc/")


def test_record_and_chunk_ids():
    assert article_id_for_record("f.jsonl", 3) != article_id_for_record("f.jsonl", 4)
    assert article_id_for_record("f.jsonl", 3) == article_id_for_record("f.jsonl", 3)
    assert chunk_id("000_84ffc645cff79ea0", 0, 233) == "000_84ffc645cff79ea0:0-233"


def test_content_hash_tracks_indexed_fields_only():
    a = Article("a", "نص", title="t", path="/x/a.txt")
    assert content_hash(a) == content_hash(replace(a, path="/y/a.txt"))
    assert content_hash(a) != content_hash(replace(a, text="نص آخر"))
    assert content_hash(a) != content_hash(replace(a, date="2020-12-31"))
    assert len(content_hash(a)) == 64
