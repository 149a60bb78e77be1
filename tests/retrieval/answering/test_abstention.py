"""AbstentionPolicy gates: each signal can veto, each threshold is a parameter."""

from __future__ import annotations

import dataclasses

import pytest

from retrieval.answering import AbstentionPolicy, AnswerFeatures

STRONG = AnswerFeatures(
    n_hits=5, n_sentences=30, question_terms=4, top_score=0.9, top_dense=0.86, dense_margin=0.03,
    sentence_dense=0.88, sentence_peak=0.06, lexical_overlap=1.0, lexical_best=0.75, agreement=1.0,
)


def test_strong_same_language_evidence_answers():
    assert not AbstentionPolicy().decide(STRONG)
    assert AbstentionPolicy().reasons(STRONG) == []


@pytest.mark.parametrize(
    "change",
    [
        {"n_hits": 0},
        {"n_sentences": 0},
        {"question_terms": 0},
        {"lexical_overlap": 0.5},  # e.g. "عاصمة" matched, "بيرو" not
        {"lexical_best": 0.25},
    ],
)
def test_weak_same_language_evidence_abstains(change):
    assert AbstentionPolicy().decide(dataclasses.replace(STRONG, **change))


def test_cross_lingual_ignores_lexical_but_needs_dense_and_peak():
    cross = dataclasses.replace(STRONG, cross_lingual=True, lexical_overlap=0.0, lexical_best=0.0)
    assert not AbstentionPolicy().decide(cross)
    assert AbstentionPolicy().decide(dataclasses.replace(cross, sentence_dense=0.78))
    assert AbstentionPolicy().decide(dataclasses.replace(cross, sentence_peak=0.0))


def test_thresholds_are_parameters_and_can_be_disabled():
    weak = dataclasses.replace(STRONG, lexical_overlap=0.2, lexical_best=0.2)
    assert AbstentionPolicy().decide(weak)
    assert not AbstentionPolicy(min_overlap=0.0, min_best_overlap=0.0).decide(weak)
    assert AbstentionPolicy(min_sentence_dense=0.9).decide(STRONG)
    assert "sentence_dense" in AbstentionPolicy(min_sentence_dense=0.9).reasons(STRONG)[0]
