"""The English-Arabic dictionary: dictd files, inflected look-ups, its place in the search, and the real FreeDict."""

from __future__ import annotations

import logging
import shutil
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


@pytest.mark.parametrize("damage", ["absent", "not gzip", "corrupt body"])
def test_a_missing_or_damaged_dictionary_is_empty_says_so_once(tmp_path, caplog, damage):
    index = write_dictd(tmp_path / "eng-ara", {"Camel": "الجمل " * 200})
    dz = Path(str(tmp_path / "eng-ara") + ".dict.dz")
    if damage == "absent":
        index = tmp_path / "absent.index"
    elif damage == "not gzip":
        dz.write_bytes(b"not gzip at all")
    else:  # a valid gzip header, then garbage: zlib's own error, not gzip's
        raw = dz.read_bytes()
        dz.write_bytes(raw[:12] + bytes(b ^ 0x5A for b in raw[12:-8]) + raw[-8:])
    d = Dictionary.open(index)
    with caplog.at_level(logging.WARNING):
        assert d.lookup("camel") == () and d.lookup("oil") == ()
    assert caplog.text.count("cannot be read") == 1  # read once, then known to be empty


def test_one_damaged_index_line_costs_its_own_entry(tmp_path, caplog):
    index = write_dictd(tmp_path / "eng-ara", {"Camel": "الجمل", "Oil": "النفط"})
    lines = index.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace("\t", "\t!", 1)  # the camel line's offset is no longer base64
    lines[2] += "\toil"  # a fourth column, as `dictfmt --index-keep-orig` writes
    index.write_text("\n".join(lines), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        d = Dictionary.open(index)
        assert d.lookup("camel") == () and d.lookup("oil") == ("النفط",)
    assert "1 damaged index lines" in caplog.text


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
    # a mixed corpus: an English question's words for the Arabic pool are looked up too (known ones included)...
    assert with_dict._translated_terms("camel races", into="arabic")[camel] == 1.0
    # ...but an Arabic question's words for the English pool never are: the dictionary is English-Arabic
    asked: list[str] = []
    spy = Dictionary({"camel": ("الهجن",)})
    spy.lookup = lambda word: asked.append(word) or ()
    spied = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=emb,
                     crosslingual=s.crosslingual, dictionary=spy)
    assert spied._translated_terms("سباق الهجن", into="latin") == s._translated_terms("سباق الهجن", into="latin")
    assert spied._translated_terms("سباق الهجن") == {} and asked == []


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
    if found is None and shutil.which("apt-get") is None:
        pytest.skip("no apt-get here to fetch Debian's dict-freedict-eng-ara; set KHABAR_DICTIONARY to a dictd file")
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

    found = find_dictionary("auto")
    if found is None and shutil.which("apt-get") is None:
        pytest.skip("no apt-get here to fetch Debian's dict-freedict-eng-ara")
    assert found is not None, "no English-Arabic dictionary: run `make setup` (scripts/get-dictionary.sh)"
    emb = CountingEmbedder(real_embedder)
    settings = get_settings(khabar_home=tmp_path / "home", chroma_host="", khabar_dictionary=str(found))
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


def test_find_dictionary_reads_the_setting(tmp_path):
    from khabar.settings import DICTIONARY_NAME, find_dictionary

    system, cache = tmp_path / "usr-share-dictd", tmp_path / "cache"
    system.mkdir()
    cache.mkdir()
    assert find_dictionary("auto", (system, cache)) is None
    (cache / DICTIONARY_NAME).write_text("")
    assert find_dictionary("auto", (system, cache)) == cache / DICTIONARY_NAME
    (system / DICTIONARY_NAME).write_text("")
    assert find_dictionary(" AUTO ", (system, cache)) == system / DICTIONARY_NAME  # the installed package first
    assert find_dictionary("none") is None and find_dictionary("off") is None and find_dictionary("") is None
    assert find_dictionary("~/d/eng-ara.index") == Path.home() / "d" / "eng-ara.index"
