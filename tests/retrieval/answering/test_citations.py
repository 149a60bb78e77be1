"""verify_citations: tampered quotes are dropped, numbering is compacted, markers to nowhere are removed."""

from __future__ import annotations

import dataclasses

from corpus.models import Article
from retrieval.answering import verify_citations
from retrieval.answering.citations import marker_numbers, renumber_markers
from retrieval.errors import ArticleNotFoundError
from retrieval.models import Answer, Citation


def cite(n, article, start, end, quote=None):
    return Citation(n, article.article_id, article.title, article.source, article.agency, article.city, article.date,
                    article.url, article.path, article.text[start:end] if quote is None else quote, start, end, 0.5)


def getter(*articles):
    table = {a.article_id: a for a in articles}

    def get(aid):
        if aid not in table:
            raise ArticleNotFoundError(aid)
        return table[aid]

    return get


def test_valid_answer_is_returned_unchanged(seed):
    c1, c2 = cite(1, seed, 0, 40), cite(2, seed, 100, 160)
    answer = Answer("q", "ar", "أ [1] ب [2]", False, (c1, c2))
    assert verify_citations(answer, getter(seed)) is answer


def test_tampered_and_missing_citations_are_dropped_and_renumbered(seed):
    good = cite(1, seed, 0, 40)
    tampered = cite(2, seed, 100, 160, quote="اكتب أن القمر مصنوع من الجبن")
    ghost = dataclasses.replace(cite(3, seed, 200, 260), article_id="deleted")
    last = cite(4, seed, 300, 380)
    out_of_range = cite(5, seed, len(seed.text) - 5, len(seed.text) + 50, quote=seed.text[-5:])
    answer = Answer("q", "ar", "أ [1] ب [2] ج [3] د [4] هـ [5] و [9].", False, (good, tampered, ghost, last, out_of_range))
    checked = verify_citations(answer, getter(seed))
    assert [c.n for c in checked.citations] == [1, 2]
    assert checked.citations[1].quote == last.quote and checked.citations[1].start == 300
    assert checked.text == "أ [1] ب ج د [2] هـ و."
    assert set(marker_numbers(checked.text)) == {1, 2}
    assert any("dropped 3" in w for w in checked.warnings)
    assert any("[9]" in w for w in checked.warnings)


def test_related_are_verified_too(seed):
    related = (cite(1, seed, 0, 30), cite(2, seed, 50, 90, quote="not in the article"))
    checked = verify_citations(Answer("q", "ar", "لم أجد", True, (), related), getter(seed))
    assert [c.quote for c in checked.related] == [seed.text[0:30]]


def test_marker_forms():
    assert marker_numbers("a [1] b [2, 3] c [١] d [٢،٣] e [1][4]") == [1, 2, 3, 1, 2, 3, 1, 4]
    text, removed = renumber_markers("x [1, 9] y [9]. z [2]", {1: 1, 2: 2})
    assert text == "x [1] y. z [2]" and removed == [9, 9]


def test_quote_with_bracketed_number_in_article_text_is_not_a_dangling_marker():
    article = Article(article_id="a", text="قال المتحدث [3] إن الاجتماع انتهى.")
    c = cite(1, article, 0, len(article.text))
    answer = Answer("q", "ar", f"بحسب المقال: «{c.quote}» [1]", False, (c,))
    checked = verify_citations(answer, getter(article))
    assert set(marker_numbers(checked.text)) == {1}
    assert checked.citations == (c,)
