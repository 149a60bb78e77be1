"""Questions that ask for the latest news on a topic: «ما آخر أخبار اليمن؟», "what's the latest on Yemen?".

Searched like any question, "آخر أخبار" and "latest news" match passages that merely say "latest" or "news"
(«… لنشرة أخبار القناة …»), and the answer is the most similar article of any date. Read as an intent instead,
the framing is dropped, the topic is searched, and the newest relevant articles are quoted first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_A = "[اأإآ]"  # any alef, as people type it
_NEWS_AR = rf"(?:ال)?{_A}خبار|(?:ال)?{_A}نباء|(?:ال)?مستجدات|(?:ال)?مستجد|(?:ال)?تطورات|ما\s+(?:ن[ُ]?شر|ورد|{_A}?ستجد)"
_ABOUT_AR = r"(?:عن|حول|في|فى|بشأن|بشان|بخصوص|من|مع|على)"
_LATEST_AR = re.compile(
    rf"^(?:(?:ما|ماهي|ما\s+هي|ما\s+هو|و?ماذا\s+عن|هل\s+(?:من|هناك))\s+)?"
    rf"(?:(?:{_A}خر|{_A}حدث|(?:ال)?جديد\s+(?:من|في)?)\s*(?:{_NEWS_AR})|(?:ال)?جديد(?!\s+(?:ال[ذت][يى]|اللذ|اللت))|(?:ال)?مستجدات"
    rf"|{_A}خر\s+ما\s+(?:ن[ُ]?شر|ورد))"
    rf"(?:\s+{_ABOUT_AR}(?=\s)|\s+|$)(?P<topic>.*)$"
)
# «أخبار اليمن الأخيرة»; not «أخبار الحكومة الجديدة», where "new" describes the government
_LATEST_AR_AFTER = re.compile(rf"^(?:ال)?{_A}خبار\s+(?P<topic>.+?)\s+ال{_A}خيرة$")

_LATEST_WORD = r"(?:very\s+)?(?:latest|most\s+recent|newest|recent|last)"
_LATEST_BARE = r"(?:very\s+)?(?:latest|most\s+recent|newest)"  # "what is the last?" asks something else
_NEWS_EN = r"(?:news|updates?|developments|reports|stories|headlines)"  # "the latest report said …" is no request
_LEAD_EN = r"(?:(?:what(?:'s|’s|\s+is|\s+are)|give\s+me|show\s+me|tell\s+me|get\s+me|any|so)\s+)?(?:the\s+)?"
# "the latest news of/in X", but a bare "latest" only "on/about X": "the newest of the universities" is no request
_LATEST_EN = re.compile(
    rf"^{_LEAD_EN}(?:(?:{_LATEST_WORD}\s+)?{_NEWS_EN}"
    rf"(?:\s+(?:about|on|from|in|regarding|concerning|with|for|of|out\s+of)\s+(?P<topic>.+))?"
    rf"|{_LATEST_BARE}(?:\s+(?:about|on|from|regarding|concerning|with)\s+(?P<topic2>.+))?"
    rf"|new(?:\s+(?:about|on|in|with|at|for)\s+(?P<topic3>.+))?)$",
    re.IGNORECASE,
)
_LATEST_EN_BEFORE = re.compile(
    rf"^{_LEAD_EN}(?:very\s+)?(?:latest|most\s+recent|newest|recent)\s+(?P<topic>.+?)\s+{_NEWS_EN}$", re.IGNORECASE
)
_TRAILING = re.compile(r"[\s?؟.!،,:;]+$")
# "any updates on that?", «ما آخر الأخبار عنه؟», «… في؟»: a topic that only points back (or is a lone preposition)
_NO_TOPIC = frozenset("""
that this it them him her there those these the a an
ذلك تلك هذا هذه هو هي هم عنه عنها عنهم عنهما فيه فيها فيهم منه منها حوله حولها في عن حول من على بشأن بخصوص مع
""".split())
_LEADING_THE = re.compile(r"^(?:the\s+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LatestIntent:
    """A request for the newest news; `topic` is the question without its framing ("" for "what's new?")."""

    topic: str


def latest_intent(question: str) -> LatestIntent | None:
    """The topic of a "latest news about X" question, or None when the question asks something else."""
    text = _TRAILING.sub("", " ".join((question or "").split()))
    if not text:
        return None
    for pattern in (_LATEST_EN_BEFORE, _LATEST_EN, _LATEST_AR_AFTER, _LATEST_AR):
        m = pattern.match(text)
        if m is None:
            continue
        topic = next((g for g in (m.groupdict().get(k) for k in ("topic", "topic2", "topic3")) if g), "")
        if pattern is _LATEST_EN and not _framed_en(text[: m.start(m.lastgroup) if m.lastgroup else len(text)]):
            return None
        topic = _TRAILING.sub("", topic).strip()
        topic = topic if pattern.flags & re.IGNORECASE == 0 else _LEADING_THE.sub("", topic)
        return LatestIntent(topic="" if topic.lower() in _NO_TOPIC else topic)
    return None


def _framed_en(head: str) -> bool:
    """Whether an English opening asks for something new: "latest"/"recent", "any news", "updates on", "what's new"."""
    head = head.lower()
    return bool(re.search(r"\b(?:latest|recent|newest|last)\b", head)
                or re.match(r"^(?:any\s+(?:the\s+)?(?:news|updates?)|(?:the\s+)?updates?|what(?:'s|’s|\s+is)\s+new)\b", head))
