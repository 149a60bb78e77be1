"""Shared fixtures: the read-only data beside the repo, and deterministic fakes."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KHABAR_SHARED", REPO.parent / "shared")).resolve()
SEED = SHARED / "corpus" / "seed" / "000_84ffc645cff79ea0.txt"
SNN = SHARED / "data" / "saudinewsnet"

# Searches in tests translate English words with the term vectors alone, whatever dictionary the machine has
# (tests/retrieval/test_dictionary.py sets one explicitly); child processes inherit this too.
os.environ["KHABAR_DICTIONARY"] = "none"


def default_sigint() -> None:
    """Give a child process the default Ctrl-C: a runner started as a background job ignores SIGINT, and its
    children would inherit that (a test of Ctrl-C handling then sees nothing happen)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared not found at {SHARED}; tests read their data from there")
    return SHARED


@pytest.fixture(scope="session")
def seed_path(shared_dir: Path) -> Path:
    return SEED


@pytest.fixture
def fake_embedder():
    from tests.fakes import HashEmbedder

    return HashEmbedder()
