"""Searcher behaviour over a real Chroma + manifest + BM25 index in tmp, with the deterministic HashEmbedder."""

from pathlib import Path

import pytest

from retrieval.analysis import terms
from retrieval.models import Filters
from retrieval.search import SearchConfig, Searcher
from tests.fakes import GlossEmbedder, HashEmbedder
from tests.retrieval.conftest import service_over

FALCON = ("الرياض 5 ديسمبر 2020 (واس) - اصطاد الصقر الشاهين حمامة فوق الصحراء قرب الرياض، "
          "وقال مربو الصقور إن موسم الصيد بدأ مبكرا هذا العام بسبب الطقس البارد.")
CAMEL = ("الطائف 23 يوليو 2015 - انطلق سباق الهجن السنوي في الطائف بمشاركة ألف ناقة، "
         "ويستخدم المنظمون الراكب الآلي بدلا من الأطفال منذ سنوات.")
OIL = "أعلنت وزارة الطاقة ارتفاع إنتاج النفط الخام في المنطقة الشرقية خلال شهر مارس."
# One long article (several chunks) that mentions palms in many sentences.
PALMS = " ".join(f"النخيل بواحة الأحساء تنتج تمور الخلاص الحلوة صيفا رقم {i} ويعمل المزارعون بالبساتين."
                 for i in range(60))

ARTICLES = [
    {"id": "falcon-riyadh", "title": "الصقور", "text": FALCON, "source": "alriyadh", "date": "2020-12-05",
     "agency": "واس", "city": "الرياض"},
    # The same wire story republished by another outlet, with its own furniture line.
    {"id": "falcon-okaz", "title": "الصقور", "text": FALCON + " (عكاظ)", "source": "okaz", "date": "2020-12-05",
     "agency": "واس", "city": "الرياض"},
    {"id": "camel", "title": "الهجن", "text": CAMEL, "source": "okaz", "date": "2015-07-23", "city": "الطائف"},
    {"id": "oil", "title": "النفط", "text": OIL, "source": "alyaum", "date": "2019-03-01"},
    {"id": "palms", "title": "النخيل", "text": PALMS, "source": "alhayat", "date": "2018-06-10"},
]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return service_over(tmp_path_factory.mktemp("search"), ARTICLES, HashEmbedder())


@pytest.fixture(scope="module")
def searcher(service):
    return service.searcher


def test_every_mode_finds_the_article_sharing_the_words(searcher):
    for mode in ("dense", "lexical", "hybrid", "rrf"):
        hits = searcher.search("سباق الهجن الطائف", k=3, mode=mode)
        assert hits and hits[0].article_id == "camel", mode


def test_unknown_mode_rejected(searcher):
    with pytest.raises(ValueError):
        searcher.search("النفط", mode="magic")


def test_passages_are_verbatim_spans_of_the_article(service, searcher):
    for hit in searcher.search("تمور الخلاص في الأحساء", k=5):
        text = service.article(hit.article_id).text
        for p in hit.passages:
            assert text[p.start:p.end] == p.text


def test_chunks_of_one_article_collapse_into_one_hit(searcher, service):
    assert len(service.manifest.chunk_ids_of("palms")) > 1
    hits = searcher.search("النخيل تمور الخلاص البساتين", k=5, mode="hybrid")
    ids = [h.article_id for h in hits]
    assert ids[0] == "palms"
    assert len(ids) == len(set(ids))
    palms = hits[0]
    assert 1 < len(palms.passages) <= searcher.config.passages_per_hit
    assert len({p.chunk_id for p in palms.passages}) == len(palms.passages)


def test_near_duplicate_wire_stories_merge_into_also_in(searcher):
    hits = searcher.search("الصقر الشاهين يصطاد الحمام قرب الرياض", k=5)
    falcons = [h for h in hits if h.article_id.startswith("falcon")]
    assert len(falcons) == 1
    other = "okaz" if falcons[0].source == "alriyadh" else "alriyadh"
    assert falcons[0].also_in == (other,)


