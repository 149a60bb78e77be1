"""BM25 lexical index: search, incremental updates, npz round-trip, corruption and interrupted saves."""

from __future__ import annotations

import os

import numpy as np
import pytest

from retrieval.analysis import terms
from retrieval.errors import IndexCorruptError
from retrieval.lexical import LexicalIndex

DOCS = {
    "a::0": ("a", "قال الرئيس الصيني شي جين بينغ إن العلاقات مع روسيا قوية"),
    "b::0": ("b", "ارتفعت أسعار النفط في السعودية اليوم"),
    "c::0": ("c", "The oil price rose in Riyadh today"),
}


def _index(path=None) -> LexicalIndex:
    idx = LexicalIndex(path)
    idx.add(list(DOCS), [a for a, _ in DOCS.values()], [t for _, t in DOCS.values()])
    return idx


def test_search_scores_and_filters():
    idx = _index()
    top = idx.search("أسعار النفط")
    assert top[0][:2] == ("b::0", "b") and top[0][2] > 0
    assert idx.search("أسعار النفط", allowed_articles={"a"}) == []
    assert idx.search("oil price")[0][0] == "c::0"
    scores = idx.score_chunks("روسيا", ["a::0", "b::0", "zzz"])
    assert scores["a::0"] > 0 and scores["b::0"] == 0 and scores["zzz"] == 0
    assert idx.coverage("روسيا") == 1.0 and idx.coverage("xylophone") == 0.0


def test_weighted_terms_score_as_weight_times_bm25():
    idx = _index()
    oil, price = terms("النفط")[0], terms("أسعار")[0]
    plain = idx.score_chunks("أسعار النفط", ["b::0"])["b::0"]
    assert idx.score_terms({oil: 1.0, price: 1.0}, ["b::0"])["b::0"] == pytest.approx(plain)
    only_oil = idx.score_terms({oil: 1.0}, ["b::0"])["b::0"]
    weighted = idx.score_terms({oil: 1.0, price: 0.5, "unknown-term": 9.0}, ["b::0", "a::0", "zzz"])
    assert weighted["b::0"] == pytest.approx(only_oil + 0.5 * (plain - only_oil))
    assert weighted["a::0"] == 0 and weighted["zzz"] == 0
    top = idx.search_terms({oil: 0.5}, k=5)
    assert [c for c, _, _ in top] == ["b::0"] and top[0][2] == pytest.approx(0.5 * only_oil)
    assert idx.search_terms({oil: 1.0}, allowed_articles={"a"}) == []
    assert idx.search_terms({}) == [] and idx.search_terms({oil: 0.0}) == []


def test_update_and_remove():
    idx = _index()
    idx.add(["b::0"], ["b"], ["خبر عن الطقس الحار"])
    assert idx.search("النفط السعودية") == []  # the old text of b is gone, not merely outranked
    assert idx.search("الطقس")[0][0] == "b::0" and len(idx) == 3
    idx.remove(["a::0"])
    assert "a::0" not in idx and len(idx) == 2
    assert idx.search("روسيا") == []


def test_round_trip(tmp_path):
    path = tmp_path / "lexical.npz"
    idx = _index(path)
    idx.remove(["c::0"])
    idx.save()
    assert not idx.dirty
    back = LexicalIndex.load(path)
    assert sorted(back.chunk_ids) == ["a::0", "b::0"]
    for q in ("أسعار النفط", "روسيا الصين", "oil"):
        assert back.search(q) == idx.search(q)
    with np.load(path, allow_pickle=False) as z:  # no pickled objects inside
        assert {"digest", "vocab", "chunk_ids"} <= set(z.files)


def test_missing_file_is_empty(tmp_path):
    assert len(LexicalIndex.load(tmp_path / "none.npz")) == 0


@pytest.mark.parametrize("damage", ["garbage", "truncate", "flip"])
def test_damaged_file_raises_index_corrupt(tmp_path, damage):
    path = tmp_path / "lexical.npz"
    _index(path).save()
    raw = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"\x00not an npz" * 50)
    elif damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    else:
        with np.load(path) as z:  # rewrite with one altered count but the old digest
            arrays = {k: z[k] for k in z.files}
        arrays["data"] = arrays["data"] + 1
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)
    with pytest.raises(IndexCorruptError, match="doctor --fix"):
        LexicalIndex.load(path)


