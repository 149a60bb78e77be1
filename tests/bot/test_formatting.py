"""Pure formatting: Discord limits, sentence splitting, RTL marks, escaping and mention neutralisation."""

from __future__ import annotations

import re
from dataclasses import replace

from bidi import get_display
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.formatting import (
    LRM,
    MESSAGE_LIMIT,
    RLM,
    ZWSP,
    clean_question,
    detect_language,
    escape,
    format_answer,
    format_help,
    format_hits,
    format_sources,
    more_passages,
    rtl,
    safe_url,
    split_text,
    thread_name,
    truncate,
    within_limits,
)
from bot.texts import keys, t
from retrieval.models import Answer, Citation
from tests.bot.fake_service import FakeAnswerService


def citation(n: int, quote: str, **kw) -> Citation:
    values = dict(
        n=n, article_id=f"a{n}", title=f"Title {n}", source="xinhua", agency="شينخوا", city="بكين",
        date="2020-12-31", url="https://example.org/x", path="p", quote=quote, start=0, end=len(quote), score=1.0,
    )
    values.update(kw)
    return Citation(**values)


def test_answer_from_seed_has_text_markers_and_citation_fields(fake_service, seed_article):
    answer = fake_service.ask("ماذا قال شي عن بوتين؟")
    formatted = format_answer(answer)
    assert formatted.language == "ar"
    [message] = formatted.messages
    assert message.content.startswith(RLM) and "[1]" in message.content
    fields = message.embeds[0].fields
    assert [f.name.lstrip(RLM)[:3] for f in fields] == ["[1]", "[2]"]
    assert "> " + RLM in fields[0].value  # block quote marker first, then the RTL mark
    assert "(https://example.org/xinhua/2020/12/31/xi-putin)" in fields[0].value
    assert not within_limits(message)


def test_long_answer_is_split_at_sentence_boundaries_within_limits():
    sentence = "This is a sentence about the news that goes on for a while. "
    text = sentence * 120  # ~7,000 characters
    cites = tuple(citation(i, "quote " * 300) for i in range(1, 31))  # 30 long citations: > 25 fields, > 6,000
    answer = Answer(question="q?", language="en", text=text, abstained=False, citations=cites)
    messages = format_answer(answer).messages
    assert len([m for m in messages if m.content]) >= 4
    for m in messages:
        assert not within_limits(m), within_limits(m)
        if m.content:
            assert m.content.endswith(".") and len(m.content) <= MESSAGE_LIMIT
    shown = [f.name for m in messages for e in m.embeds for f in e.fields]
    assert len(shown) == 30 and shown[0].startswith("[1]") and shown[-1].startswith("[30]")


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=9000), st.integers(min_value=20, max_value=3000))
def test_split_text_respects_limit_and_keeps_words(text, limit):
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=3000))
def test_escape_never_leaves_live_mentions_or_code_fences(text):
    out = escape(text)
    assert "@everyone" not in out and "@here" not in out
    assert not re.search(r"<@[!&]?\d", out) and "```" not in out
    assert not re.search(r"[\u202a-\u202e\u2066-\u2069]", out)


def test_escape_neutralises_mentions_and_markdown():
    out = escape("@everyone look <@123> <@&456> <#789> </ask:1> ```py\nx``` ||s|| **b** [x](https://e.com)\n# H\n> q")
    assert f"@{ZWSP}everyone" in out and f"<@{ZWSP}123>" in out and f"<@{ZWSP}&456>" in out
    assert f"<{ZWSP}#789>" in out and f"<{ZWSP}/ask:1>" in out
    assert "\\`\\`\\`" in out and "\\|\\|" in out and "\\*\\*" in out
    assert "\\[x\\](" in out and "\n\\# H" in out and "\n\\> q" in out


def test_clean_question_strips_controls_and_bidi_overrides():
    q = "\u202eما\u200f هذا\x00\x07؟\u2066 \n\t @everyone"
    assert clean_question(q) == "ما هذا؟ @everyone"
    assert clean_question("\u200b\u200b") == "\u200b\u200b"  # zero-width space is harmless text, not a control
    assert clean_question("\x01\x02\u202a") == ""


def test_safe_url_only_allows_http():
    assert safe_url("javascript:alert(1)") == ""
    assert safe_url("https://ex.org/a (b)") == ""
    assert safe_url("https://ex.org/a_(b)") == "https://ex.org/a_%28b%29"
    assert safe_url("http://ex.org/ok") == "http://ex.org/ok"


def visual(line: str) -> str:
    return get_display(line).replace(RLM, "").replace(LRM, "")


def test_rtl_keeps_markers_dates_and_line_direction():
    # a line starting with a Latin word would be laid out left-to-right without the leading RLM
    line = "CNN قالت في 2020-12-31 إن الاجتماع ناجح [1]"
    assert visual(line).startswith("CNN")  # the problem: LTR paragraph
    shaped = visual(rtl(line))
    assert shaped.endswith("CNN")  # RTL paragraph: the first logical word is at the right edge
    assert "2020-12-31" in shaped  # the date keeps its reading order
    assert "31-12-2020" in visual("قال في 2020-12-31 إن")  # ... which it loses without the marks
    assert re.search(r"[\[\]]1[\[\]]", shaped) and shaped.startswith(("[1]", "]1["))  # marker stays whole, at the end


