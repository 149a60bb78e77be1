"""`khabar doctor`: detects damaged manifest/lexical/Chroma state, repairs it with fix=True, never leaks secrets."""

from __future__ import annotations

import gc
import json

import pytest

from khabar.doctor import run_doctor
from khabar.settings import get_settings
from tests.retrieval.conftest import ids_everywhere, open_service, write_dictd


@pytest.fixture
def home(tmp_path, fake_embedder, seed_path):
    h = tmp_path / "home"
    svc = open_service(h, fake_embedder)
    svc.indexer.ingest([seed_path])
    # Closed here, not whenever the garbage collector gets to it: a connection closing later checkpoints
    # its WAL into the manifest file, which would undo a test's deliberate damage.
    svc.manifest.close()
    return h


def _settings(home, **kw):
    models = home.parent / "models"
    (models / "test--hash-embedder").mkdir(parents=True, exist_ok=True)
    (models / "test--hash-embedder" / "modules.json").write_text("[]")
    return get_settings(khabar_home=home, chroma_host="", khabar_embedding_model="test/hash-embedder",
                        khabar_model_dir=models, **kw)


def _check(report, name):
    return next(c for c in report["checks"] if c["name"] == name)


def test_healthy_home_is_ok(home):
    rep = run_doctor(_settings(home), fix=False)
    for name in ("manifest", "lexical index", "chroma vs manifest", "embedding model"):
        assert _check(rep, name)["ok"], rep
    assert "1 articles" in _check(rep, "manifest")["detail"]


@pytest.mark.parametrize("damage", ["corrupt", "truncate", "delete", "stale"])
def test_lexical_damage_detected_and_rebuilt(home, fake_embedder, damage):
    path = home / "lexical.npz"
    if damage == "corrupt":
        path.write_bytes(b"garbage" * 100)
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[:200])
    elif damage == "delete":
        path.unlink()
    else:
        from retrieval.lexical import LexicalIndex

        lex = LexicalIndex.load(path)
        lex.add(["ghost::0"], ["ghost"], ["نص يتيم"])
        lex.save()
    (home / "lexical.npz.tmp999").write_bytes(b"half")
    rep = run_doctor(_settings(home), fix=False)
    assert not rep["ok"] and not _check(rep, "lexical index")["ok"]
    assert "--fix" in _check(rep, "lexical index")["detail"]
    fixed = run_doctor(_settings(home), fix=True)
    assert fixed["ok"] and _check(fixed, "lexical index")["fixed"]
    assert not list(home.glob("lexical.npz.tmp*"))
    assert run_doctor(_settings(home), fix=False)["ok"]
    chroma, manifest, lexical = ids_everywhere(open_service(home, fake_embedder))
    assert chroma == manifest == lexical


def test_chroma_orphans_deleted_and_missing_chunks_reported(home, fake_embedder, seed_path, tmp_path):
    from corpus.models import Article, Chunk

    svc = open_service(home, fake_embedder)
    orphan = Chunk("orphan::0", "orphan", "نص يتيم", 0, 7)
    svc.indexer.store.upsert_many([(Article("orphan", "نص يتيم", content_hash="h"), orphan)],
                                  fake_embedder.embed_passages(["نص يتيم"]))
    rep = run_doctor(_settings(home), fix=False)
    chk = _check(rep, "chroma vs manifest")
    assert not chk["ok"] and "1 chunk(s) in Chroma" in chk["detail"]
    assert run_doctor(_settings(home), fix=True)["ok"]
    assert "orphan::0" not in svc.indexer.store.all_ids()
    # now lose a committed chunk from Chroma: the article must be re-ingested
    victim = svc.indexer.store.all_ids()[0]
    svc.indexer.store.delete([victim])
    fixed = run_doctor(_settings(home), fix=True)
    chk = _check(fixed, "chroma vs manifest")
    assert chk["fixed"] and "000_84ffc645cff79ea0" in chk["detail"]
    svc = open_service(home, fake_embedder)
    assert svc.stats()["articles"] == 0
    assert svc.indexer.ingest([seed_path]).added == 1
    chroma, manifest, lexical = ids_everywhere(svc)
    assert chroma == manifest == lexical and victim in chroma


