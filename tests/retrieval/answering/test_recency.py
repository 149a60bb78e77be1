"""Reading "the latest news about X" as an intent: the topic, and only for questions that ask for news."""

from __future__ import annotations

import pytest

from retrieval.answering.recency import latest_intent


@pytest.mark.parametrize("question, topic", [
    ("ما آخر أخبار اليمن؟", "اليمن"),
    ("ما هي آخر أخبار اليمن", "اليمن"),
    ("اخر اخبار الهلال", "الهلال"),
    ("آخر الأخبار عن اليمن", "اليمن"),
    ("أحدث أخبار السعودية", "السعودية"),
    ("ما آخر التطورات في اليمن؟", "اليمن"),
    ("آخر المستجدات بشأن أسعار النفط", "أسعار النفط"),
    ("ما الجديد في اليمن؟", "اليمن"),
    ("هل من جديد عن اليمن", "اليمن"),
    ("مستجدات اليمن", "اليمن"),
    ("آخر ما نُشر عن اليمن", "اليمن"),
    ("أخبار اليمن الأخيرة", "اليمن"),
    ("ما آخر الأخبار؟", ""),
    ("latest news about Yemen", "Yemen"),
    ("What's the latest on Yemen?", "Yemen"),
    ("what is new with Saudi Aramco?", "Saudi Aramco"),
    ("any news on the Hajj?", "Hajj"),
    ("updates on the Hajj", "Hajj"),
    ("What are the recent developments in Yemen?", "Yemen"),
    ("latest Yemen news", "Yemen"),
    ("most recent news about oil prices", "oil prices"),
    ("latest news about اليمن", "اليمن"),
    ("latest news of the war", "war"),
    ("what's new in Yemen", "Yemen"),
    ("what's the latest?", ""),
])
def test_the_topic_of_a_latest_news_question(question, topic):
    intent = latest_intent(question)
    assert intent is not None and intent.topic == topic


@pytest.mark.parametrize("question", [
    "آخر مباراة للهلال",  # "last", not "latest news"
    "أخبار اليمن",  # news about Yemen, any date
    "ماذا قال عسيري عن الحوثيين؟",
    "news about Yemen",
    "reports on Yemen",
    "new in Yemen",
    "Who is the new king?",
    "New York",
    "What is the last thing Obama said in Kenya?",
    "What was the latest statement?",
    "What did the latest report say?",
    "The most recent report on Yemen said what?",
    "What is the last of the Hajj rituals?",  # a bare "latest" takes "on/about X", not "of X"
    "What is the newest of the Saudi universities?",
    "أخبار الحكومة الجديدة",  # "new" describes the government
    "تطورات المرحلة الأخيرة",
    "ما الجديد الذي قدمته رؤية 2030؟",  # what the vision brought, not the latest news
    "ما الجديد الذى أعلنته الوزارة؟",
    "What is the last?",  # a bare "last"/"recent" is no request for news
    "the last",
    "recent",
    "",
])
def test_other_questions_are_not_read_as_latest_news(question):
    assert latest_intent(question) is None


@pytest.mark.parametrize("question", [
    "any updates on that?", "what is the latest on this?", "ما الجديد عنها؟", "ما آخر الأخبار عنه؟", "ما آخر الأخبار في؟",
    "latest news about the",
])
def test_a_topic_that_only_points_back_is_no_topic(question):
    """The conversation supplies it, as for "what's the latest?"."""
    assert latest_intent(question).topic == ""
