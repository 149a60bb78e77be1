import codecs
import csv
import json
import os
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import loaders
from corpus.ids import article_id_for_url
from corpus.loaders import DUPLICATE_ID, EMPTY_CONTENT, NO_READABLE_TEXT, iter_articles
from corpus.models import Article, LoadError

SEED_TEXT_START = "بكين 31 ديسمبر 2020 (شينخوا)"
ARTICLE = "الرياض - واس\nأعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في المدينة. وقال الوزير إن المشروع يخدم المنطقة.\nمشاركة :"


def split(items):
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, LoadError)]


def load(*paths, **kw):
    return split(list(iter_articles(paths, **kw)))


# ---- real files -------------------------------------------------------------------------------
def test_seed_article(seed_path):
    (a,), errors = load(seed_path)
    assert not errors
    assert a.article_id == "000_84ffc645cff79ea0"
    assert (a.city, a.date, a.agency) == ("بكين", "2020-12-31", "شينخوا")
    assert a.text.startswith(SEED_TEXT_START) and "مشاركة" not in a.text
    assert a.title.startswith("قال الرئيس الصيني شي جين بينغ") and len(a.title) <= 101
    assert a.path == str(seed_path) and len(a.content_hash) == 64


def test_seed_directory(seed_path):
    articles, errors = load(seed_path.parent)
    assert [a.article_id for a in articles] == ["000_84ffc645cff79ea0"] and not errors


def test_saudinewsnet_zip(snn_zip, snn_items):
    raw = json.loads(zipfile.ZipFile(snn_zip).read("2015-07-23.json"))
    articles, errors = split(snn_items)
    empty = [r for r in raw if not r["content"].strip()]
    assert len(raw) == 1318 and len(articles) + len(errors) == len(raw)
    assert len(errors) == len(empty) > 0
    assert all(e.reason.startswith(EMPTY_CONTENT) for e in errors)
    first = articles[0]
    assert first.path == f"{snn_zip}!2015-07-23.json#0"
    assert first.article_id == article_id_for_url(raw[0]["url"])
    assert (first.source, first.title, first.date) == ("aawsat", raw[0]["title"], "2015-07-23")
    assert len({a.article_id for a in articles}) == len(articles)
    assert {a.source for a in articles} >= {"aawsat", "alriyadh", "okaz"}
    assert all(a.date == "2015-07-23" for a in articles)


def test_loading_is_deterministic(snn_zip, snn_items):
    again = list(iter_articles([snn_zip]))
    assert [(getattr(i, "article_id", None), i.path) for i in again] == [
        (getattr(i, "article_id", None), i.path) for i in snn_items
    ]
    assert [a.content_hash for a in again if isinstance(a, Article)] == [
        a.content_hash for a in snn_items if isinstance(a, Article)
    ]


# ---- encodings ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
        lambda t: t.encode("cp1256"),
        lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
        lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "cp1256", "utf16le-bom", "utf16be-bom"],
)
def test_text_encodings(tmp_path, encode):
    text = ARTICLE.replace("مشاركة :", "")
    (tmp_path / "a1.txt").write_bytes(encode(ARTICLE.replace("\n", "\r\n")))
    (a,), errors = load(tmp_path / "a1.txt")
    assert not errors
    assert a.text == text.strip() and (a.city, a.agency) == ("الرياض", "واس")


def test_cp1256_json(tmp_path):
    (tmp_path / "x.json").write_bytes(json.dumps([{"content": ARTICLE, "url": "http://a/1"}], ensure_ascii=False).encode("cp1256"))
    (a,), errors = load(tmp_path / "x.json")
    assert a.city == "الرياض" and not errors


