"""Chroma server mode: a real `chroma run` on 127.0.0.1 serving ingest, search and ask through the CLI."""

from __future__ import annotations

import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import ClassVar

import pytest

pytestmark = [pytest.mark.server, pytest.mark.slow, pytest.mark.timeout(1200)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _chroma_cli() -> list[str]:
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    if exe is None:
        pytest.fail("the `chroma` CLI from the installed chromadb is not on PATH")
    return [exe]


@pytest.fixture
def chroma_server(tmp_path):
    port = _free_port()
    log = open(tmp_path / "chroma.log", "w+")
    proc = subprocess.Popen([*_chroma_cli(), "run", "--path", str(tmp_path / "server-data"),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"`chroma run` did not come up (exit {proc.poll()}):\n{log.read()[-4000:]}")
            time.sleep(0.2)
        yield port, tmp_path / "server-data"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)
        log.close()


def test_ingest_search_ask_through_a_chroma_server(chroma_server, tmp_path, seed_path):
    port, data_dir = chroma_server
    home = tmp_path / "home"
    env = {**os.environ, "KHABAR_HOME": str(home), "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(port)}

    def khabar(*args: str) -> dict:
        p = subprocess.run([sys.executable, "-m", "khabar", *args], env=env, capture_output=True, text=True,
                           timeout=900)
        assert p.returncode == 0, p.stderr[-3000:]
        return json.loads(p.stdout)

    day = seed_path.parents[2] / "data" / "saudinewsnet" / "2015-07-23.zip"  # a whole real day
    rep = khabar("ingest", "--json", str(seed_path), str(day))
    assert rep["added"] == 1 + 1302 and rep["index"]["articles"] == rep["added"]
    assert not (home / "chroma").exists()  # vectors went to the server, not the embedded store
    assert any(data_dir.iterdir())

    from retrieval.store import ChromaStore, make_client

    remote = make_client(home=home, host="127.0.0.1", port=port)
    info = ChromaStore.collection_info(remote, "khabar")
    assert info["embedding_model"] == "intfloat/multilingual-e5-small"
    store = ChromaStore(remote, collection="khabar", embedding_model=info["embedding_model"],
                        dimension=int(info["dimension"]))
    assert store.count() == rep["index"]["chunks"] == rep["chunks_added"]

    again = khabar("ingest", "--json", str(seed_path), str(day))
    assert again["chunks_added"] == 0 and again["unchanged"] == rep["added"]

    ans = khabar("ask", "ماذا قال شي جين بينغ عن العلاقات مع روسيا؟", "--json")
    assert not ans["abstained"]
    assert ans["citations"][0]["article_id"] == "000_84ffc645cff79ea0"
    hits = khabar("search", "الرئيس الصيني بوتين", "--json", "--k", "3")["hits"]
    assert hits[0]["article_id"] == "000_84ffc645cff79ea0"
    source = max(rep["index"]["sources"], key=rep["index"]["sources"].get)
    filtered = khabar("search", "السعودية", "--json", "--source", source, "--k", "5")["hits"]
    assert filtered and all(h["source"] == source for h in filtered)
    dated = khabar("search", "السعودية", "--json", "--until", "2015-12-31", "--k", "5")["hits"]
    assert dated and all(h["date"] == "2015-07-23" for h in dated)
    by_agency = khabar("search", "الصين روسيا", "--json", "--agency", "Xinhua", "--k", "3")["hits"]
    assert [h["article_id"] for h in by_agency] == ["000_84ffc645cff79ea0"]  # stored as شينخوا


class _TokenProxy(http.server.BaseHTTPRequestHandler):
    """Forward to the Chroma server only with the right token: `chroma run` 1.x has no auth of its own, so
    deployments put a proxy in front of it (Chroma's cookbook uses Envoy); this is that proxy, on loopback."""

    upstream: int = 0
    header: str = "Authorization"
    expected: str = ""
    seen: ClassVar[list] = []

    def _forward(self) -> None:
        got = self.headers.get(self.header, "")
        self.seen.append((self.command, self.path, got == self.expected))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if got != self.expected:
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error":"Unauthorized","message":"missing or wrong token"}')
            return
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        conn.request(self.command, self.path, body=body or None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def token_proxy(chroma_server):
    port, _ = chroma_server
    handler = type("Proxy", (_TokenProxy,), {"upstream": port, "header": "X-Chroma-Token",
                                               "expected": "s3cret-token-42", "seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler
    finally:
        server.shutdown()
        server.server_close()


def test_chroma_behind_a_token_proxy(token_proxy, tmp_path, seed_path):
    port, handler = token_proxy
    base = {**os.environ, "KHABAR_HOME": str(tmp_path / "home"), "CHROMA_HOST": "127.0.0.1",
            "CHROMA_PORT": str(port), "CHROMA_AUTH_HEADER": "X-Chroma-Token"}

    def khabar(env: dict, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "khabar", *args], env=env, capture_output=True, text=True,
                              timeout=600)

    ok = khabar({**base, "CHROMA_AUTH_TOKEN": "s3cret-token-42"}, "ingest", "--json", str(seed_path))
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert json.loads(ok.stdout)["added"] == 1
    hits = khabar({**base, "CHROMA_AUTH_TOKEN": "s3cret-token-42"}, "search", "الرئيس الصيني", "--json")
    assert hits.returncode == 0 and json.loads(hits.stdout)["hits"][0]["article_id"] == "000_84ffc645cff79ea0"
    assert handler.seen and all(authorised for *_, authorised in handler.seen)

    for env in ({**base, "CHROMA_AUTH_TOKEN": "wrong-token"}, base):
        handler.seen.clear()
        bad = khabar(env, "search", "الرئيس الصيني", "--json")
        assert bad.returncode != 0
        assert handler.seen and not any(authorised for *_, authorised in handler.seen)  # it did ask the proxy
        assert "Traceback" not in bad.stderr
        assert "CHROMA_AUTH_TOKEN" in bad.stderr  # tells the user which setting to fix
        assert "wrong-token" not in bad.stderr + bad.stdout
