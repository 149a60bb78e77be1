"""Incremental ingest against a real embedded Chroma: seed article, SaudiNewsNet, idempotence, updates, prune."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from retrieval.models import Filters
from tests.retrieval.conftest import CountingEmbedder, ids_everywhere, make_snn_zip, open_service


def _assert_consistent(service) -> list[str]:
    chroma, manifest, lexical = ids_everywhere(service)
    assert len(set(chroma)) == len(chroma)
    assert chroma == manifest == lexical
    return chroma


def test_seed_article_metadata_and_no_page_furniture(service, seed_path):
    rep = service.indexer.ingest([seed_path])
    assert (rep.added, rep.failed) == (1, 0)
    stats = service.stats()
    assert stats["articles"] == 1
    art = service.article("000_84ffc645cff79ea0")
    assert (art.city, art.date, art.agency) == ("بكين", "2020-12-31", "شينخوا")
    ids = _assert_consistent(service)
    assert ids and stats["chunks"] == len(ids)
    texts = service.manifest.chunk_texts(ids)
    docs = [d for _, _, d in service.indexer.store.get_chunks()]
    assert len(docs) == len(ids)
    for text in list(texts.values()) + docs + [art.text]:
        assert "مشاركة" not in text
    for cid, (start, end) in service.manifest.chunk_spans(ids).items():
        assert art.text[start:end] == texts[cid]


def test_reingest_is_idempotent_and_embeds_nothing(service, counting_embedder, seed_path, tmp_path):
    day = make_snn_zip(tmp_path / "day.zip", 40)
    first = service.indexer.ingest([seed_path, day])
    embedded = len(counting_embedder.passages)
    assert first.added > 30 and embedded == first.chunks_added > 0
    before = _assert_consistent(service)
    second = service.indexer.ingest([seed_path, day])
    assert len(counting_embedder.passages) == embedded  # nothing re-embedded
    assert (second.added, second.updated, second.unchanged) == (0, 0, first.added)
    assert second.chunks_added == 0
    assert _assert_consistent(service) == before


def test_changed_article_is_replaced_without_stale_chunks(service, tmp_path, seed_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    target = corpus / "story.txt"
    shutil.copy(seed_path, target)
    service.indexer.ingest([corpus])
    old_ids = set(_assert_consistent(service))
    old_text = service.article("story").text
    new_body = "بكين 1 يناير 2021 (شينخوا) افتتحت الصين جسرا جديدا فوق نهر اليانغتسي اليوم.\n" + \
               "وقال مسؤولون إن الجسر يختصر الرحلة ساعتين. " * 3
    target.write_text(new_body, encoding="utf-8")
    rep = service.indexer.ingest([corpus])
    assert (rep.updated, rep.added) == (1, 0)
    new_ids = set(_assert_consistent(service))
    art = service.article("story")
    assert art.text != old_text and art.date == "2021-01-01"
    assert not (old_ids - new_ids) & set(service.indexer.store.all_ids())
    docs = " ".join(d for _, _, d in service.indexer.store.get_chunks())
    assert "اليانغتسي" in docs and "مشاركة" not in docs
    hits = service.search("جسر اليانغتسي", mode="lexical")
    assert hits and hits[0].article_id == "story"
    assert all(p.text in art.text for h in hits for p in h.passages)


def test_edited_metadata_is_rewritten_without_re_embedding(service, counting_embedder, tmp_path):
    """A corrected city or title changes what filters see, not the text: the vectors are kept."""
    import json

    record = {"id": "s1", "title": "جسر جديد", "city": "جدة", "source": "okaz",
              "text": "افتتحت الهيئة جسرا جديدا فوق الوادي اليوم. " * 40}
    path = tmp_path / "news.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    first = service.indexer.ingest([path])
    embedded = len(counting_embedder.passages)
    assert first.chunks_added == embedded > 1
    path.write_text(json.dumps({**record, "city": "الرياض", "title": "جسر الوادي"}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    rep = service.indexer.ingest([path])
    assert (rep.updated, rep.chunks_added, rep.chunks_reused) == (1, 0, first.chunks_added)
    assert len(counting_embedder.passages) == embedded  # nothing re-embedded
    assert service.article("s1").title == "جسر الوادي"
    assert [h.article_id for h in service.search("جسر", filters=Filters(city="الرياض"))] == ["s1"]
    for mode in ("dense", "lexical"):  # Chroma's metadata moved too (the searcher itself: the service would
        assert service.searcher.search("جسر", filters=Filters(city="جدة"), mode=mode) == []  # call جدة unknown)
    _assert_consistent(service)


def test_a_moved_file_keeps_its_article_and_takes_its_new_path(service, counting_embedder, tmp_path, seed_path):
    """Moving 2015/a.txt to archive/a.txt re-embeds nothing; citations show the new path, and pruning the old
    folder no longer removes the article."""
    old_dir, new_dir = tmp_path / "2015", tmp_path / "archive"
    old_dir.mkdir()
    shutil.copy(seed_path, old_dir / "a.txt")
    service.indexer.ingest([old_dir])
    embedded = len(counting_embedder.passages)
    new_dir.mkdir()
    (old_dir / "a.txt").rename(new_dir / "a.txt")
    rep = service.indexer.ingest([new_dir])
    assert (rep.unchanged, rep.chunks_added) == (1, 0) and len(counting_embedder.passages) == embedded
    assert service.article("a").path == str(new_dir / "a.txt")
    assert service.indexer.ingest([old_dir], prune=True).removed == 0 and service.stats()["articles"] == 1


def test_prune_removes_articles_whose_files_are_gone(service, tmp_path, seed_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(seed_path, corpus / "a.txt")
    (corpus / "b.txt").write_text("الرياض 2 مارس 2015 (واس) افتتح مطار جديد في المدينة اليوم. " * 5, encoding="utf-8")
    service.indexer.ingest([corpus])
    assert service.stats()["articles"] == 2
    (corpus / "b.txt").unlink()
    kept = service.indexer.ingest([corpus])  # without --prune nothing goes
    assert kept.removed == 0 and service.stats()["articles"] == 2
    rep = service.indexer.ingest([corpus], prune=True)
    assert rep.removed == 1
    assert service.stats()["articles"] == 1
    ids = _assert_consistent(service)
    assert all(service.manifest.chunk_spans(ids))
    assert not service.search("مطار جديد", mode="lexical") or \
        all(h.article_id == "a" for h in service.search("مطار جديد", mode="lexical"))


def test_prune_keeps_a_file_that_failed_to_load_and_does_not_depend_on_the_working_directory(
        service, tmp_path, seed_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(seed_path, corpus / "a.txt")
    archive = make_snn_zip(corpus / "more.zip", 4)
    (corpus / "records.csv").write_text("title,text\nجسر,افتتح جسر جديد فوق النهر اليوم في المدينة\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    first = service.indexer.ingest(["corpus"])
    n = service.stats()["articles"]
    assert first.added == n >= 5
    monkeypatch.chdir(corpus)  # the same files, named from elsewhere: nothing new, nothing pruned
    again = service.indexer.ingest([str(corpus / "records.csv"), "a.txt"], prune=True)
    assert (again.added, again.unchanged, again.removed) == (0, 2, 0)
    good = archive.read_bytes()
    archive.write_bytes(good[: len(good) // 2])  # truncated: there, but unreadable this time
    rep = service.indexer.ingest([corpus], prune=True)
    assert rep.failed == 1 and rep.removed == 0 and service.stats()["articles"] == n
    archive.write_bytes(good)
    assert service.indexer.ingest([corpus], prune=True).unchanged == n  # nothing to embed again


def test_same_file_name_in_two_folders_is_two_articles(service, tmp_path):
    """Dated folders of a newsroom export (2015/article.txt, 2016/article.txt) do not replace each other."""
    for year, what in (("2015", "افتتح جسر جديد فوق النهر اليوم في المدينة. "), ("2016", "ارتفعت أسعار النفط في السوق. ")):
        (tmp_path / year).mkdir()
        (tmp_path / year / "article.txt").write_text(what * 5, encoding="utf-8")
    assert service.indexer.ingest([tmp_path / "2015"]).added == 1
    second = service.indexer.ingest([tmp_path / "2016"])
    assert (second.added, second.updated) == (1, 0) and service.stats()["articles"] == 2
    again = service.indexer.ingest([tmp_path / "2015", tmp_path / "2016"])
    assert (again.added, again.updated, again.unchanged, again.errors) == (0, 0, 2, [])
    assert service.article("article").path.endswith("2015/article.txt")
    (tmp_path / "2017").mkdir()
    (tmp_path / "2017" / "story.txt").write_text("سباق الهجن في الطائف. " * 5, encoding="utf-8")
    (tmp_path / "2018").mkdir()
    (tmp_path / "2018" / "story.txt").write_text("مهرجان التمور في بريدة. " * 5, encoding="utf-8")
    both = service.indexer.ingest([tmp_path / "2017", tmp_path / "2018"])  # in one run too
    assert both.added == 2 and service.stats()["articles"] == 4


def test_broken_file_is_reported_and_the_rest_ingested(service, tmp_path, seed_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(seed_path, corpus / "good.txt")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "image.txt").write_bytes(bytes(range(256)) * 40)
    (corpus / "cut.json").write_text('[{"source": "x", "content": "نص', encoding="utf-8")
    rep = service.indexer.ingest([corpus])
    assert rep.added == 1
    bad = {e["path"].rsplit("/", 1)[-1].split("!")[0] for e in rep.errors}
    assert {"empty.txt", "image.txt", "cut.json"} <= bad
    assert rep.failed >= 3 and all(e["reason"] for e in rep.errors)
    assert service.stats()["articles"] == 1
    _assert_consistent(service)


def test_saudinewsnet_day_with_fake_embedder(service, snn_day):
    rep = service.indexer.ingest([snn_day])
    stats = service.stats()
    assert rep.added == stats["articles"] > 1000
    assert rep.failed == len(rep.errors)  # records without content are reported, not fatal
    assert stats["chunks"] == rep.chunks_added
    assert stats["date_min"] == stats["date_max"] == "2015-07-23"
    assert sum(stats["sources"].values()) == stats["articles"] and len(stats["sources"]) >= 5
    _assert_consistent(service)


def test_resume_after_vectors_written_but_not_committed_reuses_them(tmp_path, fake_embedder, seed_path):
    """A kill between the Chroma upsert and the manifest commit: the rerun commits without re-embedding."""
    from corpus.chunking import chunk_article
    from corpus.loaders import iter_articles

    emb = CountingEmbedder(fake_embedder)
    service = open_service(tmp_path / "home", emb)
    art = next(a for a in iter_articles([seed_path]))
    chunks = chunk_article(art, emb.count_tokens, service.indexer.max_tokens, service.indexer.overlap_tokens)
    service.indexer.store.upsert_many([(art, c) for c in chunks], fake_embedder.embed_passages([c.text for c in chunks]))
    assert service.stats()["articles"] == 0
    rep = service.indexer.ingest([seed_path])
    assert emb.passages == [] and rep.chunks_reused == len(chunks) and rep.chunks_added == 0
    _assert_consistent(service)


def test_lexical_reconciled_with_manifest_on_start(tmp_path, fake_embedder, seed_path):
    """Orphan lexical rows (saved after a manifest rollback) and missing ones are fixed before ingesting."""
    service = open_service(tmp_path / "home", fake_embedder)
    service.indexer.ingest([seed_path])
    lex = service.indexer.lexical
    lex.add(["ghost::0"], ["ghost"], ["نص يتيم"])
    victim = lex.chunk_ids[0]
    lex.remove([victim])
    lex.save()
    added, removed = service.indexer.reconcile_lexical()
    assert (added, removed) == (1, 1)
    _assert_consistent(service)


def test_cross_lingual_term_vectors_follow_the_lexical_index(tmp_path, seed_path):
    """Every Arabic term gets one vector at ingest, none twice; a lost file is rebuilt from the indexed text."""
    from retrieval.analysis import terms
    from retrieval.crosslingual import CrossLingualTerms
    from retrieval.lexical import analyzer_id
    from tests.fakes import GlossEmbedder

    emb = GlossEmbedder()
    day = make_snn_zip(tmp_path / "day.zip", 20)
    service = open_service(tmp_path / "home", emb)
    service.indexer.ingest([seed_path, day])
    lex, cl = service.indexer.lexical, service.indexer.crosslingual
    path = tmp_path / "home" / "crosslingual.npz"
    assert path.exists() and len(cl) > 500 and cl.missing(lex.vocab) == [] and cl.pending == 0
    embedded = [w for words, bulk in emb.word_calls if bulk for w in words]
    assert len(embedded) == len(cl)  # each term once, in bulk
    assert CrossLingualTerms.load(path, model=emb.name, analyzer=analyzer_id()).words == cl.words

    service.indexer.ingest([seed_path, day])  # nothing new: no word is embedded again
    assert [w for words, bulk in emb.word_calls if bulk for w in words] == embedded

    terms_before = set(cl.terms)
    path.unlink()  # e.g. an index made before this file existed, or a run killed before the vectors were saved
    again = open_service(tmp_path / "home", GlossEmbedder())
    assert len(again.indexer.crosslingual) == 0
    again.indexer.ingest([seed_path])
    rebuilt = again.indexer.crosslingual
    assert path.exists() and rebuilt.missing(lex.vocab) == []
    assert set(rebuilt.terms) == terms_before
    assert all(terms(w) == [t] for t, w in zip(rebuilt.terms, rebuilt.words))  # real spellings, from the manifest


def test_catch_up_reads_only_the_chunks_holding_a_missing_term(tmp_path, seed_path, monkeypatch):
    """After an interrupt a few terms lack vectors: their chunks are re-read, not the whole corpus."""
    from retrieval.analysis import terms
    from retrieval.crosslingual import CrossLingualTerms
    from retrieval.lexical import analyzer_id
    from tests.fakes import GlossEmbedder

    day = make_snn_zip(tmp_path / "day.zip", 20)
    service = open_service(tmp_path / "home", GlossEmbedder())
    service.indexer.ingest([seed_path, day])
    lex, cl = service.indexer.lexical, service.indexer.crosslingual
    lost = {t for t in cl.terms if len(lex.chunks_with([t])) == 1}
    lost = set(sorted(lost)[:5])
    assert len(lost) == 5
    path = tmp_path / "home" / "crosslingual.npz"
    part = CrossLingualTerms.load(path, model=GlossEmbedder.name, analyzer=analyzer_id())
    part.retain(set(part.terms) - lost)  # what a run killed before its last save leaves
    part.save()

    again = open_service(tmp_path / "home", GlossEmbedder())
    read = []
    real = again.manifest.chunk_texts
    monkeypatch.setattr(again.manifest, "chunk_texts", lambda ids: read.extend(ids) or real(ids))
    again.indexer.ingest([seed_path])
    rebuilt = again.indexer.crosslingual
    assert rebuilt.missing(lex.vocab) == [] and set(rebuilt.terms) == set(cl.terms)
    assert 0 < len(set(read)) <= 5 and set(read) == set(lex.chunks_with(lost))
    assert all(terms(rebuilt.words[rebuilt.terms.index(t)]) == [t] for t in lost)  # real spellings again


def test_model_mismatch_names_rebuild(tmp_path, fake_embedder, seed_path):
    from retrieval.errors import ModelMismatchError

    open_service(tmp_path / "home", fake_embedder).indexer.ingest([seed_path])

    class Other(type(fake_embedder)):
        name = "test/other-model"

    with pytest.raises(ModelMismatchError, match="--rebuild"):
        open_service(tmp_path / "home", Other())


def test_interrupted_lexical_save_leaves_old_file_usable(tmp_path, fake_embedder, seed_path, monkeypatch):
    """A crash inside save (before os.replace) leaves a stray temp file and the previous index intact."""
    import os

    from retrieval.lexical import LexicalIndex

    service = open_service(tmp_path / "home", fake_embedder)
    service.indexer.ingest([seed_path])
    path = tmp_path / "home" / "lexical.npz"
    before = LexicalIndex.load(path).chunk_ids
    lex = service.indexer.lexical
    lex.add(["extra::0"], ["extra"], ["كلمات جديدة"])

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        lex.save()
    monkeypatch.undo()
    assert list((tmp_path / "home").glob("lexical.npz.tmp*"))
    assert LexicalIndex.load(path).chunk_ids == before
    again = open_service(tmp_path / "home", fake_embedder)
    again.indexer.ingest([seed_path])
    assert ids_everywhere(again)[2] == sorted(before)


@pytest.mark.slow
def test_seed_and_day_with_real_embedder(tmp_path, real_embedder, seed_path, tmp_path_factory):
    """The real model: seed article plus 60 SaudiNewsNet records, then idempotent re-ingest."""
    emb = CountingEmbedder(real_embedder)
    service = open_service(tmp_path / "home", emb)
    day = make_snn_zip(tmp_path / "day.zip", 60)
    rep = service.indexer.ingest([seed_path, day])
    assert rep.added == service.stats()["articles"] > 50
    assert len(emb.passages) == rep.chunks_added
    vecs = service.indexer.store.embeddings(service.indexer.store.all_ids()[:5])
    assert all(abs(float(np.linalg.norm(v)) - 1.0) < 1e-3 and v.shape == (real_embedder.dimension,)
               for v in vecs.values())
    _assert_consistent(service)
    n = len(emb.passages)
    rep2 = service.indexer.ingest([seed_path, day])
    assert len(emb.passages) == n and rep2.unchanged == rep.added
    hits = service.search("ماذا قال شي جين بينغ في رسالة التهنئة بالعام الجديد؟", k=3)
    assert hits and hits[0].article_id == "000_84ffc645cff79ea0"
    # English over Arabic: the question's words are translated into the index's Arabic terms.
    cl = service.indexer.crosslingual
    assert cl.missing(service.indexer.lexical.vocab) == [] and (tmp_path / "home" / "crosslingual.npz").exists()
    hits = service.search("What did Xi Jinping say in his New Year congratulations?", k=3)
    assert "translate_ms" in service.searcher.last_timings
    assert hits[0].article_id == "000_84ffc645cff79ea0" and hits[0].lexical_score > 0
