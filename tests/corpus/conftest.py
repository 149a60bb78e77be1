"""Fixtures for corpus tests: real SaudiNewsNet articles loaded once per session."""

import pytest

from corpus.loaders import iter_articles
from corpus.models import Article

SNN_DAY = "2015-07-23.zip"


@pytest.fixture(scope="session")
def snn_zip(shared_dir):
    return shared_dir / "data" / "saudinewsnet" / SNN_DAY


@pytest.fixture(scope="session")
def snn_items(snn_zip):
    return list(iter_articles([snn_zip]))


@pytest.fixture(scope="session")
def snn_articles(snn_items):
    return [a for a in snn_items if isinstance(a, Article)]
