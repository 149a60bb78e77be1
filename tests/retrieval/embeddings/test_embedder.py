"""Embedder behaviour: normalised float32 output, order kept through length bucketing, token budget, threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from retrieval.embeddings import family_prompts


def test_output_is_normalised_float32(torch_embedder):
    v = torch_embedder.embed_passages(["short", "a somewhat longer English sentence about markets", "نص عربي"])
    assert v.dtype == np.float32 and v.shape == (3, torch_embedder.dimension)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert torch_embedder.embed_passages([]).shape == (0, torch_embedder.dimension)


def test_bucketing_restores_input_order(torch_embedder, texts):
    sample = texts[:5] + ["x"] + texts[100:104]
    together = torch_embedder.embed_passages(sample, batch_size=3)
    alone = np.stack([torch_embedder.embed_passages([t])[0] for t in sample])
    np.testing.assert_allclose((together * alone).sum(1), 1.0, atol=1e-4)


def test_query_and_passage_prompts_differ(torch_embedder):
    q = torch_embedder.embed_queries(["oil prices"])[0]
    p = torch_embedder.embed_passages(["oil prices"])[0]
    assert float(q @ p) < 0.9999


def test_relevant_passage_ranks_first(torch_embedder):
    passages = ["أعلنت وزارة الصحة عن حملة تطعيم ضد الإنفلونزا", "Oil prices rose after OPEC cut output", "فاز الهلال على النصر"]
    q = torch_embedder.embed_queries(["من فاز في المباراة بين الهلال والنصر؟", "why did crude oil get more expensive"])
    scores = q @ torch_embedder.embed_passages(passages).T
    assert list(scores.argmax(1)) == [2, 1]


def test_count_tokens_and_budget(torch_embedder, texts):
    counts = torch_embedder.count_tokens(texts[:20])
    assert all(c > 0 for c in counts) and torch_embedder.count_tokens([]) == []
    budget = torch_embedder.passage_token_budget
    assert 0 < budget < torch_embedder.max_seq_length
    words = " ".join(texts).split()
    chunk = []
    for w in words:
        if torch_embedder.count_tokens([" ".join(chunk + [w])])[0] > budget:
            break
        chunk.append(w)
    text = " ".join(chunk)
    full = torch_embedder.model.tokenizer(torch_embedder.passage_prompt + text)["input_ids"]
    assert len(full) <= torch_embedder.max_seq_length


def test_concurrent_queries_are_safe(fast_embedder, texts):
    qs = [t[:80] for t in texts[:24]]
    # int8 activations are quantised per batch, so compare single-text calls with single-text calls.
    expected = np.stack([fast_embedder.embed_queries([q])[0] for q in qs])
    fast_embedder._query_cache.clear()  # the threads must really run the model
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(lambda q: fast_embedder.embed_queries([q])[0], qs))
    np.testing.assert_allclose((np.stack(got) * expected).sum(1), 1.0, atol=1e-4)


def test_repeated_query_is_served_from_a_bounded_cache(torch_embedder, monkeypatch):
    import retrieval.embeddings.embedder as embedder_module

    calls = []
    real = torch_embedder._embed
    monkeypatch.setattr(torch_embedder, "_embed", lambda texts, *a: calls.append(list(texts)) or real(texts, *a))
    monkeypatch.setattr(embedder_module, "QUERY_CACHE_SIZE", 2)
    torch_embedder._query_cache.clear()
    first = torch_embedder.embed_queries(["سعر النفط اليوم"])
    first[0, :] = 0.0  # a caller scribbling on its result must not poison the cache
    again = torch_embedder.embed_queries(["سعر النفط اليوم"])
    assert calls == [["سعر النفط اليوم"]]
    np.testing.assert_allclose(np.linalg.norm(again[0]), 1.0, atol=1e-5)
    torch_embedder.embed_queries(["a"])
    torch_embedder.embed_queries(["b"])  # evicts the oldest entry
    torch_embedder.embed_queries(["سعر النفط اليوم"])
    assert len(calls) == 4 and len(torch_embedder._query_cache) == 2
    torch_embedder.embed_queries(["a", "b"])  # batches bypass the cache
    assert calls[-1] == ["a", "b"]
    prompt = torch_embedder.query_prompt
    try:
        torch_embedder.query_prompt = "passage: "  # another prompt is another vector
        torch_embedder.embed_queries(["سعر النفط اليوم"])
        assert len(calls) == 6
    finally:
        torch_embedder.query_prompt = prompt


def test_family_prompts():
    assert family_prompts("intfloat/multilingual-e5-large") == {"query": "query: ", "passage": "passage: "}
    assert family_prompts("BAAI/bge-m3") == {"query": "", "passage": ""}
    assert family_prompts("thenlper/gte-base") == {"query": "", "passage": ""}
    assert family_prompts("BAAI/bge-small-en-v1.5")["query"].startswith("Represent this sentence")
    assert family_prompts("intfloat/multilingual-e5-large-instruct")["query"].startswith("Instruct:")


def test_langchain_adapter(torch_embedder):
    from langchain_core.embeddings import Embeddings

    from retrieval.embeddings import KhabarEmbeddings

    lc = KhabarEmbeddings(torch_embedder)
    assert isinstance(lc, Embeddings)
    docs = lc.embed_documents(["الرياض عاصمة السعودية", "Paris is in France"])
    q = lc.embed_query("عاصمة السعودية")
    assert len(docs) == 2 and len(q) == 384 and all(isinstance(x, float) for x in q)
    np.testing.assert_allclose(q, torch_embedder.embed_queries(["عاصمة السعودية"])[0], atol=1e-6)
    assert np.dot(docs[0], q) > np.dot(docs[1], q)
