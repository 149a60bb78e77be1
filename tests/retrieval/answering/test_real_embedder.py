"""Integration: extractive answers and abstention with the real multilingual-e5-small embedder."""

from __future__ import annotations

import pytest

from retrieval.answering import compose_extractive

from .pool import make_pool, saudinewsnet_articles
from .test_extractive import assert_well_formed

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_pool(seed, shared_dir, real_embedder):
    return make_pool([seed, *saudinewsnet_articles(shared_dir, "2015-07-23", limit=60)], real_embedder)


@pytest.mark.parametrize(
    "question",
    [
        "ماذا قال بوتين عن الشراكة الاستراتيجية بين روسيا والصين؟",
        "ماذا قال شي جين بينغ عن التواصل مع بوتين؟",
        "What did Putin say about the strategic partnership between Russia and China?",
    ],
)
def test_questions_about_the_seed_cite_it(real_pool, question):
    answer = compose_extractive(question, real_pool.search(question), real_pool.get, real_pool.embedder)
    assert_well_formed(answer, real_pool.get)
    assert not answer.abstained, answer.text
    assert answer.citations[0].article_id == "seed-84ffc645"
    assert "بوتين" in " ".join(c.quote for c in answer.citations)


@pytest.mark.parametrize(
    ("question", "language"),
    [("What is the capital of Peru?", "en"), ("ما هي عاصمة بيرو؟", "ar"), ("من فاز بكأس العالم لكرة القدم عام 2018؟", "ar")],
)
def test_off_corpus_questions_abstain(real_pool, question, language):
    answer = compose_extractive(question, real_pool.search(question), real_pool.get, real_pool.embedder)
    assert_well_formed(answer, real_pool.get)
    assert answer.abstained and answer.language == language and answer.related
