import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.dates import month_number, parse_date_window, parse_month_window


@pytest.mark.parametrize(
    "question, since, until, said",
    [
        ("what happened in December 2020?", "2020-12-01", "2020-12-31", "in December 2020"),
        ("ماذا حدث في ديسمبر 2020", "2020-12-01", "2020-12-31", "في ديسمبر 2020"),
        ("كانون الأول 2020 بوتين", "2020-12-01", "2020-12-31", "كانون الأول 2020"),
        ("أخبار في ٢٠٢٠", "2020-01-01", "2020-12-31", "في ٢٠٢٠"),
        ("شباط ٢٠٢٤", "2024-02-01", "2024-02-29", "شباط ٢٠٢٤"),
        ("news from Feb. 2023", "2023-02-01", "2023-02-28", "from Feb. 2023"),
        ("في 31 ديسمبر 2020 قال", "2020-12-31", "2020-12-31", "في 31 ديسمبر 2020"),
        ("on Dec. 31, 2020", "2020-12-31", "2020-12-31", "on Dec. 31, 2020"),
        ("2015-07 oil prices", "2015-07-01", "2015-07-31", "2015-07"),
        ("في كانون الأول/ديسمبر 2020", "2020-12-01", "2020-12-31", "في كانون الأول/ديسمبر 2020"),
        ("أسعار النفط في يوليو 2015", "2015-07-01", "2015-07-31", "في يوليو 2015"),
        ("during 2019 elections", "2019-01-01", "2019-12-31", "during 2019"),
        # Arabic punctuation right after the date ends it, as a space would
        ("ما أخبار النفط في يوليو 2015؟", "2015-07-01", "2015-07-31", "في يوليو 2015"),
        ("ماذا حدث في 2021؟", "2021-01-01", "2021-12-31", "في 2021"),
        ("في ديسمبر 2020؛ ثم", "2020-12-01", "2020-12-31", "في ديسمبر 2020"),
        ("في يوليو 2015، ماذا قال الوزير", "2015-07-01", "2015-07-31", "في يوليو 2015"),
        ("what happened on 2021-05-07", "2021-05-07", "2021-05-07", "on 2021-05-07"),
        ("ماذا حدث يوم 23/7/2015؟", "2015-07-23", "2015-07-23", "يوم 23/7/2015"),
        ("خلال شهر يوليو من عام 2015", "2015-07-01", "2015-07-31", "خلال شهر يوليو من عام 2015"),
        ("news in July of 2015", "2015-07-01", "2015-07-31", "in July of 2015"),
        ("أخبار في 07/2015", "2015-07-01", "2015-07-31", "في 07/2015"),
    ],
)
def test_windows_and_spans(question, since, until, said):
    w = parse_month_window(question)
    assert (w.since, w.until) == (since, until)
    assert question[w.start : w.end] == said


@pytest.mark.parametrize("question", ["covid-19 2020 vaccine", "in may", "what is 2020?", "", "Xi and Putin", "في 31 فبراير 2020",
                                      "القرار 7/2015", "2015-07-32"])
def test_no_window(question):
    w = parse_date_window(question)
    assert w is None or w.granularity != "day"
    if question in ("covid-19 2020 vaccine", "in may", "", "Xi and Putin", "القرار 7/2015"):
        assert w is None


def test_month_names_in_both_traditions_and_spellings():
    for names, n in [(("يناير", "كانون الثاني", "January", "jan"), 1), (("أبريل", "ابريل", "إبريل", "نيسان"), 4),
                     (("يونيو", "يونيه", "حزيران"), 6), (("أغسطس", "اغسطس", "آب"), 8), (("أكتوبر", "اكتوبر", "تشرين الأول"), 10),
                     (("ديسمبر", "كانون الأول", "Dec."), 12)]:
        assert {month_number(x) for x in names} == {n}
    assert month_number("بديسمبر") == 12
    assert month_number("بكين") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_no_exception_and_valid_windows(text):
    w = parse_date_window(text)
    if w is not None:
        assert w.since <= w.until and 0 <= w.start < w.end <= len(text)
