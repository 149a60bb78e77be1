"""Follow-up resolution: "and what did Putin say?" is searched together with the previous question's key terms."""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.models import Turn

from .terms import content_terms, tokens

MAX_CARRIED_TERMS = 6

# Openers that make a question lean on the previous one.
_EN_OPENERS = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|and what|and who|and how|and when|and where|and why|"
    r"what else|anything else|more on|tell me more|same for|why so|why not)\b",
    re.IGNORECASE,
)
_AR_OPENERS = re.compile(
    r"^\s*(و\s*(ماذا|ما|هل|كيف|متى|أين|اين|لماذا|من|كم|أي|اي|عن|ماذا عن)|ف\s*(ماذا|ما|هل|كيف|متى|لماذا|من)|"
    r"ماذا عن|ما عن|أيضا|ايضا|كذلك|المزيد|وأيضا|وايضا)\b"
)
# Arabic هو/هي are left out: in "ما هي عاصمة بيرو؟" they are copulas, not references back.
_ANAPHORA = {
    "he", "him", "his", "she", "her", "they", "them", "their", "it", "its", "that", "this", "those", "these", "there",
    "ذلك", "تلك", "هذا", "هذه", "نفسه", "عنه", "عنها", "عنهم", "منه", "منها", "له", "لها",
}
SHORT_QUESTION_TERMS = 2  # a question with this few content terms needs context to be searchable


def is_followup(question: str) -> bool:
    """Whether `question` reads as a continuation rather than a standalone question."""
    if _EN_OPENERS.match(question) or _AR_OPENERS.match(question):
        return True
    terms = content_terms(question)
    if len(terms) <= SHORT_QUESTION_TERMS and any(t in _ANAPHORA for t in tokens(question)):
        return True
    return len(terms) == 0 and bool(tokens(question))


def _previous_query(history: Sequence[Turn]) -> str:
    """The last turn's question as a search query: a "latest news about X" question is about X, and a greeting or
    a bare "what's the latest?" is about nothing, so the turn before it counts."""
    from .recency import latest_intent
    from .smalltalk import small_talk

    for turn in reversed(history):
        q = (turn.resolved_query or turn.question or "").strip()
        if not q or small_talk(q):
            continue
        latest = latest_intent(q)
        if latest is not None:
            if not latest.topic:
                continue
            q = latest.topic
        return q
    return ""


def _key_words(previous: str, question: str) -> list[str]:
    """Surface words of `previous` whose content term the new question does not already contain, in order."""
    have = set(content_terms(question))
    words: list[str] = []
    seen: set[str] = set()
    for word in re.findall(r"[^\W_]+", previous):
        terms = content_terms(word)
        if not terms or terms[0] in have or terms[0] in seen:
            continue
        seen.add(terms[0])
        words.append(word)
    return words[:MAX_CARRIED_TERMS]


def previous_topic(history: Sequence[Turn]) -> str:
    """What the conversation is about, for a question that names nothing ("what's the latest?"): the topic of
    the last "latest news" question as asked ("the US" has no content terms), else the last question's key words."""
    previous = _previous_query(history)
    return " ".join(_key_words(previous, "")) or previous


def resolve_followup(question: str, history: Sequence[Turn]) -> str:
    """The retrieval query for `question`: itself if standalone, else merged with the previous question's key terms."""
    previous = _previous_query(history)
    if not previous or not is_followup(question):
        return question
    carried = _key_words(previous, question)
    if not carried:
        return question
    return f"{question.strip()} {' '.join(carried)}"
