"""AbstentionPolicy gates: each signal can veto, each threshold is a parameter."""

from __future__ import annotations

import dataclasses

import pytest

from retrieval.answering import AbstentionPolicy, AnswerFeatures

STRONG = AnswerFeatures(
    n_hits=5, n_sentences=30, question_terms=4, top_score=0.9, top_dense=0.86, dense_margin=0.03,
    sentence_dense=0.86, sentence_peak=0.07, lexical_overlap=0.75, lexical_best=0.5, agreement=1.0,
)


def test_strong_same_language_evidence_answers():
    policy = AbstentionPolicy()
    assert policy.reasons(STRONG) == [] and not policy.decide(STRONG)
    assert policy.confidence(STRONG) == pytest.approx(0.86 + 0.15 * 0.75 + 0.5 * 0.07)


@pytest.mark.parametrize(
    "change",
    [
        {"n_hits": 0},
        {"n_sentences": 0},
        {"question_terms": 0},
        {"lexical_overlap": 0.25},  # most question terms missing from the quotes
        {"sentence_dense": 0.78, "sentence_peak": 0.03, "lexical_overlap": 0.5},  # "ما هي عاصمة بيرو؟" on e5
    ],
)
def test_weak_same_language_evidence_abstains(change):
    assert AbstentionPolicy().decide(dataclasses.replace(STRONG, **change))


def test_cross_lingual_ignores_lexical_and_weighs_dense_with_peak():
    cross = dataclasses.replace(STRONG, cross_lingual=True, lexical_overlap=0.0, lexical_best=0.0)
    policy = AbstentionPolicy()
    assert not policy.decide(cross)
    assert policy.confidence_cross(cross) == pytest.approx(0.86 + 0.5 * 0.07)
    assert policy.decide(dataclasses.replace(cross, sentence_dense=0.738, sentence_peak=0.03))  # a weak best sentence
    # a close best sentence that barely stands out still answers (news: where the Saudi index closed on 23 July,
    # 0.823 / 0.025, which the separate peak gate of 0.03 refused)...
    assert not policy.decide(dataclasses.replace(cross, sentence_dense=0.823, sentence_peak=0.025))
    # ...a middling one must stand out more
    assert policy.decide(dataclasses.replace(cross, sentence_dense=0.788, sentence_peak=0.024))
    assert not policy.decide(dataclasses.replace(cross, sentence_dense=0.788, sentence_peak=0.04))
    gated = AbstentionPolicy(min_peak_cross=0.03)
    assert any("sentence_peak" in r for r in gated.reasons(dataclasses.replace(cross, sentence_peak=0.02)))


def test_topic_policy_checks_cosine_alone_and_never_abstain_nothing():
    from retrieval.answering.abstention import NEVER_ABSTAIN, TOPIC_POLICY

    topic = dataclasses.replace(STRONG, cross_lingual=True, lexical_overlap=0.0, lexical_best=0.0, sentence_peak=0.012)
    assert not TOPIC_POLICY.decide(dataclasses.replace(topic, sentence_dense=0.84))  # "Yemen": no sentence stands out
    assert TOPIC_POLICY.decide(dataclasses.replace(topic, sentence_dense=0.784))  # "Peru", absent
    weakest = dataclasses.replace(STRONG, question_terms=0, sentence_dense=0.1, sentence_peak=0.0, lexical_overlap=0.0)
    assert not NEVER_ABSTAIN.decide(weakest) and not NEVER_ABSTAIN.decide(dataclasses.replace(weakest, cross_lingual=True))


def test_thresholds_are_parameters_and_can_be_disabled():
    weak = dataclasses.replace(STRONG, lexical_overlap=0.2, lexical_best=0.2, sentence_dense=0.5)
    assert AbstentionPolicy().decide(weak)
    assert not AbstentionPolicy(min_confidence=0.0, min_overlap=0.0).decide(weak)
    assert AbstentionPolicy(min_best_overlap=0.6).decide(STRONG)
    strict = AbstentionPolicy(min_sentence_dense=0.9)
    assert strict.decide(STRONG) and "sentence_dense" in strict.reasons(STRONG)[0]
