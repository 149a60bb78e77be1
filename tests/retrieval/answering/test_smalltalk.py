import pytest

from retrieval.answering.smalltalk import GREETING, THANKS, small_talk


@pytest.mark.parametrize("text, kind", [
    ("مرحبا", GREETING), ("مرحبًا!", GREETING), ("Hello there 👋", GREETING), ("hi khabar!", GREETING),
    ("السلام عليكم ورحمة الله وبركاته", GREETING), ("أهلاً وسهلاً", GREETING), ("hiii", GREETING),
    ("مرحباااا يا خبر", GREETING), ("شكرا يا خبر", THANKS), ("Thank you!!", THANKS), ("جزاك الله خير", THANKS),
    ("شكرا جزيلا على المساعدة", THANKS), ("thanks for your help!", THANKS), ("thank you so much", THANKS),
])
def test_greetings_and_thanks(text, kind):
    assert small_talk(text) == kind


@pytest.mark.parametrize("text", [
    "hello world", "شكرا للسعودية على المساعدات", "what is the news?", "ما أخبار اليوم", "Hi, what did Putin say?",
    "مرحبا، ماذا قال بوتين؟", "", "؟", "Hello Kitty sales in 2015", "سلام", "تسلم", "hello 2015",
    "شكرا للسعودية على المساعدات", "thanks for the help of the Saudi government in Yemen", "thank you for this Trump",
])
def test_questions_are_not_small_talk(text):
    assert small_talk(text) == ""
