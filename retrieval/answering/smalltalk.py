"""Greetings and thanks get a short reply instead of a search: «مرحبا» is not a question about the news."""

from __future__ import annotations

import re

from corpus.normalize import normalize_arabic

GREETING, THANKS = "greeting", "thanks"

# Only phrases that are nothing else: «سلام» (peace) and «تسلم» (receives) are also searched for.
_PHRASES = {
    GREETING: (
        "hi", "hello", "hey", "hiya", "howdy", "greetings", "good morning", "good afternoon", "good evening",
        "مرحبا", "مرحبتين", "اهلا", "اهلين", "اهلا وسهلا", "هلا", "هلا والله", "هاي", "السلام عليكم", "سلام عليكم", "وعليكم السلام",
        "السلام عليكم ورحمه الله", "السلام عليكم ورحمه الله وبركاته", "صباح الخير", "مساء الخير",
    ),
    THANKS: (
        "thanks", "thank you", "thanks a lot", "thank you very much", "many thanks", "thx", "ty", "cheers",
        "شكرا", "شكرا لك", "شكرا جزيلا", "مشكور", "يعطيك العافيه", "جزاك الله خير", "جزاك الله خيرا",
    ),
}
_KIND = {phrase: kind for kind, phrases in _PHRASES.items() for phrase in phrases}
# how people address the bot around a greeting: "hi there", "شكرا يا خبر", "hello Khabar"
_ADDRESS = re.compile(r"^(?:(?:يا|there|khabar|bot|all|everyone|خبر|الجميع)\s*)+|(?:\s*(?:يا|there|khabar|bot|all|"
                      r"everyone|خبر|الجميع))+$")


# over normalised text (ى → ي, ة → ه): "thanks for your help", «شكرا جزيلا على المساعدة»
_FOR_HELP = re.compile(r"\s+(?:علي|ل|for)\s+(?:المساعده|مساعدتك|الرد|ردك|الاجابه|اجابتك|المعلومات|the help|your help|"
                       r"the answer|your answer|the info|that|this)$|\s+(?:so much|a lot)$")


def small_talk(text: str) -> str:
    """GREETING or THANKS when the whole message is one (punctuation, emoji and "يا خبر" aside), else ""."""
    words = re.sub(r"[^\w\s]|_", " ", normalize_arabic(text or "")).lower()  # digits stay: «سلام 2015» is a search
    words = re.sub(r"(.)\1{2,}", r"\1", " ".join(words.split()))  # "hiii", "مرحباااا"
    words = _ADDRESS.sub("", words).strip()
    kind = _KIND.get(words, "")
    if not kind and (m := _FOR_HELP.search(words)):  # «شكرا جزيلا على المساعدة», "thanks for your help"
        kind = _KIND.get(words[: m.start()].strip(), "")
    return kind