def test_source_filter_is_applied_inside_the_search(searcher):
    # The best match overall is the falcon story; with k=1 a post-filter would return nothing.
    hits = searcher.search("الصقر الشاهين", k=1, filters=Filters(source="alyaum"))
    assert [h.article_id for h in hits] == ["oil"]
    for mode in ("dense", "lexical", "hybrid"):
        hits = searcher.search("الصقر الشاهين حمامة", k=5, mode=mode, filters=Filters(source="okaz"))
        assert hits and {h.source for h in hits} == {"okaz"}, mode
        assert hits[0].article_id == "falcon-okaz"


def test_date_window_filter(searcher):
    hits = searcher.search("سباق الهجن الصقر النخيل النفط", k=10, filters=Filters(since="2015-01-01",
                                                                                 until="2015-12-31"))
    assert [h.article_id for h in hits] == ["camel"]
    hits = searcher.search("سباق الهجن الصقر النخيل النفط", k=10, filters=Filters(since="2019-01-01"))
    assert {h.article_id for h in hits} <= {"oil", "falcon-riyadh", "falcon-okaz"}
    assert "oil" in {h.article_id for h in hits}


def test_english_query_over_arabic_text_gives_lexical_weight_zero(searcher):
    q = "Which falcon hunts pigeons near Riyadh?"
    assert searcher.lexical.coverage(q) == 0.0
    plain = Searcher(store=searcher.store, lexical=searcher.lexical, manifest=searcher.manifest,
                     embedder=searcher.embedder, config=SearchConfig(prf_weight=0.0))
    hybrid = plain.search(q, k=5, mode="hybrid")
    assert "lexical_ms" not in plain.last_timings  # BM25 of the query's own words is not even consulted
    dense = plain.search(q, k=5, mode="dense")
    assert [h.article_id for h in hybrid] == [h.article_id for h in dense]
    assert all(h.lexical_score is None for h in hybrid)


def test_english_query_uses_cross_lingual_feedback_from_dense_hits(searcher):
    q = "Which falcon hunts pigeons near Riyadh?"
    searcher = Searcher(store=searcher.store, lexical=searcher.lexical, manifest=searcher.manifest,
                        embedder=searcher.embedder, config=SearchConfig(prf_weight=0.6))
    hits = searcher.search(q, k=5, mode="hybrid")
    assert searcher.last_timings.get("prf") == 1.0
    assert "lexical_ms" not in searcher.last_timings
    def story(hs):  # wire copies are one story
        return sorted(h.article_id.split("-")[0] for h in hs)
    # Feedback only reorders the dense candidates; it never brings in articles dense search did not find.
    assert story(hits) == story(searcher.search(q, k=5, mode="dense"))


def test_feedback_scores_favour_chunks_sharing_the_seed_terms(service):
    lex = service.searcher.lexical
    camel = service.manifest.chunk_ids_of("camel")
    oil = service.manifest.chunk_ids_of("oil")
    scores = lex.feedback_scores(camel, camel + oil + ["unknown"], n_terms=5)
    assert scores[camel[0]] > 0 and scores[camel[0]] > scores[oil[0]]
    assert scores["unknown"] == 0.0
    assert lex.feedback_scores([], oil) == {oil[0]: 0.0}


def test_arabic_query_uses_both_scores(searcher):
    hits = searcher.search("سباق الهجن الطائف", k=3, mode="hybrid")
    assert "lexical_ms" in searcher.last_timings
    assert hits[0].dense_score is not None and hits[0].lexical_score is not None
    assert hits[0].lexical_score > 0


def test_service_search_parses_date_window_from_the_question(service):
    hits = service.search("سباق الهجن في يوليو 2015", k=5)
    assert hits and all(h.date.startswith("2015-07") for h in hits)


@pytest.fixture(scope="module")
def gloss_service(tmp_path_factory):
    return service_over(tmp_path_factory.mktemp("gloss"), ARTICLES, GlossEmbedder())


