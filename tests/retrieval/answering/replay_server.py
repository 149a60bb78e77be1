"""A real OpenAI-compatible HTTP server on 127.0.0.1 that replays recorded chat-completions responses by model name."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RECORDINGS = Path(__file__).with_name("replay")


class ReplayServer:
    """Serves POST /v1/chat/completions: model "<name>" replays replay/<name>.json; "timeout" never answers in time;
    "error-500" answers HTTP 500. Every request body is kept in `requests`."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization", "")})
                model = body.get("model", "")
                if not self.path.endswith("/chat/completions"):
                    return self._send(404, {"error": {"message": "not found"}})
                if model == "timeout":
                    server.release.wait(30)
                    return self._send(200, json.loads((RECORDINGS / "good-ar.json").read_text(encoding="utf-8")))
                if model == "error-500":
                    return self._send(500, json.loads((RECORDINGS / "error-500.json").read_text(encoding="utf-8")))
                path = RECORDINGS / f"{model}.json"
                if not path.is_file():
                    return self._send(404, {"error": {"message": f"no recording for {model}"}})
                self._send(200, json.loads(path.read_text(encoding="utf-8")))

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
