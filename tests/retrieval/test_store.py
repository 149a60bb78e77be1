"""ChromaStore on a real embedded PersistentClient: filters inside the query, model records, paging."""

from __future__ import annotations

import numpy as np
import pytest

from corpus.models import Article, Chunk
from retrieval.errors import ModelMismatchError
from retrieval.models import Filters
from retrieval.store import ChromaStore, date_int, make_client, where_clause


def _article(aid: str, source: str, date: str, text: str) -> tuple[Article, list[Chunk]]:
    art = Article(article_id=aid, text=text, source=source, date=date, content_hash=f"h-{aid}")
    return art, [Chunk(chunk_id=f"{aid}::0", article_id=aid, text=text, start=0, end=len(text))]


@pytest.fixture
def store(tmp_path, fake_embedder):
    client = make_client(home=tmp_path)
    st = ChromaStore(client, collection="test-col", embedding_model=fake_embedder.name, dimension=fake_embedder.dimension)
    rows = [_article("a1", "alriyadh", "2015-07-21", "النفط في السعودية"),
            _article("a2", "okaz", "2015-07-23", "النفط في السعودية والخليج"),
            _article("a3", "alriyadh", "2015-07-25", "النفط في السعودية اليوم")]
    items = [(a, c) for a, cs in rows for c in cs]
    st.upsert_many(items, fake_embedder.embed_passages([c.text for _, c in items]))
    return st


def test_date_int_and_where_clause():
    assert date_int("2015-07-23") == 20150723 and date_int("") == 0 and date_int("bad") == 0
    assert where_clause(None) is None and where_clause(Filters()) is None
    assert where_clause(Filters(source="okaz")) == {"source": "okaz"}
    w = where_clause(Filters(source="okaz", since="2015-07-22", until="2015-07-24"))
    assert w == {"$and": [{"source": "okaz"}, {"date_int": {"$gte": 20150722}}, {"date_int": {"$lte": 20150724}}]}
    assert where_clause(Filters(agency=("Reuters", "رويترز"))) == {"agency": {"$in": ["Reuters", "رويترز"]}}
    w = where_clause(Filters(source="okaz", since="2015-07-01", until="2015-07-31", undated=True))
    assert w == {"$and": [{"source": "okaz"}, {"$or": [
        {"$and": [{"date_int": {"$gte": 20150701}}, {"date_int": {"$lte": 20150731}}]}, {"date_int": 0}]}]}


def test_filters_are_applied_inside_the_query(store, fake_embedder):
    q = fake_embedder.embed_queries(["النفط في السعودية"])[0]
    assert {h.article_id for h in store.query(q, k=10)} == {"a1", "a2", "a3"}
    assert {h.article_id for h in store.query(q, k=10, filters=Filters(source="alriyadh"))} == {"a1", "a3"}
    window = Filters(since="2015-07-22", until="2015-07-24")
    assert [h.article_id for h in store.query(q, k=10, filters=window)] == ["a2"]
    either = Filters(source=("okaz", "no-such-outlet"))  # any of several stored spellings
    assert [h.article_id for h in store.query(q, k=10, filters=either)] == ["a2"]
    # k=1 with a filter still finds the match: filtering happens before the top-k cut
    assert [h.article_id for h in store.query(q, k=1, filters=Filters(source="okaz"))] == ["a2"]


def test_stored_chunks_embeddings_and_paging(store, fake_embedder):
    stored = store.stored_chunks(["a1::0", "missing::0"])
    assert list(stored) == ["a1::0"] and stored["a1::0"][0] == "h-a1" and stored["a1::0"][1]
    vecs = store.embeddings(["a2::0"])
    assert np.allclose(vecs["a2::0"], fake_embedder.embed_passages(["النفط في السعودية والخليج"])[0], atol=1e-6)
    assert sorted(store.all_ids()) == ["a1::0", "a2::0", "a3::0"]
    page = store.get_chunks(limit=2) + store.get_chunks(limit=2, offset=2)
    assert sorted(cid for cid, _, _ in page) == ["a1::0", "a2::0", "a3::0"]
    meta = dict((cid, m) for cid, m, _ in page)["a3::0"]
    assert meta["date_int"] == 20150725 and meta["source"] == "alriyadh" and meta["end"] == len("النفط في السعودية اليوم")
    store.delete(["a1::0"])
    store.delete_article("a3")
    assert store.all_ids() == ["a2::0"] and store.count() == 1