def test_english_query_over_arabic_text_scores_translated_terms(gloss_service):
    searcher = gloss_service.searcher
    emb = searcher.embedder
    assert any(bulk for _, bulk in emb.word_calls)  # the ingest embedded the Arabic vocabulary in bulk
    assert (Path(gloss_service.indexer.lexical.path).parent / "crosslingual.npz").exists()
    q = "camel race"
    assert searcher.lexical.coverage(q) == 0.0
    hits = searcher.search(q, k=3, mode="hybrid")
    assert "translate_ms" in searcher.last_timings and "lexical_ms" in searcher.last_timings
    assert emb.word_calls[-1] == (["camel", "race"], False)  # the question's words: the exact query graph
    by_id = {h.article_id: h for h in hits}
    assert by_id["camel"].lexical_score > max(h.lexical_score for h in hits if h.article_id != "camel")
    # The hash embedder's dense side knows nothing here; with a heavy lexical weight the translation decides.
    lexical_led = Searcher(store=searcher.store, lexical=searcher.lexical, manifest=searcher.manifest, embedder=emb,
                           crosslingual=searcher.crosslingual, config=SearchConfig(translation_weight=5.0))
    assert lexical_led.search(q, k=3)[0].article_id == "camel"
    # Filters hold for the translated lexical candidates too.
    filtered = lexical_led.search("falcon pigeon", k=5, mode="hybrid", filters=Filters(source="okaz"))
    assert filtered and all(h.source == "okaz" for h in filtered)
    assert filtered[0].article_id == "falcon-okaz"
    # Arabic questions never go through translation.
    searcher.search("سباق الهجن", k=3, mode="hybrid")
    assert "translate_ms" not in searcher.last_timings


def test_translation_weight_zero_is_dense_only(gloss_service):
    s = gloss_service.searcher
    plain = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=s.embedder,
                     crosslingual=s.crosslingual, config=SearchConfig(translation_weight=0.0))
    q = "falcon pigeon"
    hits = plain.search(q, k=5)
    assert "translate_ms" in plain.last_timings and "lexical_ms" not in plain.last_timings
    assert [h.article_id for h in hits] == [h.article_id for h in s.search(q, k=5, mode="dense")]


def test_mixed_and_dated_questions_keep_their_own_terms_and_translate_the_rest(gloss_service):
    s = gloss_service.searcher
    taif, camel, race = terms("الطائف")[0], terms("الهجن")[0], terms("سباق")[0]
    # A year the index knows used to lift coverage over the bar and leave BM25 with "2015" alone.
    assert s.lexical.coverage("camel race 2015") > SearchConfig().min_coverage
    dated = s._translated_terms("camel race 2015")
    assert dated["2015"] == 1.0 and dated[camel] == pytest.approx(1.0) and dated[race] == pytest.approx(1.0)
    mixed = s._translated_terms("camel race in الطائف")
    assert mixed[taif] == 1.0 and mixed[camel] == pytest.approx(1.0)  # the Arabic word is kept as written
    assert s._translated_terms("سباق الهجن في الطائف") == {}  # nothing to translate
    assert s._translated_terms("2015") == {}  # numbers stand for themselves


def test_a_failing_translation_falls_back_to_the_plain_search(gloss_service, caplog):
    s = gloss_service.searcher

    class Broken(GlossEmbedder):
        def embed_words(self, words, *, bulk=False, batch_size=256):
            raise RuntimeError("session lost")

    broken = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=Broken(),
                      crosslingual=s.crosslingual)
    with caplog.at_level("WARNING"):
        hits = broken.search("camel race", k=3)
    assert hits and "translate_ms" not in broken.last_timings and "searching without it" in caplog.text


