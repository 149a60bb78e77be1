"""`ask` on "the latest news about X", over a real index and the real embedding model."""

from __future__ import annotations

import pytest

from retrieval.errors import BadQuestionError
from retrieval.models import Filters, Turn
from tests.retrieval.conftest import service_over

ARTICLES = [
    {"id": "yemen-0601", "date": "2015-06-01", "title": "التحالف يستعيد مطار عدن",
     "text": "استعادت قوات التحالف مطار عدن الدولي في اليمن بعد معارك عنيفة مع الحوثيين استمرت أسبوعين."},
    {"id": "yemen-0720", "date": "2015-07-20", "title": "الحوثيون ينسحبون من أحياء عدن",
     "text": "انسحب الحوثيون من أحياء في مدينة عدن جنوب اليمن بعد معارك مع المقاومة الشعبية."},
    {"id": "yemen-0730", "date": "2015-07-30", "title": "طائرة مساعدات سعودية في عدن",
     "text": "وصلت طائرة مساعدات سعودية إلى مطار عدن في اليمن اليوم محملة بالأدوية والمواد الغذائية."},
    {"id": "oil-0731", "date": "2015-07-31", "title": "النفط يرتفع",
     "text": "ارتفعت أسعار النفط في الأسواق العالمية اليوم بعد صدور بيانات المخزونات الأمريكية."},
    {"id": "hajj-0610", "date": "2015-06-10", "title": "الاستعداد لموسم الحج",
     "text": "بدأت وزارة الحج الاستعداد لموسم الحج في مكة المكرمة واستقبال ضيوف الرحمن من أنحاء العالم."},
    {"id": "football-0729", "date": "2015-07-29", "title": "الهلال يفوز",
     "text": "فاز فريق الهلال على النصر بهدفين دون مقابل في مباراة ودية أقيمت في الرياض."},
    {"id": "weather-0728", "date": "2015-07-28", "title": "موجة حر",
     "text": "توقعت الأرصاد الجوية استمرار موجة الحر في المنطقة الشرقية مع درجات حرارة تتجاوز خمسين درجة."},
    {"id": "school-0727", "date": "2015-07-27", "title": "العام الدراسي",
     "text": "أعلنت وزارة التعليم موعد بدء العام الدراسي الجديد وتوزيع الكتب على المدارس."},
]


@pytest.fixture(scope="module")
def news(tmp_path_factory, real_embedder):
    return service_over(tmp_path_factory.mktemp("latest"), ARTICLES, real_embedder)


def test_latest_news_quotes_the_newest_relevant_article_first(news):
    answer = news.ask("ما آخر أخبار اليمن؟")
    cited = [c.article_id for c in answer.citations]
    assert not answer.abstained and cited[0] == "yemen-0730", cited
    assert "oil-0731" not in cited and "football-0729" not in cited  # newer, but not about Yemen
    assert [c.date for c in answer.citations] == sorted((c.date for c in answer.citations), reverse=True)
    assert any("2015-07-30" in w for w in answer.warnings)
    english = news.ask("What is the latest news about Yemen?")
    assert not english.abstained and english.citations[0].article_id == "yemen-0730"


def test_a_topic_older_than_the_last_month_is_still_found(news):
    """Nothing about the Hajj in the index's last week or month: the search widens to all of it."""
    answer = news.ask("ما آخر أخبار الحج؟")
    assert not answer.abstained and answer.citations[0].article_id == "hajj-0610"


def test_explicit_dates_bound_the_latest_news(news):
    answer = news.ask("ما آخر أخبار اليمن؟", filters=Filters(until="2015-07-25"))
    cited = [c.article_id for c in answer.citations]
    assert not answer.abstained and cited[0] == "yemen-0720" and "hajj-0610" not in cited, cited


def test_what_is_the_latest_takes_its_topic_from_the_conversation(news):
    answer = news.ask("what's the latest?", history=[Turn(question="ما آخر أخبار اليمن؟")])
    assert not answer.abstained and answer.citations[0].article_id == "yemen-0730"
    with pytest.raises(BadQuestionError, match="latest news should be about") as err:
        news.ask("ما آخر الأخبار؟")
    assert "آخر أخبار اليمن" in err.value.ar


def test_a_topic_nothing_is_about_abstains(news):
    for question in ("ما آخر أخبار البيرو؟", "What is the latest news about Peru?"):
        answer = news.ask(question)
        assert answer.abstained and not answer.citations and not answer.warnings, question


def test_follow_ups_keep_the_topic_and_drop_the_framing(news):
    history = [Turn(question="ما آخر أخبار اليمن؟"), Turn(question="what's the latest?"), Turn(question="شكرا")]
    again = news.ask("what's the latest?", history=history)  # asked twice, with thanks between: still Yemen
    assert not again.abstained and again.citations[0].article_id == "yemen-0730"


def test_an_undated_corpus_quotes_the_most_relevant(tmp_path, real_embedder):
    undated = [{k: v for k, v in a.items() if k != "date"} for a in ARTICLES]
    svc = service_over(tmp_path, undated, real_embedder)
    answer = svc.ask("ما آخر أخبار اليمن؟")
    assert not answer.abstained and {c.article_id for c in answer.citations} <= {"yemen-0601", "yemen-0720", "yemen-0730"}
    assert not answer.warnings  # no dates to report