def test_collection_records_model_and_mismatch_names_rebuild(store, tmp_path, fake_embedder):
    client = store.client
    assert ChromaStore.collection_info(client, "test-col") == {"embedding_model": fake_embedder.name,
                                                         "dimension": fake_embedder.dimension,
                                                         "chunk_scripts": 2}
    assert ChromaStore.collection_info(client, "absent") is None
    with pytest.raises(ModelMismatchError, match="--rebuild"):
        ChromaStore(client, collection="test-col", embedding_model="other/model", dimension=fake_embedder.dimension)
    with pytest.raises(ModelMismatchError, match="dimension"):
        ChromaStore(client, collection="test-col", embedding_model=fake_embedder.name, dimension=128)
    ChromaStore.drop(client, "test-col")
    fresh = ChromaStore(client, collection="test-col", embedding_model="other/model", dimension=128)
    assert fresh.count() == 0


def test_persists_across_clients(store, tmp_path, fake_embedder):
    again = ChromaStore(make_client(home=tmp_path), collection="test-col", embedding_model=fake_embedder.name,
                        dimension=fake_embedder.dimension)
    assert again.count() == 3


def test_unreachable_server_is_a_khabar_error(tmp_path):
    import socket

    from retrieval.errors import KhabarError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(KhabarError, match="Chroma server"):
        make_client(home=tmp_path, host="127.0.0.1", port=port)


def test_search_breadth_is_raised_on_collections_made_by_older_versions(tmp_path, fake_embedder):
    from retrieval.store import EF_SEARCH

    client = make_client(home=tmp_path)
    client.get_or_create_collection(
        "old-col", metadata={"embedding_model": fake_embedder.name, "dimension": fake_embedder.dimension},
        configuration={"hnsw": {"space": "cosine", "ef_search": 128}}, embedding_function=None)
    assert client.get_collection("old-col").configuration["hnsw"]["ef_search"] == 128
    ChromaStore(client, collection="old-col", embedding_model=fake_embedder.name, dimension=fake_embedder.dimension)
    assert client.get_collection("old-col").configuration["hnsw"]["ef_search"] == EF_SEARCH
    ChromaStore(client, collection="new-col", embedding_model=fake_embedder.name, dimension=fake_embedder.dimension)
    assert client.get_collection("new-col").configuration["hnsw"]["ef_search"] == EF_SEARCH


def test_chunks_carry_their_script_and_a_query_can_ask_for_one(tmp_path, fake_embedder):
    client = make_client(home=tmp_path)
    st = ChromaStore(client, collection="mixed", embedding_model=fake_embedder.name, dimension=fake_embedder.dimension)
    assert st.scripts_recorded  # a new collection labels every chunk as it is written
    rows = [_article("ar", "okaz", "2015-07-21", "النفط في السعودية"),
            _article("en", "reuters", "2015-07-21", "Oil in Saudi Arabia")]
    items = [(a, c) for a, cs in rows for c in cs]
    st.upsert_many(items, fake_embedder.embed_passages([c.text for _, c in items]))
    q = fake_embedder.embed_queries(["النفط"])[0]
    assert [h.article_id for h in st.query(q, k=5, script="latin")] == ["en"]
    assert [h.article_id for h in st.query(q, k=5, script="arabic", filters=Filters(source="okaz"))] == ["ar"]
    assert st.query(q, k=5, script="latin", filters=Filters(source="okaz")) == []
    assert where_clause(Filters(source="okaz"), "latin") == {"$and": [{"script": "latin"}, {"source": "okaz"}]}
    assert where_clause(None, "arabic") == {"script": "arabic"}