def test_unreadable_manifest_rebuilt_from_chroma(home, fake_embedder, seed_path):
    before = open_service(home, fake_embedder)
    ids = sorted(r[0] for r in before.manifest.iter_chunk_rows())
    art = before.manifest.article("000_84ffc645cff79ea0")
    before.manifest.close()
    gc.collect()  # no other connection left to write the manifest back on close
    for suffix in ("-wal", "-shm"):
        (home / f"manifest.sqlite3{suffix}").unlink(missing_ok=True)
    (home / "manifest.sqlite3").write_bytes(b"not sqlite at all" * 300)
    rep = run_doctor(_settings(home), fix=False)
    assert not rep["ok"] and "unreadable" in _check(rep, "manifest")["detail"]
    fixed = run_doctor(_settings(home), fix=True)
    assert fixed["ok"], fixed
    assert list(home.glob("manifest.sqlite3.corrupt-*"))
    svc = open_service(home, fake_embedder)
    got = svc.manifest.article("000_84ffc645cff79ea0")
    assert (got.city, got.date, got.agency, got.source) == (art.city, art.date, art.agency, art.source)
    for cid, (s, e) in svc.manifest.chunk_spans(ids).items():
        assert got.text[s:e] == art.text[s:e]
    assert sorted(r[0] for r in svc.manifest.iter_chunk_rows()) == ids
    counting = []
    orig = fake_embedder.embed_passages
    fake_embedder.embed_passages = lambda texts, batch_size=32: (counting.extend(texts), orig(texts))[1]
    rep = open_service(home, fake_embedder).indexer.ingest([seed_path])
    assert rep.updated == 1 and counting == []  # metadata refreshed, nothing re-embedded


def test_model_mismatch_and_missing_model_folder(home, tmp_path):
    rep = run_doctor(get_settings(khabar_home=home, chroma_host="", khabar_model_dir=tmp_path / "nomodels"), fix=False)
    assert not _check(rep, "embedding model")["ok"] and "--rebuild" in _check(rep, "embedding model")["detail"]
    assert not _check(rep, "model folder")["ok"] and "model install" in _check(rep, "model folder")["detail"]
    assert not rep["ok"]


def test_secrets_never_in_output(home, capsys, monkeypatch):
    from khabar.cli import main

    tokens = {"chroma_auth_token": "chroma-SECRET-123456", "discord_token": "discord-SECRET-abcdef",
              "openai_api_key": "sk-SECRET-987654"}
    s = _settings(home, **tokens)
    (home / "lexical.npz").write_bytes(b"bad")
    out = json.dumps([run_doctor(s, fix=False), run_doctor(s, fix=True)], ensure_ascii=False)
    for k, v in tokens.items():
        monkeypatch.setenv(k.upper(), v)
    monkeypatch.setenv("KHABAR_EMBEDDING_MODEL", "test/hash-embedder")
    monkeypatch.setenv("KHABAR_MODEL_DIR", str(s.khabar_model_dir))
    (home / "lexical.npz").write_bytes(b"bad again")
    assert main(["--home", str(home), "doctor"]) == 1
    assert main(["--home", str(home), "doctor", "--json", "--fix"]) == 0
    cap = capsys.readouterr()
    out += cap.out + cap.err
    assert "lexical index" in out
    for secret in tokens.values():
        assert secret not in out


@pytest.fixture
def gloss_home(tmp_path, seed_path):
    from tests.fakes import GlossEmbedder

    h = tmp_path / "gloss-home"
    open_service(h, GlossEmbedder()).indexer.ingest([seed_path])
    assert (h / "crosslingual.npz").exists()
    return h


def _gloss_settings(home):
    return get_settings(khabar_home=home, chroma_host="", khabar_embedding_model="test/gloss-embedder",
                        khabar_model_dir=home.parent / "models")