def test_term_vectors_are_read_on_the_first_english_question_only(gloss_service, monkeypatch):
    """A reopened index reads crosslingual.npz lazily: a cold start and Arabic questions never pay for it."""
    from khabar.app import build_service, open_index
    from khabar.settings import Settings
    from retrieval import npzfile

    reads = []
    real_read = npzfile.read
    monkeypatch.setattr(npzfile, "read", lambda path: reads.append(Path(path).name) or real_read(path))
    home = Path(gloss_service.indexer.lexical.path).parent
    settings = Settings(khabar_home=home, chroma_host="")
    reopened = build_service(settings, index=open_index(settings, embedder=GlossEmbedder())).searcher
    assert "crosslingual.npz" not in reads
    reopened.search("سباق الهجن", k=3, mode="hybrid")
    assert "crosslingual.npz" not in reads
    expected = gloss_service.searcher.search("camel race", k=3, mode="hybrid")
    hits = reopened.search("camel race", k=3, mode="hybrid")
    assert reads.count("crosslingual.npz") == 1 and len(reopened.crosslingual) == len(gloss_service.searcher.crosslingual)
    assert [h.article_id for h in hits] == [h.article_id for h in expected]
    reopened.search("falcon pigeon", k=3, mode="hybrid")
    assert reads.count("crosslingual.npz") == 1



