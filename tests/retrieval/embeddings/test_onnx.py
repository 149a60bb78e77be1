"""The int8 ONNX fast path: chosen by default, cached with a checksum, and faithful to fp32."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from retrieval.embeddings import install_model, load_embedder
from retrieval.embeddings.manifest import read_manifest, verify_manifest
from retrieval.embeddings.onnx_backend import ONNX_FILE, QUERY_FILE, make_session, onnx_dir


def test_auto_selects_onnx_int8(fast_embedder, model_dir):
    assert fast_embedder.backend == "onnx-int8"
    cache = onnx_dir(model_dir, fast_embedder.path)
    assert (cache / ONNX_FILE).is_file() and verify_manifest(cache)
    man = read_manifest(cache)
    assert man["accepted"] is True and man["quality"]["mean_cosine"] >= 0.995
    assert man["smoothed_ops"] == 48  # every int8 MatMul/Attention input of e5-small's 12 layers
    # Both graphs run their 24 LayerNorms as ReduceMean/Sub/SimplifiedLayerNormalization, not the slow fused kernel.
    assert man["decomposed_layer_norms"] == 24
    for name in (ONNX_FILE, QUERY_FILE):
        ops = {n.op_type for n in onnx.load(str(cache / name), load_external_data=False).graph.node}
        assert "SimplifiedLayerNormalization" in ops and "SkipLayerNormalization" not in ops, name


def test_int8_matches_fp32(fast_embedder, torch_embedder, texts):
    sample = texts[::2]
    a = fast_embedder.embed_passages(sample)
    b = torch_embedder.embed_passages(sample)
    cos = (a * b).sum(1)
    assert cos.mean() >= 0.997, cos.mean()  # 0.9985 measured with smoothing, 0.9962 without
    assert cos.min() >= 0.99, cos.min()
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_corrupt_onnx_is_rebuilt(fast_embedder, model_dir):
    cache = onnx_dir(model_dir, fast_embedder.path)
    with open(cache / ONNX_FILE, "r+b") as f:
        f.seek(1000)
        f.write(b"\xffbroken\xff")
    assert not verify_manifest(cache)
    emb = load_embedder(model_dir=model_dir, backend="auto")
    assert emb.backend == "onnx-int8" and verify_manifest(cache)
    v = emb.embed_queries(["test"])
    assert v.shape == (1, 384)


def test_queries_run_through_the_fp32_graph_and_passages_through_int8(fast_embedder, torch_embedder, texts, model_dir):
    man = read_manifest(onnx_dir(model_dir, fast_embedder.path))
    assert QUERY_FILE in man["files"] and man["quality"]["query_graph_min_cosine"] >= 0.9999
    questions = [t[:120] for t in texts[:40]]
    q = (fast_embedder.embed_queries(questions) * torch_embedder.embed_queries(questions)).sum(1)
    p = (fast_embedder.embed_passages(questions) * torch_embedder.embed_passages(questions)).sum(1)
    assert q.min() >= 0.9999, q.min()  # fp32 graph: the same vectors as torch
    assert p.mean() < 0.9999 and p.min() >= 0.99  # int8: close, not identical


def test_ingest_never_opens_the_query_graph(model_dir, texts):
    emb = load_embedder(model_dir=model_dir, backend="auto", max_seq_length=512)
    emb.embed_passages(texts[:8])
    assert callable(emb.model[0]._query_session)  # still the unopened factory: no fp32 graph in memory
    emb.embed_queries(["سؤال"])
    assert not callable(emb.model[0]._query_session)


def test_sessions_do_not_spin_idle_threads(fast_embedder, model_dir):
    opts = make_session(onnx_dir(model_dir, fast_embedder.path) / ONNX_FILE, 2).get_session_options()
    assert opts.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert opts.intra_op_num_threads == 2


def test_torch_backend_is_available_explicitly(torch_embedder):
    assert torch_embedder.backend == "torch-fp32"


def test_install_model_returns_the_loadable_folder(fast_embedder, model_dir):
    installed = install_model("intfloat/multilingual-e5-small", model_dir=model_dir)
    assert installed.path == fast_embedder.path and installed.backend == fast_embedder.backend
