"""Fixtures for answer-composition tests: one real-text pool shared by the module's tests."""

from __future__ import annotations

import pytest

from tests.fakes import HashEmbedder

from .pool import make_pool, saudinewsnet_articles, seed_article, xquad_articles


@pytest.fixture(scope="session")
def seed(seed_path):
    return seed_article(seed_path)


@pytest.fixture(scope="session")
def snn(shared_dir):
    return saudinewsnet_articles(shared_dir, limit=150)


@pytest.fixture(scope="session")
def xquad_en(shared_dir):
    return xquad_articles(shared_dir, "en", limit=40)


@pytest.fixture(scope="session")
def pool(seed, snn, xquad_en):
    return make_pool([seed, *snn, *xquad_en[0]], HashEmbedder())