def _long_story_and_a_cut_copy() -> tuple[str, str]:
    """A real SaudiNewsNet story and its first 60% (another outlet's shorter run), which SimHash misses."""
    from corpus.fingerprint import article_simhash, is_near_duplicate
    from corpus.loaders import iter_articles
    from corpus.models import Article
    from tests.conftest import SNN

    for art in iter_articles([str(SNN / "2015-07-23.zip")]):
        words = art.text.split() if isinstance(art, Article) else []
        cut = " ".join(words[: len(words) * 6 // 10])
        if len(words) >= 300 and not is_near_duplicate(article_simhash(art.text), article_simhash(cut)):
            return art.text, cut
    raise AssertionError("no long story in the day")


def test_a_wire_story_cut_short_by_another_outlet_merges_into_also_in(tmp_path_factory):
    story, cut = _long_story_and_a_cut_copy()
    articles = [
        {"id": "story-okaz", "title": "خبر", "text": story, "source": "okaz", "date": "2015-07-23"},
        {"id": "story-madina", "title": "خبر", "text": cut, "source": "almadina", "date": "2015-07-23"},
        {"id": "camel", "title": "الهجن", "text": CAMEL, "source": "okaz", "date": "2015-07-23"},
    ]
    svc = service_over(tmp_path_factory.mktemp("cut"), articles, HashEmbedder())
    query = " ".join(cut.split()[:12])
    hits = svc.searcher.search(query, k=5)
    stories = [h for h in hits if h.article_id.startswith("story")]
    assert len(stories) == 1 and stories[0].also_in == ("almadina" if stories[0].source == "okaz" else "okaz",)
    simhash_only = Searcher(store=svc.searcher.store, lexical=svc.searcher.lexical, manifest=svc.manifest,
                            embedder=svc.searcher.embedder, config=SearchConfig(dedup_containment=0.0))
    assert len([h for h in simhash_only.search(query, k=5) if h.article_id.startswith("story")]) == 2


ENGLISH = [
    {"id": "falcon-en", "title": "Falcons", "text": "A falcon hunted a pigeon over the desert near Riyadh on Saturday.",
     "source": "reuters", "date": "2020-12-06"},
    {"id": "oil-en", "title": "Oil", "text": "Crude oil output rose in the eastern region in March.",
     "source": "reuters", "date": "2019-03-02"},
]


@pytest.fixture(scope="module")
def mixed_service(tmp_path_factory):
    return service_over(tmp_path_factory.mktemp("mixed"), ARTICLES + ENGLISH, GlossEmbedder())


def test_only_a_corpus_with_both_scripts_searches_the_other_one(searcher, mixed_service):
    assert searcher.lexical.script_counts()["latin"] == 0
    assert searcher._other_script("Which falcon hunts pigeons?") == ""  # English over all-Arabic text: as before
    mixed = mixed_service.searcher
    counts = mixed.lexical.script_counts()
    assert counts["latin"] == 2 and counts["arabic"] >= 5  # the palms article has several chunks
    assert mixed._other_script("الصقر") == "latin" and mixed._other_script("falcon") == "arabic"
    assert mixed._other_script("2020") == ""
    off = Searcher(store=mixed.store, lexical=mixed.lexical, manifest=mixed.manifest, embedder=mixed.embedder,
                   crosslingual=mixed.crosslingual, config=SearchConfig(cross_script_bonus=0.0))
    assert off._other_script("الصقر") == ""


def test_mixed_corpus_ranks_the_other_language_by_translated_words(mixed_service):
    """An Arabic question reaches the English article through the term vectors, and an English one the Arabic."""
    searcher = mixed_service.searcher
    assert mixed_service.indexer.crosslingual.missing(searcher.lexical.vocab) == []  # English terms embedded too
    hits = searcher.search("الصقر حمامة", k=10, mode="hybrid")
    assert "translate_ms" in searcher.last_timings
    by_id = {h.article_id: h for h in hits}
    assert by_id["falcon-en"].lexical_score > 1 and by_id["oil-en"].lexical_score < 1e-6
    assert [h.article_id for h in hits if h.source == "reuters"][0] == "falcon-en"
    hits = searcher.search("falcon pigeon", k=10, mode="hybrid")
    by_id = {h.article_id: h for h in hits}
    assert by_id["falcon-riyadh"].lexical_score > 1 and by_id["camel"].lexical_score < 1e-6
    # filters hold in the other language's search too
    only = searcher.search("الصقر حمامة", k=10, mode="hybrid", filters=Filters(source="reuters"))
    assert [h.article_id for h in only][:1] == ["falcon-en"] and {h.source for h in only} == {"reuters"}


def test_mixed_hits_carry_their_script_and_known_words_rank_the_other_pool_without_vectors(searcher,
                                                                                            mixed_service):
    s = mixed_service.searcher
    hits = s.search("الصقر حمامة", k=10)
    assert {h.script for h in hits} == {"arabic", "latin"}
    assert {h.script for h in searcher.search("الصقر حمامة", k=5)} == {""}  # a one-language search labels none
    bare = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=s.embedder, crosslingual=None)
    by_id = {h.article_id: h for h in bare.search("أين يصطاد الصقر المهاجر falcon", k=10)}
    assert by_id["falcon-en"].lexical_score > 1  # no term vectors: the question's English word still counts


def test_cross_script_bonus_lifts_the_other_language_without_touching_raw_scores(mixed_service):
    s = mixed_service.searcher
    def ranks(bonus):
        searcher = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=s.embedder,
                            crosslingual=s.crosslingual, config=SearchConfig(cross_script_bonus=bonus))
        return {h.article_id: (i, h.dense_score) for i, h in enumerate(searcher.search("الصقر حمامة", k=10))}
    small, big = ranks(0.01), ranks(5.0)
    assert small["falcon-en"][0] > 0 and big["falcon-en"][0] == 0  # a huge bonus puts English first
    assert big["oil-en"][0] < small["oil-en"][0]
    assert big["falcon-en"][1] == pytest.approx(small["falcon-en"][1])  # the reported cosine is the real one