# ---- broken files ------------------------------------------------------------------------------
BROKEN = {
    "empty.txt": (b"", "empty"),
    "spaces.txt": (b"  \n\n\t", "whitespace"),
    "image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "PNG"),
    "paper.txt": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)), "PDF"),
    "latin.txt": ("déjà vu - naïve café".encode("latin-1") + b"\x81\x8d", "UTF-8"),
    "trunc.json": (json.dumps([{"content": "نص"}] * 3, ensure_ascii=False).encode()[:-7], "JSON"),
    "scalar.json": (b"42", "JSON"),
    "diacritics.txt": ("ًٌٍَُِّْ ًٌٍ ـــ".encode(), NO_READABLE_TEXT),
    "punct.txt": ("... ؟!! ، ؛".encode(), NO_READABLE_TEXT),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_gives_a_load_error_and_loading_continues(tmp_path, seed_path, name):
    data, fragment = BROKEN[name]
    (tmp_path / name).write_bytes(data)
    (tmp_path / "z_good.txt").write_text(ARTICLE, encoding="utf-8")
    articles, errors = load(tmp_path, seed_path)
    assert [a.article_id for a in articles] == ["z_good", "000_84ffc645cff79ea0"]
    (err,) = errors
    assert err.path == str(tmp_path / name)
    assert fragment.lower() in err.reason.lower()


