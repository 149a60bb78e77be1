"""Follow-up questions are merged with the previous question's key terms; standalone ones pass through."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from retrieval.answering import is_followup, resolve_followup
from retrieval.models import Turn

XI_EN = Turn(question="What did Xi Jinping say in his New Year message to Putin?")
XI_AR = Turn(question="ماذا قال شي جين بينغ في رسالته إلى بوتين بمناسبة العام الجديد؟")


def test_english_followup_carries_previous_key_terms():
    q = "and what did Putin say?"
    resolved = resolve_followup(q, [XI_EN])
    assert resolved.startswith(q)
    extra = resolved[len(q):].split()
    assert {"Xi", "Jinping", "New", "Year", "message"} <= set(extra)
    assert "Putin" not in extra and "What" not in extra and "did" not in extra


def test_arabic_followup_carries_previous_key_terms():
    q = "وماذا قال بوتين؟"
    resolved = resolve_followup(q, [XI_AR])
    assert resolved.startswith(q)
    extra = resolved[len(q):].split()
    assert {"شي", "جين", "بينغ", "رسالته"} <= set(extra)
    assert "بوتين" not in extra and "ماذا" not in extra


def test_cross_language_followup():
    resolved = resolve_followup("وماذا قال بوتين؟", [XI_EN])
    assert "Xi" in resolved and "Jinping" in resolved


def test_standalone_questions_are_unchanged():
    for q in ("What is the capital of Peru?", "ما هي عاصمة بيرو؟", "Who won the Super Bowl in 2016?"):
        assert not is_followup(q)
        assert resolve_followup(q, [XI_EN, XI_AR]) == q


def test_no_history_means_unchanged():
    assert resolve_followup("and what did Putin say?", []) == "and what did Putin say?"
    assert resolve_followup("and what did Putin say?", [Turn(question="  ")]) == "and what did Putin say?"


def test_pronoun_followups_and_openers():
    assert is_followup("What did he say?")
    assert is_followup("what about Russia?")
    assert is_followup("وماذا عن روسيا؟")
    assert is_followup("ماذا عن روسيا؟")
    assert not is_followup("ومنح الملك جائزة للفائزين في المسابقة")  # و + منح is not the question word ومن


def test_chained_followups_use_the_resolved_query():
    first = "and what did Putin say?"
    turns = [XI_EN, Turn(question=first, resolved_query=resolve_followup(first, [XI_EN]))]
    resolved = resolve_followup("and what about Li Keqiang?", turns)
    assert "Xi" in resolved and "Putin" in resolved and resolved.startswith("and what about Li Keqiang?")


@given(st.text(max_size=80), st.lists(st.text(max_size=80), max_size=3))
def test_resolution_only_ever_appends(question, previous):
    resolved = resolve_followup(question, [Turn(question=p) for p in previous])
    assert resolved == question or resolved.startswith(question.strip())


def test_the_topic_of_a_conversation_for_what_is_the_latest():
    from retrieval.answering.followup import previous_topic

    assert previous_topic([Turn("ما آخر أخبار اليمن؟"), Turn("what's the latest?"), Turn("شكرا")]) == "اليمن"
    assert previous_topic([Turn("latest news about the US")]) == "US"  # no content terms, still the topic
    assert previous_topic([Turn("What did Asiri say about the Houthis?")]) == "Asiri Houthis"
    assert previous_topic([]) == ""
