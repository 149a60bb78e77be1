"""AnswerService over a real index: stats, filters inside search, and readers never seeing uncommitted articles."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from retrieval.errors import ArticleNotFoundError, BadQuestionError
from retrieval.models import SMALL_TALK, Filters
from tests.retrieval.conftest import make_snn_zip


@pytest.fixture
def loaded(service, seed_path, tmp_path):
    day = make_snn_zip(tmp_path / "day.zip", 80)
    service.indexer.ingest([seed_path, day])
    return service


def test_stats_match_the_manifest(loaded):
    stats = loaded.stats()
    m = loaded.manifest
    n_articles = len(m.hashes())
    assert stats["articles"] == n_articles and stats["chunks"] == len(list(m.iter_chunk_rows()))
    assert stats["chunks"] == loaded.indexer.store.count()
    assert (stats["date_min"], stats["date_max"]) == ("2015-07-23", "2020-12-31")
    assert stats["embedding_model"] == "test/hash-embedder"
    arts = m.articles(m.hashes()).values()
    expected = {}
    for a in arts:
        if a.source:
            expected[a.source] = expected.get(a.source, 0) + 1
    assert stats["sources"] == expected == loaded.sources()


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_source_and_date_filters_inside_search(loaded, mode):
    source = max(loaded.sources(), key=loaded.sources().get)
    hits = loaded.search("السعودية", k=20, filters=Filters(source=source), mode=mode)
    assert hits and all(h.source == source for h in hits)
    old = loaded.search("السعودية", k=20, filters=Filters(until="2016-01-01"), mode=mode)
    assert old and all(h.date <= "2016-01-01" for h in old)
    recent = loaded.search("الصين روسيا", k=20, filters=Filters(since="2020-01-01"), mode=mode)
    assert [h.article_id for h in recent] == ["000_84ffc645cff79ea0"]


def test_a_date_in_the_question_is_a_window_only_when_the_corpus_has_articles_from_then(loaded):
    """"في ديسمبر 2020؟" narrows the search to that month; "في 1990؟" over articles of 2015 and 2020 is a question
    about 1990 (undated encyclopedic paragraphs, or events older than the corpus), so it searches everything."""
    december = loaded.search("أخبار الصين وروسيا في ديسمبر 2020؟", k=10)
    assert [h.article_id for h in december] == ["000_84ffc645cff79ea0"]
    july = loaded.search("ما أخبار السعودية في يوليو 2015؟", k=10)
    assert july and all(h.date.startswith("2015-07") for h in july)
    assert loaded._query_and_filters("ماذا حدث للصين وروسيا في 1990؟", None) == ("ماذا حدث للصين وروسيا في 1990؟", Filters())
    assert "000_84ffc645cff79ea0" in [h.article_id for h in loaded.search("ماذا حدث للصين وروسيا في 1990؟", k=10)]
    explicit = Filters(since="2015-07-01", until="2015-07-31")
    assert loaded._query_and_filters("الصين في ديسمبر 2020", explicit)[1] == explicit  # explicit dates win


def test_filter_names_as_a_user_types_them(loaded):
    """`--source OKAZ`, an agency spelled with another hamza or case: the stored value, when only one matches."""
    source = max(loaded.sources(), key=loaded.sources().get)
    hits = loaded.search("السعودية", k=5, filters=Filters(source=f" {source.upper()} ".strip()))
    assert hits and all(h.source == source for h in hits)
    seed = loaded.search("الصين روسيا", k=1, filters=Filters(agency="شينخوا", city="بكين"))
    assert [h.article_id for h in seed] == ["000_84ffc645cff79ea0"]
    assert loaded._resolve_names(Filters(city="بكين ")).city == "بكين"
    with pytest.raises(BadQuestionError, match="no article has source 'no-such-outlet'.*the most common: "):
        loaded.search("السعودية", filters=Filters(source="no-such-outlet"))  # a clear error, not "no news"
    with pytest.raises(BadQuestionError, match="no article has city 'Atlantis'"):
        loaded.ask("ماذا حدث؟", filters=Filters(city="Atlantis"))
    # a city by its name in the other language (GeoNames' names): the seed's dateline says «بكين»
    assert [h.article_id for h in loaded.search("الصين روسيا", k=1, filters=Filters(city="Beijing"))] == [
        "000_84ffc645cff79ea0"]
    cairo = loaded._resolve_names(Filters(city="Cairo")).city
    assert cairo == loaded._resolve_names(Filters(city="القاهره")).city == "القاهرة"
    arabic_name = loaded._resolve_names(Filters(source="عكاظ")).source if "okaz" in loaded.sources() else "okaz"
    assert arabic_name == "okaz"  # an outlet by its display name
    assert [h.article_id for h in loaded.search("الصين روسيا", k=1, filters=Filters(agency="Xinhua"))] == [
        "000_84ffc645cff79ea0"]  # the agency's other name


def test_agency_filter_finds_every_name_of_the_agency(service, tmp_path):
    """`--agency Reuters` finds `القاهرة - رويترز:` and `CAIRO (Reuters) -`; so does `--agency رويترز`."""
    import json

    records = [
        {"id": "ar", "text": "القاهرة - رويترز: قال البنك المركزي المصري إنه أبقى أسعار الفائدة دون تغيير."},
        {"id": "en", "text": "CAIRO (Reuters) - Egypt's central bank kept interest rates unchanged on Thursday."},
        {"id": "afp", "text": "القاهرة (أ ف ب) - قال البنك المركزي المصري إن أسعار الفائدة لم تتغير."},
    ]
    path = tmp_path / "wires.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    service.indexer.ingest([path])
    for name in ("Reuters", "رويترز", "reuters"):
        hits = service.search("البنك المركزي المصري أسعار الفائدة", k=5, filters=Filters(agency=name))
        assert {h.article_id for h in hits} == {"ar", "en"}, name
    hits = service.search("البنك المركزي المصري", k=5, filters=Filters(agency="فرانس برس"))
    assert [h.article_id for h in hits] == ["afp"]
    assert service.search("البنك المركزي", filters=Filters(agency="AFP", city="القاهره"), mode="dense")[0].article_id == "afp"


def test_uncommitted_chunks_are_invisible_to_readers(service, seed_path, fake_embedder):
    """Chunks upserted to Chroma whose manifest row never committed (ingest in progress) are not returned."""
    from corpus.models import Article, Chunk

    service.indexer.ingest([seed_path])
    text = "خبر عاجل عن بركان ثائر في آيسلندا اليوم"
    art = Article(article_id="pending", text=text, source="okaz", content_hash="h")
    chunk = Chunk("pending::0", "pending", text, 0, len(text))
    service.indexer.store.upsert_many([(art, chunk)], fake_embedder.embed_passages([text]))
    service.indexer.lexical.add(["pending::0"], ["pending"], [text])  # even a lexical entry ahead of the commit
    for mode in ("dense", "lexical", "hybrid"):
        assert all(h.article_id != "pending" for h in service.search("بركان ثائر في آيسلندا", mode=mode))
    assert all(c.article_id != "pending" for h in [service.ask("بركان في آيسلندا؟")] for c in h.citations)
    with pytest.raises(ArticleNotFoundError):
        service.article("pending")
    service.manifest.commit_articles([(art, [chunk], 0)])
    assert service.search("بركان ثائر في آيسلندا", mode="lexical")[0].article_id == "pending"


def test_bad_questions_and_article_lookup(loaded):
    for q in ("", "   ", "؟؟!!", "x" * 5000):
        with pytest.raises(BadQuestionError):
            loaded.search(q)
    assert loaded.article(" 000_84ffc645cff79ea0 ").city == "بكين"
    with pytest.raises(ArticleNotFoundError):
        loaded.article("nope")


def test_reindex_returns_the_summary(service, seed_path):
    out = service.reindex([str(seed_path)])
    assert out["added"] == 1 and out["errors"] == [] and set(out) >= {"articles_seen", "chunks_added", "seconds"}
    assert service.reindex([str(seed_path)])["unchanged"] == 1
    with pytest.raises(BadQuestionError):
        service.reindex([])


@pytest.mark.slow
def test_cli_stats_json_and_real_answer(tmp_path, seed_path):
    """`khabar ingest/stats/ask --json` end to end with the real model."""
    env = {**os.environ, "KHABAR_HOME": str(tmp_path / "home")}
    env.pop("CHROMA_HOST", None)

    def run(*args):
        p = subprocess.run([sys.executable, "-m", "khabar", *args], env=env, capture_output=True, text=True,
                           timeout=300)
        assert p.returncode == 0, p.stderr[-2000:]
        return json.loads(p.stdout)

    rep = run("ingest", str(seed_path), "--json")
    assert rep["added"] == 1 and rep["index"]["articles"] == 1
    stats = run("stats", "--json")
    assert stats["articles"] == 1 and stats["chunks"] == rep["chunks_added"]
    assert stats["date_min"] == stats["date_max"] == "2020-12-31"
    assert stats["embedding_model"] == "intfloat/multilingual-e5-small"
    ans = run("ask", "ماذا قال شي جين بينغ عن العلاقات مع روسيا؟", "--json")
    assert not ans["abstained"] and ans["citations"]
    assert all(c["article_id"] == "000_84ffc645cff79ea0" for c in ans["citations"])


def test_a_greeting_is_answered_without_a_search(loaded):
    """«مرحبا» would otherwise quote whichever passage is nearest to a greeting."""
    for text, language in (("مرحبا!", "ar"), ("Hello there", "en"), ("شكرا يا خبر", "ar")):
        answer = loaded.ask(text)
        assert answer.mode == SMALL_TALK and answer.language == language and not answer.abstained
        assert not answer.citations and not answer.related and "[1]" not in answer.text
    asked = loaded.ask("مرحبا، ماذا قال الرئيس الصيني عن روسيا؟")  # a greeting before a question: searched
    assert asked.mode != SMALL_TALK and "search_ms" in asked.timings_ms


def test_a_date_in_the_question_keeps_undated_articles_and_says_so(service, tmp_path):
    """«in July 2015» over a corpus with dated and undated articles: July's and the undated ones are searched
    (nothing says the undated one is not from July), August's are not; explicit --since/--until stay strict."""
    import json

    records = [
        {"id": "july", "date": "2015-07-10", "text": "ارتفعت إيرادات قناة السويس في يوليو بنسبة خمسة في المئة."},
        {"id": "august", "date": "2015-08-20", "text": "ارتفعت إيرادات قناة السويس في أغسطس بنسبة ثلاثة في المئة."},
        {"id": "undated", "text": "قالت هيئة قناة السويس إن إيرادات القناة ارتفعت خلال يوليو 2015."},
    ]
    path = tmp_path / "suez.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    service.indexer.ingest([path])
    question = "كم ارتفعت إيرادات قناة السويس في يوليو 2015؟"
    for mode in ("dense", "lexical", "hybrid"):
        assert {h.article_id for h in service.search(question, k=5, mode=mode)} == {"july", "undated"}, mode
    answer = service.ask(question)
    assert any("2015-07-01" in w and "2015-07-31" in w for w in answer.warnings)
    strict = Filters(since="2015-07-01", until="2015-07-31")
    assert {h.article_id for h in service.search("إيرادات قناة السويس", k=5, filters=strict)} == {"july"}
    assert not any("2015-07-01" in w for w in service.ask("إيرادات قناة السويس", filters=strict).warnings)


def test_warm_up_logs_what_it_loaded_and_a_failure_only_logs(loaded, caplog):
    """If the warm-up fails, the first question loads what it needs instead; nothing is raised."""
    from retrieval.service import AnswerService

    with caplog.at_level(logging.INFO, logger="retrieval.service"):
        loaded.warm_up()
    assert "models and indexes loaded" in caplog.text
    broken = AnswerService(searcher=None, indexer=loaded.indexer, manifest=loaded.manifest, embedder=loaded.embedder)
    broken.warm_up()  # no searcher at all
    assert "warming up failed" in caplog.text
