"""The int8 ONNX fast path: chosen by default, cached with a checksum, and faithful to fp32."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.embeddings import install_model, load_embedder
from retrieval.embeddings.manifest import read_manifest, verify_manifest
from retrieval.embeddings.onnx_backend import ONNX_FILE, onnx_dir


def test_auto_selects_onnx_int8(fast_embedder, model_dir):
    assert fast_embedder.backend == "onnx-int8"
    cache = onnx_dir(model_dir, fast_embedder.path)
    assert (cache / ONNX_FILE).is_file() and verify_manifest(cache)
    man = read_manifest(cache)
    assert man["accepted"] is True and man["quality"]["mean_cosine"] >= 0.995
    assert man["smoothed_ops"] == 48  # every int8 MatMul/Attention input of e5-small's 12 layers


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


def test_torch_backend_is_available_explicitly(torch_embedder):
    assert torch_embedder.backend == "torch-fp32"


def test_install_model_returns_the_loadable_folder(fast_embedder, model_dir):
    assert install_model("intfloat/multilingual-e5-small", model_dir=model_dir) == fast_embedder.path
