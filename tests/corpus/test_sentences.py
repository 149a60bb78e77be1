from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.sentences import split_sentences


def _texts(text, **kw):
    return [text[s:e] for s, e in split_sentences(text, **kw)]


def test_arabic_and_english_enders_and_line_breaks():
    text = "قال شي، إنه مستعد. وأدلى؟ نعم! ثم\nسطر جديد… «اقتباس.» آخر"
    assert _texts(text) == ["قال شي، إنه مستعد.", "وأدلى؟", "نعم!", "ثم", "سطر جديد…", "«اقتباس.»", "آخر"]


def test_decimals_abbreviations_and_initials_do_not_split():
    text = "BEIJING, Dec. 31 (Xinhua) -- It rose 3.5 percent. U.S. officials met Mr. J. Smith today. Done"
    assert _texts(text) == ["BEIJING, Dec. 31 (Xinhua) -- It rose 3.5 percent.", "U.S. officials met Mr. J. Smith today.", "Done"]


def test_arabic_comma_is_soft():
    text = "أولا، ثانيا؛ ثالثا, d; e"
    assert _texts(text) == [text]
    assert _texts(text, soft=True) == ["أولا،", "ثانيا؛", "ثالثا,", "d;", "e"]


def test_range_and_trimming():
    text = "  one. two.  three.  "
    spans = split_sentences(text, 6, 15)
    assert [text[s:e] for s, e in spans] == ["two.", "th"]
    assert split_sentences("   \n\n ") == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500), st.booleans())
def test_spans_are_ordered_trimmed_and_cover_all_content(text, soft):
    spans = split_sentences(text, soft=soft)
    last = 0
    for s, e in spans:
        assert last <= s < e <= len(text)
        assert not text[s].isspace() and not text[e - 1].isspace()
        assert not text[last:s].strip()  # nothing but whitespace between sentences
        last = e
    assert not text[last:].strip()