@pytest.mark.parametrize("damage", ["delete", "truncate", "partial"])
def test_term_vectors_checked_and_rebuilt(gloss_home, damage):
    from retrieval.crosslingual import CrossLingualTerms
    from tests.fakes import GlossEmbedder

    path = gloss_home / "crosslingual.npz"
    healthy = _check(run_doctor(_gloss_settings(gloss_home)), "term vectors")
    assert healthy["ok"] and "all with vectors" in healthy["detail"]
    n = int(healthy["detail"].split()[0])
    assert n > 20  # the seed article's vocabulary
    if damage == "delete":
        path.unlink()
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[:300])
    else:  # an ingest interrupted before its last save
        cl = CrossLingualTerms.load(path, model="test/gloss-embedder", analyzer=_analyzer())
        cl.retain(set(cl.terms[: n // 2]))
        cl.save()
    found = _check(run_doctor(_gloss_settings(gloss_home)), "term vectors")
    assert "other language get dense search" in found["detail"] and "khabar ingest" in found["detail"]
    if damage == "delete":  # never built is a state, not damage: the next ingest builds them
        assert found["ok"]
        open_service(gloss_home, GlossEmbedder()).indexer.ingest([])
    else:
        assert not found["ok"] and "--fix" in found["detail"]
    if damage != "delete":
        fixed = _check(run_doctor(_gloss_settings(gloss_home), fix=True, embedder=GlossEmbedder()), "term vectors")
        assert fixed["fixed"] and f"({n} terms now)" in fixed["detail"]
    again = _check(run_doctor(_gloss_settings(gloss_home)), "term vectors")
    assert again["ok"] and again["detail"] == healthy["detail"]


def test_term_vectors_are_never_rebuilt_with_another_model(gloss_home):
    from retrieval.crosslingual import CrossLingualTerms
    from tests.fakes import GlossEmbedder

    path = gloss_home / "crosslingual.npz"
    path.write_bytes(path.read_bytes()[:300])
    before = path.read_bytes()

    class Other(GlossEmbedder):
        name = "other/model"

    check = _check(run_doctor(_gloss_settings(gloss_home), fix=True, embedder=Other()), "term vectors")
    assert not check["ok"] and not check.get("fixed") and "'other/model'" in check["detail"]
    assert path.read_bytes() == before  # left for `khabar ingest` with the right model
    assert len(CrossLingualTerms.load(path, model="test/gloss-embedder", analyzer=_analyzer())) == 0


def test_term_vectors_of_a_model_that_cannot_embed_words(home, fake_embedder):
    rep = run_doctor(_settings(home), fix=True, embedder=fake_embedder)
    check = _check(rep, "term vectors")
    assert check["ok"] and "not built" in check["detail"] and rep["ok"]
    (home / "crosslingual.npz").write_bytes(b"junk")
    rep = run_doctor(_settings(home), fix=True, embedder=fake_embedder)
    check = _check(rep, "term vectors")
    assert check["ok"] and "cannot embed words" in check["detail"] and rep["ok"]


def _analyzer():
    from retrieval.lexical import analyzer_id

    return analyzer_id()


def test_chunk_scripts_of_an_older_index_reported_and_labelled(home):
    """An index from before chunk script labels works, says so, and --fix labels it without re-embedding."""
    from retrieval.store import make_client

    client = make_client(home=home)
    col = client.get_collection("khabar")
    got = col.get(include=["metadatas"])
    assert all(m["script"] == "arabic" for m in got["metadatas"])
    col.update(ids=got["ids"], metadatas=[{"script": None}] * len(got["ids"]))  # None deletes the key
    col.modify(metadata={k: v for k, v in col.metadata.items() if k != "chunk_scripts"})
    del client, col
    gc.collect()
    rep = run_doctor(_settings(home), fix=False)
    check = _check(rep, "chunk scripts")
    assert check["ok"] and "predates" in check["detail"] and rep["ok"]
    rep = run_doctor(_settings(home), fix=True)
    check = _check(rep, "chunk scripts")
    assert check["fixed"] and f"labelled {len(got['ids'])} chunks" in check["detail"]
    assert _check(run_doctor(_settings(home), fix=False), "chunk scripts")["detail"].startswith("every chunk")


def test_dictionaries_reported_and_an_unreadable_one_fails(home, tmp_path):
    rep = run_doctor(_settings(home), fix=False)
    for name in ("dictionary English-Arabic", "dictionary Arabic-English"):  # the suite runs with none
        assert _check(rep, name)["ok"] and "KHABAR_DICTIONARY=none" in _check(rep, name)["detail"]
    folder = tmp_path / "dicts"
    folder.mkdir()
    write_dictd(folder / "freedict-eng-ara", {"Camel": "الجمل", "Oil": "النفط"})
    rep = run_doctor(_settings(home, khabar_dictionary=str(folder)), fix=False)
    good = _check(rep, "dictionary English-Arabic")
    assert good["ok"] and "2 headwords" in good["detail"]
    assert _check(rep, "dictionary Arabic-English")["ok"] and "not in" in _check(rep, "dictionary Arabic-English")["detail"]
    # a setting that names nothing usable is a misconfiguration, not "no dictionary"
    for wrong in (folder / "freedict-eng-ara.index", tmp_path / "no-such-folder"):
        rep = run_doctor(_settings(home, khabar_dictionary=str(wrong)), fix=False)
        assert not _check(rep, "dictionaries")["ok"] and not rep["ok"]
    (folder / "freedict-ara-eng.index").write_text("damaged\tindex\n")  # no .dict.dz beside it
    rep = run_doctor(_settings(home, khabar_dictionary=str(folder)), fix=False)
    assert not _check(rep, "dictionary Arabic-English")["ok"] and not rep["ok"]