def test_truncated_zip(tmp_path, snn_zip):
    data = snn_zip.read_bytes()
    (tmp_path / "cut.zip").write_bytes(data[: len(data) // 2])
    articles, errors = load(tmp_path / "cut.zip")
    assert not articles and len(errors) == 1 and "zip" in errors[0].reason


def test_zip_with_corrupt_member_stream(tmp_path):
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.json", json.dumps([{"content": ARTICLE, "url": "http://x/1"}] * 50, ensure_ascii=False))
        z.writestr("b.txt", ARTICLE)
    data = bytearray(path.read_bytes())
    start = data.index(b"a.json") + len("a.json") + 40
    data[start : start + 40] = bytes(40)  # damage the deflate stream of the first member
    path.write_bytes(bytes(data))
    articles, errors = load(path)
    assert [a.article_id for a in articles] == ["b"]
    assert len(errors) == 1 and errors[0].path == f"{path}!a.json"


def test_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.txt", b"a" * (20 * 1024 * 1024))
        z.writestr("ok.txt", ARTICLE)
    articles, errors = load(path)
    assert [a.article_id for a in articles] == ["ok"]
    assert "zip bomb" in errors[0].reason and errors[0].path == f"{path}!bomb.txt"
    # A member larger than max_file_bytes is refused whatever its ratio.
    articles, errors = load(path, max_file_bytes=1024 * 1024, max_zip_ratio=10**9)
    assert "larger than max_file_bytes" in errors[0].reason


def test_zip_member_lying_about_its_size_is_cut_off(tmp_path):
    path = tmp_path / "liar.zip"
    big = ARTICLE.encode() * 2000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("a.txt", big)
    # Rewrite the declared uncompressed size (central directory) to something small.
    data = path.read_bytes()
    cd = data.rindex(b"PK\x01\x02")
    patched = data[: cd + 24] + (100).to_bytes(4, "little") + data[cd + 28 :]
    path.write_bytes(patched)
    articles, errors = load(path, max_file_bytes=64 * 1024)
    assert not articles and len(errors) == 1


def test_nested_zip_and_hidden_members(tmp_path):
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("x.txt", ARTICLE)
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as z:
        z.write(inner, "inner.zip")
        z.writestr("__MACOSX/._x.txt", b"\x00\x05\x16\x07")
        z.writestr(".hidden.txt", ARTICLE)
        z.writestr("dir/", b"")
    articles, errors = load(outer)
    assert not articles and ["nested" in e.reason for e in errors] == [True]


def test_file_larger_than_limit(tmp_path):
    (tmp_path / "big.txt").write_text(ARTICLE * 100, encoding="utf-8")
    articles, errors = load(tmp_path / "big.txt", max_file_bytes=1000)
    assert not articles and "max_file_bytes" in errors[0].reason


@pytest.mark.slow
def test_fifty_megabyte_article_loads(tmp_path, seed_path):
    unit = seed_path.read_text(encoding="utf-8").replace("مشاركة :", "")
    path = tmp_path / "huge.txt"
    path.write_text(unit * (50 * 1024 * 1024 // len(unit.encode()) + 1), encoding="utf-8")
    assert path.stat().st_size > 50 * 1024 * 1024
    (a,), errors = load(path)
    assert not errors and a.city == "بكين" and len(a.text) > 25_000_000


# ---- directories -------------------------------------------------------------------------------
def test_directory_walk_is_sorted_recursive_and_skips_hidden(tmp_path):
    for rel in ["b/2.txt", "a/1.txt", "a/c/3.txt", ".git/x.txt", "a/.hidden.txt", "0.txt"]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(ARTICLE.replace("الصحة", rel), encoding="utf-8")
    articles, errors = load(tmp_path)
    assert [a.article_id for a in articles] == ["0", "1", "3", "2"] and not errors


def test_symlink_loop_and_broken_symlink(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    os.symlink(tmp_path / "d", tmp_path / "d" / "loop")
    os.symlink(tmp_path / "missing.txt", tmp_path / "d" / "broken.txt")
    articles, errors = load(tmp_path)
    assert [a.article_id for a in articles] == ["a"]
    reasons = sorted(e.reason for e in errors)
    assert len(reasons) == 2
    assert any("symlink" in r and "visited" in r for r in reasons) and any("broken symlink" in r for r in reasons)


def test_file_vanishing_mid_walk_is_a_load_error(tmp_path, monkeypatch):
    for name in ["a.txt", "b.txt", "c.txt"]:
        (tmp_path / name).write_text(ARTICLE.replace("الصحة", name), encoding="utf-8")
    it = iter_articles([tmp_path])
    first = next(it)
    (tmp_path / "b.txt").unlink()
    rest = list(it)
    assert first.article_id == "a"
    assert [type(x).__name__ for x in rest] == ["LoadError", "Article"]
    assert rest[0].path == str(tmp_path / "b.txt") and "removed" in rest[0].reason


def test_missing_path(tmp_path):
    articles, errors = load(tmp_path / "nope")
    assert not articles and "no such file" in errors[0].reason


def test_ten_thousand_identical_articles(tmp_path):
    for i in range(10_000):
        (tmp_path / f"{i:05d}.txt").write_text(ARTICLE, encoding="utf-8")
    articles, errors = load(tmp_path)
    assert len(articles) == 10_000 and not errors
    assert len({a.article_id for a in articles}) == 10_000
    assert len({a.text for a in articles}) == 1


# ---- records: JSON, JSONL, CSV -----------------------------------------------------------------
def test_json_array_records_and_duplicates(tmp_path):
    records = [
        {"url": "http://x.com/1", "content": ARTICLE, "date_extracted": "2015-07-23 19:28:17", "source": "s"},
        {"url": "https://www.x.com/1/", "content": ARTICLE},  # same article by URL
        {"content": "   "},
        {"content": "نص بلا عنوان ولا رابط. جملة ثانية."},
        "not an object",
        {"id": "my/id 7", "text": ["فقرة أولى.", "فقرة ثانية."], "date": "31/12/2020", "title": 5},
    ]
    path = tmp_path / "x.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    articles, errors = load(path)
    assert [a.path for a in articles] == [f"{path}#0", f"{path}#3", f"{path}#5"]
    assert articles[0].date == "2015-07-23" and articles[0].city == "الرياض"
    assert articles[1].article_id.startswith("r") and articles[1].title == "نص بلا عنوان ولا رابط"
    assert articles[2].article_id == "my_id_7" and articles[2].date == "2020-12-31" and articles[2].title == "5"
    assert articles[2].text == "فقرة أولى.\nفقرة ثانية."
    reasons = [e.reason for e in errors]
    assert reasons[0].startswith(DUPLICATE_ID) and reasons[1].startswith(EMPTY_CONTENT) and "str" in reasons[2]


def test_json_object_forms(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps({"title": "T", "body": ARTICLE}, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "wrapped.json").write_text(json.dumps({"articles": [{"content": ARTICLE, "url": "u1"}]}), encoding="utf-8")
    articles, errors = load(tmp_path / "one.json", tmp_path / "wrapped.json")
    assert [a.title for a in articles] == ["T", "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في المدينة"] and not errors


def test_jsonl_with_a_bad_line(tmp_path):
    lines = [json.dumps({"id": str(i), "text": f"الخبر رقم {i}."}, ensure_ascii=False) for i in range(3)]
    lines.insert(2, '{"id": "broken", "text": ')
    path = tmp_path / "x.jsonl"
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    articles, errors = load(path)
    assert [a.article_id for a in articles] == ["0", "1", "2"]
    assert [e.path for e in errors] == [f"{path}#2"]


def test_jsonl_detected_by_content(tmp_path):
    path = tmp_path / "feed.data"
    path.write_text('{"id": "a", "content": "خبر أول."}\n{"id": "b", "content": "خبر ثان."}\n', encoding="utf-8")
    articles, _ = load(path)
    assert [a.article_id for a in articles] == ["a", "b"]


def test_csv_with_default_and_custom_mapping(tmp_path):
    path = tmp_path / "news.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Title", "Body", "Link", "Published", "Outlet", "Extra"])
        w.writerow(["عنوان", ARTICLE, "http://x.com/a", "2020-12-31T10:00:00Z", "okaz", "x"])
        w.writerow(["", "", "http://x.com/b", "", "", ""])
        w.writerow(["عنوان 2", 'نص فيه, فاصلة و"اقتباس".\nوسطر ثان.', "http://x.com/c", "", "", "", "surplus"])
    articles, errors = load(path)
    assert [a.title for a in articles] == ["عنوان", "عنوان 2"]
    assert articles[0].date == "2020-12-31" and articles[0].source == "okaz" and articles[0].city == "الرياض"
    assert articles[1].text == 'نص فيه, فاصلة و"اقتباس".\nوسطر ثان.'
    assert [e.path for e in errors] == [f"{path}#1"]
    custom = tmp_path / "custom.dat"
    custom.write_text("headline;story;when\nعنوان;قصة الخبر.;2019/1/2\n", encoding="utf-8")
    articles, errors = load(custom, field_map={"title": "headline", "text": ["story"], "date": "when"})
    assert [(a.title, a.text, a.date) for a in articles] == [("عنوان", "قصة الخبر.", "2019-01-02")] and not errors


def test_unknown_field_map_key_is_rejected():
    with pytest.raises(ValueError):
        list(iter_articles([], field_map={"body_text": "x"}))


def test_text_file_starting_with_a_bracket_is_prose(tmp_path):
    (tmp_path / "b.txt").write_text("[صورة] الرياض - واس\nنص الخبر.", encoding="utf-8")
    (a,), errors = load(tmp_path / "b.txt")
    assert a.text.startswith("[صورة]") and not errors


def test_module_docstring_documents_the_field_mapping():
    for field, keys in loaders.DEFAULT_FIELD_MAP.items():
        assert field in loaders.__doc__
        for key in keys:
            assert key in loaders.__doc__


# ---- fuzz --------------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), name=st.sampled_from(["a.txt", "a.json", "a.jsonl", "a.csv", "a.zip", "a"]))
def test_fuzz_arbitrary_bytes_never_raise(tmp_path_factory, data, name):
    d = tmp_path_factory.mktemp("fuzz")
    (d / name).write_bytes(data)
    for item in iter_articles([d]):
        assert isinstance(item, (Article, LoadError))
        if isinstance(item, LoadError):
            assert item.reason


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["content", "text", "title", "url", "date", "id", "source", "x"]), children, max_size=5
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(value=JSONISH)
def test_fuzz_arbitrary_json_never_raises(tmp_path_factory, value):
    d = tmp_path_factory.mktemp("fuzzjson")
    (d / "x.json").write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    for item in iter_articles([d / "x.json"]):
        if isinstance(item, Article):
            assert item.text.strip() and item.article_id


def test_a_byline_in_the_author_field_gives_city_and_agency(tmp_path):
    """SaudiNewsNet and CMS exports keep the byline apart from the text (`لندن : رويترز`); the text's own
    dateline wins where it names one."""
    records = [
        {"id": "a", "author": "لندن : رويترز", "content": "ارتفعت أسعار النفط اليوم بعد بيانات المخزون."},
        {"id": "b", "author": "حسين هزازي (جدة)", "content": "افتتح المطار الجديد أمام المسافرين."},
        {"id": "c", "author": "واس - الرياض", "content": "القاهرة - رويترز: قال البنك المركزي إنه أبقى الفائدة."},
    ]
    path = tmp_path / "day.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    got = {a.article_id: a for a in iter_articles([path]) if isinstance(a, Article)}
    assert (got["a"].city, got["a"].agency, got["a"].author) == ("لندن", "رويترز", "لندن : رويترز")
    assert (got["b"].city, got["b"].agency) == ("جدة", "")
    assert (got["c"].city, got["c"].agency) == ("القاهرة", "رويترز")


def test_a_text_file_without_a_source_takes_the_outlet_its_byline_names(tmp_path):
    (tmp_path / "story.txt").write_text("سبق- جدة: افتتحت الأمانة طريقا جديدا بطول 12 كيلومترا.", encoding="utf-8")
    (art,) = [a for a in iter_articles([tmp_path]) if isinstance(a, Article)]
    assert (art.source, art.city) == ("sabq", "جدة")


def test_a_folders_readme_and_license_are_not_articles(tmp_path):
    """SaudiNewsNet's folder carries a README.md; as an English "article" it topped English questions."""
    (tmp_path / "README.md").write_text("# Saudi Newspapers Corpus\nThis dataset contains articles.", encoding="utf-8")
    (tmp_path / "LICENSE").write_text("CC BY-NC-SA 4.0", encoding="utf-8")
    (tmp_path / "readme-first-story.txt").write_text("الرياض - واس: خبر عن الطقس اليوم.", encoding="utf-8")
    got = [a for a in iter_articles([tmp_path])]
    assert [a.article_id for a in got if isinstance(a, Article)] == ["readme-first-story"] and len(got) == 1
    assert [a.article_id for a in iter_articles([tmp_path / "README.md"])] == ["README"]  # named: loaded


def test_a_caption_only_record_leads_with_its_headline(tmp_path):
    """SaudiNewsNet keeps some articles as a headline over a photo caption or a name (`شديد الحربي`): the
    headline goes in front of the text, so the article is found by what it says and its quotes stay verbatim."""
    records = [
        {"id": "stub", "title": "إيداع 19.5 مليون ريال في حسابات الطلاب", "content": "شديد الحربي"},
        {"id": "full", "title": "النفط يرتفع", "content": "ارتفعت أسعار النفط اليوم في الأسواق العالمية بعد بيانات المخزون."},
        {"id": "untitled", "content": "شديد الحربي"},
        {"id": "same", "title": "\u200fوزير الصحة يزور مستشفى الملك فهد\u202c", "content": "وزير الصحة يزور مستشفى الملك فهد"},
        {"id": "split", "title": "King Salman receives Obama in Riyadh palace", "content": "King Salman\nreceives Obama in Riyadh palace"},
    ]
    path = tmp_path / "day.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    got = {a.article_id: a for a in iter_articles([path]) if isinstance(a, Article)}
    assert got["stub"].text == "إيداع 19.5 مليون ريال في حسابات الطلاب\n\nشديد الحربي"
    assert got["full"].text.startswith("ارتفعت") and got["untitled"].text == "شديد الحربي"
    assert got["same"].text == "وزير الصحة يزور مستشفى الملك فهد"  # the headline is the text: nothing to add
    assert got["split"].text == "King Salman\nreceives Obama in Riyadh palace"