def test_other_language_is_searched_in_memory_or_through_chroma(mixed_service, monkeypatch):
    """A small other-language share is searched exactly in memory; a large one by Chroma's script filter."""
    import retrieval.search as search_module

    s = mixed_service.searcher
    qv = s.embedder.embed_queries(["الصقر حمامة"])[0]

    def other_language(searcher, filters=None, found=None):
        allowed = None if filters is None else searcher.manifest.filter_article_ids(filters)
        return searcher._other_script_dense(qv, "latin", filters, allowed, found or {})

    mem = other_language(s)
    assert {a for _, a, _ in mem} == {"falcon-en", "oil-en"}
    stored = s.store.embeddings([c for c, _, _ in mem])
    assert all(score == pytest.approx(float(stored[c] @ qv), abs=1e-6) for c, _, score in mem)
    reads = []
    real_embeddings = s.store.embeddings
    monkeypatch.setattr(s.store, "embeddings", lambda ids: reads.append(len(ids)) or real_embeddings(ids))
    fresh = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=s.embedder)
    for script in ("arabic", "latin", "arabic", "latin"):  # questions in both languages, one after another
        fresh._pool(script)
    counts = s.lexical.script_counts()
    assert reads == [counts["arabic"], counts["latin"]]  # each script's vectors read once until the index changes
    monkeypatch.undo()
    monkeypatch.setattr(search_module, "MEMORY_POOL_MAX", 0)
    via_chroma = other_language(s)
    assert {(c, a) for c, a, _ in via_chroma} == {(c, a) for c, a, _ in mem}
    assert [a for _, a, _ in other_language(s, Filters(since="2020-01-01"))] == ["falcon-en"]
    monkeypatch.undo()
    assert [a for _, a, _ in other_language(s, Filters(since="2020-01-01"))] == ["falcon-en"]
    assert other_language(s, Filters(source="okaz")) == []
    # enough of the other language among the main search's hits already: no second search
    few = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=s.embedder,
                   config=SearchConfig(cross_script_candidates=1))
    assert other_language(few, found={mem[0][0]: mem[0][2]}) == []


def test_a_few_stray_english_chunks_do_not_make_a_corpus_mixed(mixed_service):
    s = mixed_service.searcher
    counts = s.lexical.script_counts()
    share = counts["latin"] / sum(counts.values())
    def other(min_share):
        return Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=s.embedder,
                        config=SearchConfig(cross_script_min_share=min_share))._other_script("الصقر")
    assert other(share) == "latin" and other(share + 0.01) == ""


def test_warm_up_reads_the_term_vectors_and_both_dictionaries_of_a_mixed_corpus(mixed_service, tmp_path):
    """After the warm-up a first English or Arabic question reads no file: they can even be deleted."""
    import shutil

    from retrieval.crosslingual import CrossLingualTerms
    from retrieval.dictionary import Dictionary
    from tests.retrieval.conftest import write_dictd

    s = mixed_service.searcher
    vectors = Path(shutil.copy(s.crosslingual.path, tmp_path / "crosslingual.npz"))
    fresh = CrossLingualTerms.load(vectors, model=s.crosslingual.model, analyzer=s.crosslingual.analyzer)
    en_ar = Dictionary.open(write_dictd(tmp_path / "en-ar", {"falcon": "الصقر"}))
    ar_en = Dictionary.open(write_dictd(tmp_path / "ar-en", {"الصقر": "Falcon"}), source="ar")
    warm = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=s.embedder,
                    crosslingual=fresh, dictionaries={"arabic": en_ar, "latin": ar_en})
    warm.warm_up()
    for path in tmp_path.iterdir():
        path.unlink()
    assert len(fresh) == len(s.crosslingual) > 0
    assert en_ar.lookup("falcon") == ("الصقر",) and ar_en.lookup("الصقر") == ("Falcon",)
    assert warm.search("falcon", k=1)[0].article_id in ("falcon-riyadh", "falcon-okaz", "falcon-en")


def test_warm_up_reads_only_the_dictionaries_a_one_language_corpus_uses(service, tmp_path):
    """Arabic articles: the English-Arabic dictionary only; English articles: neither."""
    from tests.retrieval.conftest import ReadCounter

    def warm(svc) -> tuple[int, int]:
        """(reads of the English-Arabic dictionary, of the Arabic-English one) by one warm-up."""
        s = svc.searcher
        en_ar = ReadCounter.open(tmp_path / "en-ar.index")
        ar_en = ReadCounter.open(tmp_path / "ar-en.index", source="ar")
        Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=s.embedder,
                 dictionaries={"arabic": en_ar, "latin": ar_en}).warm_up()
        return en_ar.reads, ar_en.reads

    assert warm(service) == (1, 0)
    (tmp_path / "english").mkdir()
    assert warm(service_over(tmp_path / "english", ENGLISH, GlossEmbedder())) == (0, 0)
