"""Language detection for Arabic, English and mixed questions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.answering import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ماذا قال الرئيس الصيني شي جين بينغ؟", "ar"),
        ("What did the Chinese president say?", "en"),
        ("ماذا قالت وكالة Xinhua عن بوتين؟", "ar"),  # Arabic majority with a Latin name
        ("What did شي say about Putin and Russia?", "en"),  # English majority with an Arabic name
        ("مَاذَا قَالَ بُوتِين؟", "ar"),  # diacritics do not count as Latin or break detection
        ("ab جد", "ar"),  # short tie goes to Arabic
        ("بوتين Putin", "ar"),  # 5 letters each: tie, short -> Arabic
        ("", "en"),
        ("?!? 🙂 123", "en"),  # no letters -> English
        ("؟؟!!! 🎉", "ar"),  # no letters, but an Arabic question mark
        ("ماذا قال Xi Jinping؟", "ar"),  # by words: a Latin-script name does not outvote the Arabic question
        ("ﺍﻟﺮﻳﺎﺽ", "ar"),  # presentation forms are Arabic letters
        ("Qu'a dit l'émir à Doha ?", "en"),  # accented Latin letters count as Latin
        ("\u200f\u202eماذا\u202c", "ar"),  # bidi controls ignored
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected


def test_long_tie_is_not_forced_to_arabic():
    text = ("abcde " * 20) + ("ابجده " * 20)
    assert detect_language(text) == "en"


@given(st.text(max_size=200))
def test_always_ar_or_en(text):
    assert detect_language(text) in {"ar", "en"}