def test_interrupted_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "lexical.npz"
    idx = _index(path)
    idx.save()
    idx.add(["d::0"], ["d"], ["نص إضافي"])

    def crash(*a, **k):
        raise OSError("simulated crash before rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        idx.save()
    monkeypatch.undo()
    strays = list(tmp_path.glob("lexical.npz.tmp*"))
    assert strays  # the half-done write never touched the real file
    assert sorted(LexicalIndex.load(path).chunk_ids) == sorted(DOCS)
    idx.save()
    assert sorted(LexicalIndex.load(path).chunk_ids) == sorted([*DOCS, "d::0"])


def test_chunks_with_finds_the_chunks_holding_a_term():
    lex = LexicalIndex()
    lex.add(["a::0", "b::0", "c::0"], ["a", "b", "c"], ["ارتفع سعر النفط", "الصقر يصطاد الحمام", "النفط والصقر"])
    oil, falcon = terms("النفط")[0], terms("الصقر")[0]
    assert sorted(lex.chunks_with([oil])) == ["a::0", "c::0"]
    assert sorted(lex.chunks_with([oil, falcon])) == ["a::0", "b::0", "c::0"]
    assert lex.chunks_with(["unknown-term"]) == [] and lex.chunks_with([]) == []
    lex.remove(["a::0"])
    assert lex.chunks_with([oil]) == ["c::0"]


def test_a_save_from_another_thread_waits_for_a_reader_of_row_data(tmp_path):
    """An ingest thread's save renumbers rows; a search reading scripts must not see half of that."""
    import threading

    idx = _index(tmp_path / "lexical.npz")
    idx.script_counts()
    ready = idx._ensure_weights

    def ensure_then_let_ingest_run():
        ready()
        writer = threading.Thread(target=lambda: (idx.remove(["a::0", "b::0"]), idx.save()))
        writer.start()
        writer.join(0.3)  # holds the lock, so the writer waits until this read is over
        ensure_then_let_ingest_run.writer = writer

    idx._ensure_weights = ensure_then_let_ingest_run
    assert idx.chunk_scripts(["c::0"]) == {"c::0": "latin"}
    ensure_then_let_ingest_run.writer.join()
    idx._ensure_weights = ready
    assert idx.chunk_scripts(["c::0"]) == {"c::0": "latin"} and idx.chunks_in_script("latin") == [("c::0", "c")]


def test_search_terms_within_one_script(tmp_path):
    idx = _index(tmp_path / "lexical.npz")
    bag = dict.fromkeys(terms("oil price النفط أسعار"), 1.0)
    assert {c for c, _, _ in idx.search_terms(bag)} == {"b::0", "c::0"}
    assert [c for c, _, _ in idx.search_terms(bag, script="latin")] == ["c::0"]
    assert [c for c, _, _ in idx.search_terms(bag, script="arabic")] == ["b::0"]


def test_chunk_scripts_follow_adds_removals_and_reloads(tmp_path):
    idx = _index(tmp_path / "lexical.npz")
    assert idx.script_counts() == {"arabic": 2, "latin": 1}
    assert idx.chunk_scripts(["a::0", "c::0", "zzz"]) == {"a::0": "arabic", "c::0": "latin", "zzz": ""}
    idx.add(["d::0", "e::0"], ["d", "e"], ["Saudi Aramco أرامكو", "2015 ٢٠١٦"])
    assert idx.chunk_scripts(["d::0", "e::0"]) == {"d::0": "latin", "e::0": ""}  # by term occurrences
    idx.remove(["c::0", "d::0"])
    assert idx.script_counts() == {"arabic": 2, "latin": 0}
    idx.save()
    again = LexicalIndex.load(tmp_path / "lexical.npz")
    assert again.script_counts() == {"arabic": 2, "latin": 0} and again.chunk_scripts(["b::0"]) == {"b::0": "arabic"}
