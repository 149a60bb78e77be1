"""Issue 3's "done when": on a machine with no hub and empty caches, `khabar ingest` and `khabar ask` work.

The subprocesses get HF_HUB_OFFLINE=1, an empty KHABAR_MODEL_DIR and HF_HOME, a dead proxy, and a
sitecustomize that refuses every non-loopback socket connection, so a network call would fail loudly.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.khabar.conftest import SEED_ID, khabar_env, run_khabar

NO_NETWORK = '''\
"""Test guard: any connection off this machine raises (proves the code path makes no network call)."""
import socket

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_LOCAL = ("127.", "::1", "localhost")


def _check(address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not host.startswith(_LOCAL) and not host.startswith("/"):
        raise OSError(f"network disabled by test: connect to {address!r}")


def _connect(self, address):
    _check(address)
    return _real_connect(self, address)


def _connect_ex(self, address):
    _check(address)
    return _real_connect_ex(self, address)


def _no_dns(*args, **kwargs):
    host = args[0] if args else kwargs.get("host")
    if host not in (None, "localhost", "127.0.0.1", "::1"):
        raise socket.gaierror(f"network disabled by test: resolve {host!r}")
    return _real_getaddrinfo(*args, **kwargs)


_real_getaddrinfo = socket.getaddrinfo
socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex
socket.getaddrinfo = _no_dns
'''


def offline_env(tmp_path: Path) -> dict[str, str]:
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(NO_NETWORK, encoding="utf-8")
    model_dir, hf_home = tmp_path / "models", tmp_path / "hf"
    model_dir.mkdir()
    hf_home.mkdir()
    pythonpath = os.pathsep.join(p for p in (str(guard), os.environ.get("PYTHONPATH", "")) if p)
    return khabar_env(
        tmp_path / "home",
        KHABAR_MODEL_DIR=str(model_dir), HF_HOME=str(hf_home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
        HF_HUB_CACHE=str(hf_home / "hub"), SENTENCE_TRANSFORMERS_HOME=str(hf_home / "st"),
        XDG_CACHE_HOME=str(tmp_path / "xdg"),
        HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", ALL_PROXY="http://127.0.0.1:9",
        http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9", NO_PROXY="", no_proxy="",
        PYTHONPATH=pythonpath,
    )


def test_guard_really_blocks_the_network(tmp_path):
    env = offline_env(tmp_path)
    import subprocess
    import sys

    code = ("import socket\n"
            "try:\n    socket.create_connection(('8.8.8.8', 53), timeout=2)\nexcept OSError as e:\n    print('blocked', e)\n")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert "blocked" in proc.stdout and "network disabled by test" in proc.stdout


@pytest.mark.slow
def test_model_install_with_no_network_and_empty_caches(tmp_path):
    """What `make run` / `make test` do first on a fresh machine (scripts/setup.sh)."""
    env = offline_env(tmp_path)
    model_dir = Path(env["KHABAR_MODEL_DIR"])
    assert not any(model_dir.iterdir())

    inst = run_khabar("model", "install", env=env, timeout=900)
    print(inst.stdout[-1500:], inst.stderr[-2000:])
    assert inst.returncode == 0, inst.stderr
    # The stage-by-stage progress reaches the terminal, and the int8 fast path was built, not given up on.
    assert "building model: dequantising layer 12/12" in inst.stderr
    assert "building model: exporting ONNX" in inst.stderr and "validating against fp32" in inst.stderr
    assert "(backend: onnx-int8)" in inst.stdout, inst.stdout
    assert "fast path is unavailable" not in inst.stderr
    assert any(model_dir.glob("onnx/*/model.int8.onnx"))
    assert "network disabled" not in inst.stderr


@pytest.mark.slow
def test_ingest_and_ask_with_no_network_and_empty_caches(tmp_path, seed_path):
    env = offline_env(tmp_path)
    model_dir = Path(env["KHABAR_MODEL_DIR"])
    assert not any(model_dir.iterdir()) and not any(Path(env["HF_HOME"]).iterdir())

    ing = run_khabar("ingest", str(seed_path.parent), "--json", env=env, timeout=900)
    print(ing.stdout[-1500:], ing.stderr[-2000:])
    assert ing.returncode == 0, ing.stderr
    summary = json.loads(ing.stdout)
    assert summary["added"] == 1 and summary["failed"] == 0
    assert summary["index"]["embedding_model"] == "intfloat/multilingual-e5-small"
    assert any(model_dir.rglob("config_sentence_transformers.json")) or any(model_dir.rglob("*.safetensors"))

    ask = run_khabar("ask", "ماذا قال شي جين بينغ عن العلاقات مع روسيا؟", "--json", env=env, timeout=600)
    print(ask.stdout[-1500:], ask.stderr[-2000:])
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    cited = answer["related"] if answer["abstained"] else answer["citations"]
    assert cited and cited[0]["article_id"] == SEED_ID
    assert "network disabled" not in ask.stderr + ing.stderr
