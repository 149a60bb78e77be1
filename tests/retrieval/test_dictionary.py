"""The English-Arabic dictionary: dictd files, inflected look-ups, its place in the search, and the real FreeDict."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from retrieval.analysis import terms
from retrieval.dictionary import Dictionary, base_forms, parse_entry
from retrieval.search import SearchConfig, Searcher
from tests.fakes import GlossEmbedder
from tests.retrieval.conftest import service_over, write_dictd
from tests.retrieval.test_search import ARTICLES

@pytest.fixture(scope="module")
def gloss_service(tmp_path_factory):
    return service_over(tmp_path_factory.mktemp("gloss-dict"), ARTICLES, GlossEmbedder())


def test_base_forms_undo_common_inflections():
    assert base_forms("cities")[:2] == ["cities", "city"]
    assert "found" in base_forms("founded") and "race" in base_forms("raced")
    assert "make" in base_forms("making") and base_forms("races")[1] == "race"
    assert base_forms("gas") == ["gas"] and base_forms("press") == ["press"]


def test_entries_split_into_translations():
    assert parse_entry("Residuals /x/\nالترسّبات،  البواقي\n") == ["الترسّبات", "البواقي"]
    assert parse_entry("Football /x/\nكرة القدم\n") == ["كرة القدم"]
    assert parse_entry("A1 /x/\n1. ممتاز\n2. من الدرجة الأولى\n") == ["ممتاز", "من الدرجة الأولى"]
    assert parse_entry("Isis /x/\nإيزيس - الرّبّة الرّئيسيّة المعبودة من\n") == []  # a gloss, not a translation
    assert parse_entry("Nuclide /x/\nنوع من الذّرات الأخرى\n") == []


@pytest.mark.parametrize("compressed", [True, False])
def test_lookup_reads_dictd_files_case_insensitively_and_by_base_form(tmp_path, compressed):
    index = write_dictd(tmp_path / "eng-ara", {"Camel": "الجمل", "Race": "السباق، المنافسة", "City": "المدينة"},
                        compressed=compressed)
    d = Dictionary.open(index)
    assert d.lookup("camel") == ("الجمل",) and d.lookup("CAMELS") == ("الجمل",)
    assert d.lookup("races") == ("السباق", "المنافسة") and d.lookup("cities") == ("المدينة",)
    assert d.lookup("falcon") == () and len(d) == 3  # the 00-database header is not a word


def test_a_missing_or_damaged_dictionary_is_empty_and_says_so(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        assert Dictionary.open(tmp_path / "absent.index").lookup("camel") == ()
    assert "cannot be read" in caplog.text
    index = write_dictd(tmp_path / "eng-ara", {"Camel": "الجمل"})
    Path(str(tmp_path / "eng-ara") + ".dict.dz").write_bytes(b"not gzip at all")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert Dictionary.open(index).lookup("camel") == ()
    assert "cannot be read" in caplog.text


def test_the_dictionary_translates_first_and_the_term_vectors_the_rest(gloss_service):
    """Words the dictionary knows get its terms at weight 1 without touching the model; the others go as before."""
    s = gloss_service.searcher
    emb = s.embedder
    camel, taif = terms("الهجن")[0], terms("الطائف")[0]
    d = Dictionary({"camel": ("الهجن",), "taif": ("الطائف",), "race": ("كلمة لا يعرفها الفهرس",)})
    with_dict = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=emb,
                         crosslingual=s.crosslingual, dictionary=d, config=SearchConfig(translation_weight=5.0))
    n = len(emb.word_calls)
    out = with_dict._translated_terms("Camels of Taif race")
    assert out[camel] == 1.0 and out[taif] == 1.0
    # "race" has a translation, but not one the index holds: the term vectors translate it
    assert emb.word_calls[n:] == [(["race"], False)]
    n = len(emb.word_calls)
    assert with_dict.search("Camels of Taif", k=3)[0].article_id == "camel"
    assert len(emb.word_calls) == n  # every word from the dictionary: the model embedded none
    # an Arabic question, and a mixed corpus's English pool (translated into Latin terms), never use it
    assert with_dict._translated_terms("سباق الهجن") == {}


def test_a_broken_dictionary_falls_back_to_the_term_vectors(gloss_service, caplog):
    s = gloss_service.searcher

    class Broken:
        def lookup(self, word):
            raise RuntimeError("bad file")

    broken = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=s.embedder,
                      crosslingual=s.crosslingual, dictionary=Broken())
    with caplog.at_level(logging.WARNING):
        out = broken._translated_terms("camel race")
    assert out == s._translated_terms("camel race") and "translating without it" in caplog.text


def test_the_real_freedict_dictionary_that_setup_fetches():
    """`make setup` puts FreeDict's English-Arabic dictionary where KHABAR_DICTIONARY=auto finds it."""
    from khabar.settings import find_dictionary

    found = find_dictionary("auto")
    assert found is not None, "no English-Arabic dictionary: run `make setup` (scripts/get-dictionary.sh)"
    d = Dictionary.open(found)
    assert len(d) > 80_000
    for en, ar in {"Sudan": "السودان", "Yemen": "اليمن", "oil": "النفط", "king": "الملك", "cities": "المدن"}.items():
        assert ar in d.lookup(en), (en, d.lookup(en))


@pytest.mark.slow
def test_english_questions_over_real_news_with_the_real_dictionary_and_model(tmp_path, real_embedder):
    """The whole real path: FreeDict, the e5 model, embedded Chroma and SaudiNewsNet articles."""
    from khabar.app import build_service, open_index
    from khabar.settings import find_dictionary, get_settings
    from tests.retrieval.conftest import CountingEmbedder, make_snn_zip

    emb = CountingEmbedder(real_embedder)
    settings = get_settings(khabar_home=tmp_path / "home", chroma_host="", khabar_dictionary=str(find_dictionary("auto")))
    service = build_service(settings, index=open_index(settings, embedder=emb))
    assert service.indexer.ingest([make_snn_zip(tmp_path / "day.zip", 60)]).failed == 0
    words: list = []
    emb.embed_words = lambda ws, **kw: (words.append(list(ws)), real_embedder.embed_words(ws, **kw))[1]
    for question, title, arabic in [
        ("Why are people in America renting chickens?", "تأجير الدجاج على الإنترنت", "الدجاج"),
        ("How many people died when a boat sank in the Nile?", "غرق مركب في النيل", "النيل"),
    ]:
        words.clear()
        translated = service.searcher._translated_terms(question)
        assert translated[terms(arabic)[0]] == 1.0, translated  # the dictionary's word, at full weight
        flat = [w for call in words for w in call]
        assert "chickens" not in flat and "Nile" not in flat and "nile" not in flat  # not asked of the model
        hits = service.search(question, k=3)
        assert title in hits[0].title and hits[0].lexical_score > 0