def test_rtl_marker_follows_each_citation_and_is_idempotent():
    text = "قال شي [1] وأضاف [2]\n[3] 2020"
    once = rtl(text)
    assert once.count(f"]{RLM}") == 3 and all(line.startswith(RLM) for line in once.split("\n"))
    assert rtl(once) == once


def test_abstention_header_localised_and_related_shown():
    related = (citation(1, "نص قريب"),)
    ar = format_answer(Answer(question="ما الخبر؟", language="ar", text="", abstained=True, related=related))
    en = format_answer(Answer(question="what news?", language="en", text="", abstained=True, related=related))
    assert t("abstain", "ar") in ar.messages[0].content and t("abstain", "en") in en.messages[0].content
    assert ar.messages[0].embeds[0].title == t("related_title", "ar")
    said = "I could not find an answer to this in the indexed articles."
    own = format_answer(Answer(question="what news?", language="en", text=said, abstained=True, related=related))
    assert own.messages[0].content == f"**{said}**"  # the service's own "not found", said once


def test_more_passages_excludes_cited_ones():
    a = Answer(question="q", language="en", text="x [1]", abstained=False,
               citations=(citation(1, "one"),), related=(citation(1, "one"), citation(2, "two", start=5, end=8)))
    [m] = more_passages(a).messages
    assert [f.name for f in m.embeds[0].fields] == ["[2] Title 2"]


def test_every_text_has_both_languages_and_is_formattable():
    for key in keys():
        for lang in ("en", "ar", "both"):
            text = t(key, lang, n=1, limit=2, s=3, reason="r", kind="k", field="f", value="v", role="", id="i",
                     seen=1, added=1, updated=1, failed=0, seconds=1, unchanged=0, removed=0, chunks=0)
            assert text.strip()
        assert detect_language(t(key, "ar", n=1, limit=2, s=3, reason="r", kind="k", field="f", value="v", role="",
                                 id="i", seen=1, added=1, updated=1, failed=0, seconds=1, unchanged=0, removed=0,
                                 chunks=0)) == "ar"


def test_other_formatters_stay_within_limits(seed_article):
    service = FakeAnswerService([seed_article])
    for formatted in (
        format_help(),
        format_hits(service.search("بوتين شي الصين"), "ar"),
        format_sources({f"outlet{i}": i for i in range(2000)}, "en"),
    ):
        for m in formatted.messages:
            assert not within_limits(m), within_limits(m)


def test_thread_name_and_truncate():
    name = thread_name("@everyone " + "كلمة " * 100)
    assert len(name) <= 100 and "@everyone" not in name
    assert truncate("a" * 50 + ". " + "b" * 100, 80).endswith("…")
    assert len(truncate("x" * 5000, 1024)) <= 1024
    cut = truncate("a\\" * 400, 101)[:-1]  # never ends inside a backslash escape
    assert (len(cut) - len(cut.rstrip("\\"))) % 2 == 0


def _citation(n: int, quote: str, url: str = "") -> Citation:
    return Citation(n, f"a{n}", "عنوان", "okaz", "", "الرياض", "2015-07-23", url, "", quote, 0, len(quote), 1.0)


def test_direction_marks_never_cut_an_arabic_citation_s_link_or_an_answer_s_markers():
    """RLM/LRM marks lengthen Arabic text after it was measured; the link and every [n] must survive them."""
    from bot.formatting import FIELD_VALUE_LIMIT, assemble, citation_field

    url = "https://www.okaz.com.sa/news/1"
    quote = ("ارتفع المؤشر 1.5 في المئة و2.5 في المئة اليوم. " * 30)[:1010]
    field = citation_field(_citation(1, quote, url), "ar")
    assert len(field.value) <= FIELD_VALUE_LIMIT and field.value.rstrip(RLM + LRM).endswith(f"({url})")
    english = citation_field(_citation(2, "Oil rose 1.5% on Tuesday (Reuters)."), "ar")
    assert RLM not in english.value  # an English quote keeps its own direction in an Arabic answer
    content = "\n".join(f"قال المتحدث إن الرقم 1.5 ارتفع في العام 2015 مقارنة بالعام الماضي [{i}]" for i in range(1, 61))
    messages = assemble(content, [], "ar")
    assert all(len(m.content) <= MESSAGE_LIMIT for m in messages)
    sent = "".join(m.content for m in messages)
    assert all(f"[{i}]" in sent for i in range(1, 61))


def test_an_answers_warnings_are_shown_under_it():
    """A date read from the question narrowed the search: the Discord user is told, as the CLI user is."""
    note = "بحثتُ في المقالات المؤرخة من 2015-07-01 إلى 2015-07-31 (بحسب التاريخ في السؤال) وفي المقالات غير المؤرخة."
    answer = Answer(question="ماذا حدث في يوليو 2015؟", language="ar", text="لم أجد.", abstained=True, warnings=(note,))
    content = format_answer(answer).messages[0].content
    assert f"_⚠ {note}_" in re.sub("[\u200e\u200f]", "", content) and content.index("لم أجد") < content.index("⚠")
    assert "⚠" not in format_answer(replace(answer, warnings=())).messages[0].content
