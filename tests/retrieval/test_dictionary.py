"""The English-Arabic dictionary: dictd files, inflected look-ups, its place in the search, and the real FreeDict."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from retrieval.analysis import terms
from retrieval.dictionary import Dictionary, arabic_stems, base_forms, parse_entry
from retrieval.search import SearchConfig, Searcher
from tests.fakes import GlossEmbedder
from tests.retrieval.conftest import ReadCounter, service_over, write_dictd
from tests.retrieval.test_search import ARTICLES, ENGLISH

@pytest.fixture(scope="module")
def gloss_service(tmp_path_factory):
    return service_over(tmp_path_factory.mktemp("gloss-dict"), ARTICLES, GlossEmbedder())


@pytest.fixture(scope="module")
def mixed_service(tmp_path_factory):
    return service_over(tmp_path_factory.mktemp("mixed-dict"), ARTICLES + ENGLISH, GlossEmbedder())


def test_base_forms_undo_common_inflections():
    assert base_forms("cities")[:2] == ["cities", "city"]
    assert "found" in base_forms("founded") and "race" in base_forms("raced")
    assert "make" in base_forms("making") and base_forms("races")[1] == "race"
    assert base_forms("gas") == ["gas"] and base_forms("press") == ["press"]


def test_arabic_words_lose_al_and_their_clitics_but_short_words_stay_whole():
    assert arabic_stems("النفط") == ["نفط"] and arabic_stems("والنفط") == ["والنفط", "نفط"]
    assert arabic_stems("للملك") == ["للملك", "ملك"] and arabic_stems("بالمدينة") == ["بالمدينه", "مدينه"]
    assert arabic_stems("وزارة") == ["وزاره", "زاره"]  # the whole word is tried first
    assert arabic_stems("فيلم") == ["فيلم"] and arabic_stems("الله") == ["الله"]  # too short to strip


def test_arabic_lookups_pool_the_word_with_and_without_al():
    d = Dictionary({"مدينة": ["Polis"], "المدينة": ["City"], "النفط": ["Oil"], "نفط": ["Oil", "Petroleum"]},
                   source="ar")
    assert d.lookup("بالمدينة") == ("Polis", "City") and d.lookup("مدينه") == ("Polis", "City")
    assert d.lookup("والنفط") == ("Oil", "Petroleum") and d.lookup("فيلم") == ()
    assert Dictionary({"Oil": ["النفط"], "oil": ["زيت"]}).lookup("OIL") == ("النفط", "زيت")  # folded keys pool


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
                         crosslingual=s.crosslingual, dictionaries={"arabic": d},
                         config=SearchConfig(translation_weight=5.0))
    n = len(emb.word_calls)
    out = with_dict._translated_terms("Camels of Taif race")
    assert out[camel] == 1.0 and out[taif] == 1.0
    # "race" has a translation, but not one the index holds: the term vectors translate it
    assert emb.word_calls[n:] == [(["race"], False)]
    n = len(emb.word_calls)
    assert with_dict.search("Camels of Taif", k=3)[0].article_id == "camel"
    assert len(emb.word_calls) == n  # every word from the dictionary: the model embedded none
    # without term vectors at all, the dictionary still translates
    bare = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=emb, dictionaries={"arabic": d})
    assert bare._translated_terms("Camels of Taif") == {camel: 1.0, taif: 1.0}


def test_a_capitalised_word_after_the_first_is_a_name_looked_up_as_written(gloss_service):
    """"Wales" would otherwise be found as "wale" (a mark); a first word is capitalised anyway, so it is not."""
    s = gloss_service.searcher
    camel = terms("الهجن")[0]
    d = Dictionary({"wale": ("الهجن",)})
    assert d.lookup("Wales") == ("الهجن",) and d.lookup("Wales", inflected=False) == ()
    asked = []
    inner = d.lookup
    d.lookup = lambda word, inflected=True: asked.append((word, inflected)) or inner(word, inflected=inflected)
    with_dict = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=s.embedder,
                         dictionaries={"arabic": d})
    assert with_dict._translated_terms("rain over Wales") == {}
    assert with_dict._translated_terms("Where is Wales?") == {}  # stopwords before it still make it a name
    assert with_dict._translated_terms("Wales rain")[camel] == 1.0
    assert with_dict._translated_terms("rain over wales")[camel] == 1.0  # typed in lower case: a word
    assert ("wales", False) in asked and asked.count(("wales", True)) == 2


def test_a_mixed_corpus_looks_words_up_in_the_dictionary_of_their_language(mixed_service):
    """English words for the Arabic articles in the English-Arabic dictionary, Arabic ones for the English
    articles in the Arabic-English one; each dictionary only ever sees words of its own language."""
    s = mixed_service.searcher
    asked: dict[str, list[str]] = {"arabic": [], "latin": []}

    def spy(d: Dictionary, into: str) -> Dictionary:
        inner = d.lookup
        d.lookup = lambda word, inflected=True: asked[into].append(word) or inner(word, inflected=inflected)
        return d

    en_ar = spy(Dictionary({"falcon": ("الصقر",)}), "arabic")
    ar_en = spy(Dictionary({"الصقر": ("Falcon", "Hawk"), "الحمام": ("Pigeons",)}, source="ar"), "latin")
    both = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=s.embedder,
                    crosslingual=s.crosslingual, dictionaries={"arabic": en_ar, "latin": ar_en})
    falcon_ar, falcon_en, pigeon_en = terms("الصقر")[0], terms("falcon")[0], terms("pigeons")[0]
    assert both._translated_terms("falcon", into="arabic")[falcon_ar] == 1.0
    # «الصقر» written «والصقر» is found by its clitic-free form; "Hawk" is no index term
    out = both._translated_terms("والصقر حمام", into="latin")
    assert out[falcon_en] == 1.0 and out[pigeon_en] == 1.0 and terms("hawk")[0] not in out
    assert asked["arabic"] == ["falcon"] and set(asked["latin"]) == {"والصقر", "حمام"}
    # with no term vectors, the English article's lexical evidence comes from the dictionary alone
    no_vectors = {"store": s.store, "lexical": s.lexical, "manifest": s.manifest, "embedder": s.embedder}
    plain = {h.article_id: h for h in Searcher(**no_vectors).search("والصقر حمام", k=10)}
    looked_up = {h.article_id: h for h in Searcher(**no_vectors, dictionaries={"latin": ar_en}).search("والصقر حمام", k=10)}
    assert not plain.get("falcon-en") or not plain["falcon-en"].lexical_score
    assert looked_up["falcon-en"].lexical_score > 1 and looked_up["oil-en"].lexical_score < 1e-6


def test_an_english_only_corpus_never_reads_the_english_arabic_dictionary(tmp_path):
    """With no Arabic text to translate into, an English word the index lacks costs no dictionary read."""
    svc = service_over(tmp_path, ENGLISH, GlossEmbedder())
    s = svc.searcher
    dictionary = ReadCounter.open(write_dictd(tmp_path / "en-ar", {"camel": "الهجن"}))
    spied = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=s.embedder,
                     crosslingual=s.crosslingual, dictionaries={"arabic": dictionary})
    assert spied._translated_terms("camel falcon") == {}
    hits = spied.search("camel falcon", k=2)
    assert hits[0].article_id == "falcon-en" and dictionary.reads == 0
    assert dictionary.lookup("camel") == ("الهجن",) and dictionary.reads == 1  # the counter sees a real read


def test_the_service_opens_each_dictionary_for_its_language(tmp_path, fake_embedder):
    """build_service gives the English-Arabic file English headwords and the Arabic-English one Arabic headwords."""
    from khabar.app import build_service, open_index
    from khabar.settings import DICTIONARIES, get_settings

    folder = tmp_path / "dicts"
    folder.mkdir()
    write_dictd(folder / DICTIONARIES["arabic"].removesuffix(".index"), {"Oil": "النفط"})
    write_dictd(folder / DICTIONARIES["latin"].removesuffix(".index"), {"النفط": "Oil"})
    settings = get_settings(khabar_home=tmp_path / "home", chroma_host="", khabar_dictionary=str(folder))
    d = build_service(settings, index=open_index(settings, embedder=fake_embedder)).searcher.dictionaries
    assert d["arabic"].lookup("oil") == ("النفط",) and d["latin"].lookup("والنفط") == ("Oil",)


def test_a_broken_dictionary_falls_back_to_the_term_vectors(gloss_service, caplog):
    s = gloss_service.searcher

    class Broken:
        def lookup(self, word, **_):
            raise RuntimeError("bad file")

    broken = Searcher(store=s.store, lexical=s.lexical, manifest=s.manifest, embedder=s.embedder,
                      crosslingual=s.crosslingual, dictionaries={"arabic": Broken()})
    with caplog.at_level(logging.WARNING):
        out = broken._translated_terms("camel race")
    assert out == s._translated_terms("camel race") and "translating without it" in caplog.text


def real_dictionaries() -> dict[str, Path]:
    """Both FreeDict dictionaries where `make setup` puts them (a skip only where apt-get cannot fetch them)."""
    from khabar.settings import DICTIONARIES, find_dictionaries

    found = find_dictionaries("auto")
    if len(found) < len(DICTIONARIES) and shutil.which("apt-get") is None:
        pytest.skip("no apt-get here to fetch Debian's dict-freedict-eng-ara and dict-freedict-ara-eng")
    assert len(found) == len(DICTIONARIES), "FreeDict's dictionaries missing: run `make setup` (scripts/get-dictionary.sh)"
    return found


def test_the_real_freedict_dictionaries_that_setup_fetches():
    found = real_dictionaries()
    en_ar, ar_en = Dictionary.open(found["arabic"]), Dictionary.open(found["latin"], source="ar")
    assert len(en_ar) > 80_000 and len(ar_en) > 45_000
    for en, ar in {"Sudan": "السودان", "Yemen": "اليمن", "oil": "النفط", "king": "الملك", "cities": "المدن"}.items():
        assert ar in en_ar.lookup(en), (en, en_ar.lookup(en))
    for ar, en in {"السودان": "Sudan", "والنفط": "Oil", "نفط": "Oil", "للملك": "King", "بالمدينة": "City"}.items():
        assert en in ar_en.lookup(ar), (ar, ar_en.lookup(ar))


@pytest.mark.slow
def test_english_questions_over_real_news_with_the_real_dictionary_and_model(tmp_path, real_embedder):
    """The whole real path: FreeDict, the e5 model, embedded Chroma and SaudiNewsNet articles."""
    from khabar.app import build_service, open_index
    from khabar.settings import get_settings
    from tests.retrieval.conftest import CountingEmbedder, make_snn_zip

    folder = real_dictionaries()["arabic"].parent
    emb = CountingEmbedder(real_embedder)
    settings = get_settings(khabar_home=tmp_path / "home", chroma_host="", khabar_dictionary=str(folder))
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


def test_find_dictionaries_reads_the_setting(tmp_path):
    from khabar.settings import DICTIONARIES, find_dictionaries

    system, cache = tmp_path / "usr-share-dictd", tmp_path / "cache"
    system.mkdir()
    cache.mkdir()
    en_ar, ar_en = DICTIONARIES["arabic"], DICTIONARIES["latin"]
    assert find_dictionaries("auto", (system, cache)) == {}
    (cache / en_ar).write_text("")
    (cache / ar_en).write_text("")
    assert find_dictionaries("auto", (system, cache)) == {"arabic": cache / en_ar, "latin": cache / ar_en}
    (system / en_ar).write_text("")  # the installed package first, each dictionary on its own
    assert find_dictionaries(" AUTO ", (system, cache)) == {"arabic": system / en_ar, "latin": cache / ar_en}
    assert find_dictionaries("none") == find_dictionaries("off") == find_dictionaries("") == {}
    assert find_dictionaries(str(system)) == {"arabic": system / en_ar}  # a folder: what it holds
    assert find_dictionaries("~/no-such-folder") == {}