def test_record_scripts_labels_an_index_made_before_scripts(tmp_path, fake_embedder):
    """An older collection (no script in chunk metadata) is labelled in place, its other metadata kept."""
    client = make_client(home=tmp_path)
    old = client.create_collection("older", metadata={"embedding_model": fake_embedder.name,
                                                      "dimension": fake_embedder.dimension},
                                   configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)
    texts = {"a::0": "النفط في السعودية", "b::0": "Oil in Saudi Arabia", "c::0": "2015"}
    old.add(ids=list(texts), embeddings=fake_embedder.embed_passages(list(texts.values())),
            metadatas=[{"article_id": c[0], "start": 0, "end": len(t), "source": "x"} for c, t in texts.items()],
            documents=list(texts.values()))
    st = ChromaStore(client, collection="older", embedding_model=fake_embedder.name, dimension=fake_embedder.dimension)
    assert not st.scripts_recorded
    assert st.record_scripts() == 3
    got = {cid: m for cid, m, _ in st.get_chunks()}
    assert {c: m["script"] for c, m in got.items()} == {"a::0": "arabic", "b::0": "latin", "c::0": "other"}
    assert got["b::0"]["article_id"] == "b" and got["b::0"]["source"] == "x"
    reopened = ChromaStore(client, collection="older", embedding_model=fake_embedder.name,
                           dimension=fake_embedder.dimension)
    assert reopened.scripts_recorded and reopened.record_scripts() == 0
    assert ChromaStore.collection_info(client, "older")["embedding_model"] == fake_embedder.name


def test_record_scripts_relabels_chunks_labelled_by_an_older_rule(tmp_path, fake_embedder):
    """Version-1 labels counted letters; the ones the lexical index would put in another pool are relabelled."""
    client = make_client(home=tmp_path)
    old = client.create_collection("labels-v1", metadata={"embedding_model": fake_embedder.name,
                                                   "dimension": fake_embedder.dimension, "chunk_scripts": 1},
                                   configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)
    texts = {"a::0": "النفط في السعودية", "b::0": "UN EU TV GCC OPEC WHO IMF الاقتصادية والسياسية"}
    old.add(ids=list(texts), embeddings=fake_embedder.embed_passages(list(texts.values())),
            metadatas=[{"article_id": c[0], "script": "arabic"} for c in texts], documents=list(texts.values()))
    st = ChromaStore(client, collection="labels-v1", embedding_model=fake_embedder.name, dimension=fake_embedder.dimension)
    assert st.scripts_recorded and st.script_labels == 1  # searchable by script meanwhile
    assert st.record_scripts() == 1
    assert {cid: m["script"] for cid, m, _ in st.get_chunks()} == {"a::0": "arabic", "b::0": "latin"}
    assert st.script_labels == 2 and st.record_scripts() == 0


def test_an_explicit_until_leaves_undated_chunks_out(tmp_path, fake_embedder):
    """Undated chunks carry date_int 0, which is <= any --until; only a window read from a question lets them in."""
    st = ChromaStore(make_client(home=tmp_path), collection="undated", embedding_model=fake_embedder.name,
                     dimension=fake_embedder.dimension)
    rows = [_article("dated", "okaz", "2015-07-21", "النفط في السعودية"), _article("undated", "okaz", "", "النفط في الخليج")]
    items = [(a, c) for a, cs in rows for c in cs]
    st.upsert_many(items, fake_embedder.embed_passages([c.text for _, c in items]))
    q = fake_embedder.embed_queries(["النفط"])[0]
    assert [h.article_id for h in st.query(q, k=5, filters=Filters(until="2015-12-31"))] == ["dated"]
    assert {h.article_id for h in st.query(q, k=5, filters=Filters(until="2015-12-31", undated=True))} == {
        "dated", "undated"}
