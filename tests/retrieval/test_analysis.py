"""Lexical analysis: Arabic normalisation, stopwords, stemming per script."""

import pytest

from retrieval.analysis import STEMMERS, analyzer, latin_names, terms, text_script


def test_diacritics_tatweel_and_hamza_forms_fold_to_one_term():
    assert terms("مُدَرِّسَةٌ") == terms("مدرسة") == terms("مدرســة")
    assert terms("أحمد", stem=False) == terms("احمد", stem=False) == terms("إحمد", stem=False)


def test_arabic_indic_digits_become_ascii():
    assert terms("عام ١٩٩٠") == terms("عام 1990")
    assert "1990" in terms("عام ١٩٩٠")


def test_ya_alef_maqsura_and_ta_marbuta_unify():
    assert terms("مستشفى", stem=False) == terms("مستشفي", stem=False)
    assert terms("مدرسة", stem=False) == terms("مدرسه", stem=False)


def test_arabic_stopwords_and_question_words_dropped():
    assert terms("في من على") == []
    assert terms("ماذا هل كم") == []


def test_default_stemmer_strips_article_conjunction_and_plural_suffixes():
    base = terms("معلم")
    assert len(base) == 1
    for form in ("المعلم", "والمعلم", "للمعلمين", "المعلمون", "بالمعلم"):
        assert terms(form) == base, form


def test_default_stemmer_handles_ta_marbuta_before_normalising():
    # Snowball needs the written ة to strip it; normalising first would leave "كبيره".
    assert terms("الكبيرة") == terms("كبير")


def test_english_is_stemmed_as_english_and_stopwords_dropped():
    assert terms("The runners were running") == ["runner", "run"]


def test_no_stemming_keeps_normalised_words():
    assert terms("المدرسة", stem=False) == ["المدرسه"]


@pytest.mark.parametrize("name", STEMMERS)
def test_every_stemmer_is_idempotent_on_its_output_vocabulary_size(name):
    fn = analyzer(name)
    out = fn("والمدرسة الكبيرة في الرياض عام ١٩٩٠ Riyadh schools")
    assert "1990" in out
    assert all(out)
    assert len(out) == 7  # "في" is a stopword; every other word yields one term


def test_unknown_stemmer_rejected():
    with pytest.raises(ValueError):
        terms("x", stemmer="porter9")


def test_a_question_s_script():
    assert text_script("ما هي عاصمة السعودية؟") == "arabic"
    assert text_script("What is the capital of Saudi Arabia?") != "arabic"
    assert text_script("1234") != "arabic"


def test_text_and_term_scripts():
    from retrieval.analysis import term_script

    assert text_script("أعلنت وزارة الطاقة ارتفاع إنتاج النفط") == "arabic"
    assert text_script("Oil output rose, قالت الوزارة") == "latin"  # more Latin letters than Arabic ones
    assert text_script("2015 - ١٢") == "" and text_script("") == ""
    assert term_script(terms("النفط")[0]) == "arabic" and term_script("oil") == "latin"
    assert term_script("2015") == "" and term_script(terms("٢٠١٥")[0]) == ""


def test_a_chunk_s_script_is_the_lexical_index_s_own_rule():
    """Chroma's script label (chunk_script) and the lexical index's pools must agree on every chunk."""
    from retrieval.analysis import chunk_script
    from retrieval.lexical import LexicalIndex

    texts = ["أعلنت وزارة الطاقة ارتفاع إنتاج النفط", "Oil output rose in Riyadh",
             "UN EU TV GCC OPEC WHO IMF الاقتصادية والسياسية",  # more Arabic letters, more Latin terms
             "Nasdaq S&P CNN BBC AFP: قال المتحدث باسم الحكومة", "ﺍﻟﺮﻳﺎﺽ ﺍﻟﺴﻌﻮﺩﻳﺔ", "2015 ١٢", "", "oil النفط"]
    idx = LexicalIndex()
    ids = [f"c{i}" for i in range(len(texts))]
    idx.add(ids, ids, texts)
    assert idx.chunk_scripts(ids) == {c: chunk_script(t) for c, t in zip(ids, texts)}
    assert [chunk_script(t) for t in texts[2:6]] == ["latin", "latin", "arabic", ""]
    assert text_script("في من على Oil") == "arabic" and chunk_script("في من على Oil") == "latin"  # stopwords


def test_term_words_pair_each_indexed_term_with_its_written_word():
    from retrieval.analysis import arabic_words, term_words

    text = "The Falcons hunted والصقور في 2015"
    pairs = term_words(text)
    assert [t for t, _ in pairs] == [t for t in terms(text) if t != "2015"]  # numbers are not words to translate
    assert ("falcon", "Falcons") in pairs and (terms("والصقور")[0], "والصقور") in pairs
    assert arabic_words("ما هو الصقر؟ الصقر طائر جارح") == ["الصقر", "طائر", "جارح"]  # stopwords out, each once


def test_latin_names_are_capitalised_words_not_at_a_sentence_start():
    assert latin_names("Where is Wales?") == {"wales"}
    assert latin_names("ماذا حدث في Wales") == {"wales"}
    assert latin_names("Wales beat England. Rain fell") == {"england"}
    assert latin_names("rain over wales, and iPhone sales") == set()
