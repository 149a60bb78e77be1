from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.normalize import normalize_arabic, strip_diacritics, strip_invisible

ARABIC_ALPHABET = st.text(
    alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF) | st.sampled_from(list("abcXYZ 0123\u200f\u202e\ufefb")),
    max_size=200,
)


def test_diacritics_tatweel_and_letter_variants_fold():
    assert normalize_arabic("مُحَمَّدٌ") == "محمد"
    assert normalize_arabic("الـــعـــربـية") == "العربيه"
    assert normalize_arabic("أحمد إسلام آمن ٱلله") == "احمد اسلام امن الله"
    assert normalize_arabic("مستشفى") == "مستشفي"
    assert normalize_arabic("مؤتمر رئيس") == "موتمر رييس"
    assert normalize_arabic("هذا") == "هذا"


def test_digits_latin_case_and_presentation_forms():
    assert normalize_arabic("عام ٢٠٢٠ و۱۹۹۹") == "عام 2020 و1999"
    assert normalize_arabic("COVID-19 Beijing") == "covid-19 beijing"
    assert normalize_arabic("\ufefb\ufe8e") == "لا" + "ا"  # lam-alef ligature and final alef forms
    assert normalize_arabic("ﷺ") == normalize_arabic("صلى الله عليه وسلم")


def test_invisible_characters_are_dropped():
    assert normalize_arabic("بك\u200fين\u200b \u202eشينخوا\u202c\ufeff") == "بكين شينخوا"
    assert normalize_arabic("a\u00adb") == "ab"


def test_spelling_variants_of_the_same_word_meet():
    variants = ["إسرائيل", "اسرائيل", "إسْرَائِيلُ", "اسراييل"]
    assert len({normalize_arabic(v) for v in variants}) == 1


def test_strip_invisible_keeps_visible_text_and_turns_controls_into_spaces():
    q = "\u202eما\u200b هو\x00 الخبر؟\u2066"
    assert strip_invisible(q) == "ما هو  الخبر؟"
    assert strip_invisible("line\nnext\ttab") == "line\nnext\ttab"


def test_strip_diacritics_keeps_hamza_letters():
    assert strip_diacritics("أَحْمَد") == "أحمد"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_normalisation_is_idempotent_on_any_text(text):
    once = normalize_arabic(text)
    assert normalize_arabic(once) == once


@settings(max_examples=400, deadline=None)
@given(ARABIC_ALPHABET)
def test_normalisation_is_idempotent_on_arabic_heavy_text(text):
    once = normalize_arabic(text)
    assert normalize_arabic(once) == once
    assert not any("\u064b" <= ch <= "\u065f" for ch in once)
    assert not set("أإآىةؤئـ") & set(once)
