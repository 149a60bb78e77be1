"""kill -9 and Ctrl-C during `khabar ingest` (real model, real Chroma): the rerun ends exactly like a clean ingest."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import default_sigint
from tests.retrieval.conftest import make_snn_zip

pytestmark = pytest.mark.timeout(1500)


def _env(home: Path) -> dict:
    env = {**os.environ, "KHABAR_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    for k in ("CHROMA_HOST", "CHROMA_PORT"):
        env.pop(k, None)
    return env


def _start(home: Path, *paths: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "khabar", "ingest", "--json", *map(str, paths)], env=_env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)


def _committed(home: Path) -> dict[str, list[str]]:
    """article_id -> chunk ids, read from the manifest the way a second process would."""
    path = home / "manifest.sqlite3"
    if not path.exists():
        return {}
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
            out: dict[str, list[str]] = {a: [] for (a,) in db.execute("SELECT article_id FROM articles")}
            for cid, aid in db.execute("SELECT chunk_id, article_id FROM chunks"):
                out.setdefault(aid, []).append(cid)
            return out
    except sqlite3.Error:
        return {}


def _wait(proc: subprocess.Popen, cond, timeout: float = 600) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        if cond():
            return True
        time.sleep(0.05)
    return False


def _kill9(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)


def _run_to_end(home: Path, *paths: Path) -> dict:
    proc = _start(home, *paths)
    out, err = proc.communicate(timeout=1200)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out)


def _expected_chunks(embedder, *paths: Path) -> dict[str, list[str]]:
    """What a clean ingest of `paths` stores: the same loader and chunker the ingest uses."""
    from corpus.chunking import chunk_article
    from corpus.loaders import iter_articles
    from corpus.models import LoadError
    from retrieval.ingest import Indexer

    ix = Indexer(store=None, manifest=None, lexical=None, embedder=embedder)
    out: dict[str, list[str]] = {}
    for a in iter_articles(list(paths)):
        if isinstance(a, LoadError) or a.article_id in out:
            continue
        chunks = chunk_article(a, embedder.count_tokens, ix.max_tokens, ix.overlap_tokens)
        if chunks:
            out[a.article_id] = [c.chunk_id for c in chunks]
    return out


def _stored_ids(home: Path, embedder) -> tuple[list[str], list[str], list[str]]:
    """(Chroma ids, manifest chunk ids, lexical chunk ids) of a home, duplicates kept."""
    from retrieval.lexical import LexicalIndex
    from retrieval.store import ChromaStore, make_client

    client = make_client(home=home)
    store = ChromaStore(client, collection="khabar", embedding_model=embedder.name, dimension=embedder.dimension)
    chroma = sorted(store.all_ids())
    manifest = sorted(c for ids in _committed(home).values() for c in ids)
    with np.load(home / "lexical.npz", allow_pickle=False) as z:
        lexical = sorted(z["chunk_ids"].tolist())
    LexicalIndex.load(home / "lexical.npz")  # digest verifies
    del store, client
    return chroma, manifest, lexical


def _crash_and_resume(tmp_path: Path, embedder, data: Path, kills: int, seed: int) -> None:
    rng = random.Random(seed)
    home = tmp_path / "home"
    expected = _expected_chunks(embedder, data)
    all_expected = sorted(c for ids in expected.values() for c in ids)
    killed_with_progress = 0
    for i in range(kills):
        before = len(_committed(home))
        proc = _start(home, data)
        # the Chroma folder appears once the model has loaded and the index is open
        if not _wait(proc, lambda: (home / "chroma").is_dir() and (home / "manifest.sqlite3").exists()):
            out, err = proc.communicate()
            assert proc.returncode == 0, err[-3000:]
            break  # finished before we could kill it: fine, the checks below still apply
        if i % 2 == 0:
            time.sleep(rng.uniform(0.2, 6.0))  # anywhere: loading, embedding, upserting, saving
        else:
            _wait(proc, lambda: len(_committed(home)) > before, timeout=300)  # right after a commit
            time.sleep(rng.uniform(0.0, 1.5))
        finished = proc.poll() is not None
        _kill9(proc)
        if finished:
            break
        killed_with_progress += len(_committed(home)) > before
    pre_chroma = set(_stored_ids(home, embedder)[0]) if (home / "lexical.npz").exists() else set()
    committed = _committed(home)
    rep = _run_to_end(home, data)
    chroma, manifest, lexical = _stored_ids(home, embedder)
    assert chroma == manifest == lexical == all_expected  # no duplicates, no orphans, nothing missing
    todo = {c for aid, ids in expected.items() if aid not in committed for c in ids}
    assert rep["unchanged"] == len(committed)
    assert rep["chunks_reused"] == len(todo & pre_chroma)
    assert rep["chunks_added"] == len(todo - pre_chroma)  # nothing already stored was embedded again
    assert rep["index"]["articles"] == len(expected) and rep["index"]["chunks"] == len(all_expected)


def test_kill9_at_random_points_then_resume(tmp_path, real_embedder):
    data = make_snn_zip(tmp_path / "day.zip", 130)
    _crash_and_resume(tmp_path, real_embedder, data, kills=3, seed=int(time.time()))


def test_ctrl_c_exits_130_and_resumes(tmp_path, real_embedder):
    home = tmp_path / "home"
    data = make_snn_zip(tmp_path / "day.zip", 60)
    proc = _start(home, data)
    assert _wait(proc, lambda: (home / "chroma").is_dir()), proc.communicate()[1][-3000:]
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.fail("the ingest finished before Ctrl-C arrived; use a bigger input")
    assert proc.returncode == 130, err[-3000:]
    assert "interrupted" in err and "Traceback" not in err
    rep = _run_to_end(home, data)
    expected = _expected_chunks(real_embedder, data)
    chroma, manifest, lexical = _stored_ids(home, real_embedder)
    assert chroma == manifest == lexical == sorted(c for ids in expected.values() for c in ids)
    assert rep["interrupted"] is False


@pytest.mark.slow
def test_kill9_on_a_whole_saudinewsnet_day(tmp_path, real_embedder, snn_day):
    _crash_and_resume(tmp_path, real_embedder, snn_day, kills=2, seed=7)
