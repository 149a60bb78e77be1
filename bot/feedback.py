"""👍/👎 feedback as JSONL under KHABAR_HOME: the question, answer and citations, never names or tokens."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from datetime import datetime, timezone
from pathlib import Path

from retrieval.models import Answer


class FeedbackLog:
    """Appends one JSON object per click; user ids are keyed hashes (salt kept beside the log)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._salt: bytes | None = None

    def _user_salt(self) -> bytes:
        if self._salt is None:
            salt_path = self.path.with_name(self.path.name + ".salt")
            try:
                self._salt = bytes.fromhex(salt_path.read_text().strip())
            except (OSError, ValueError):
                salt = secrets.token_hex(16)
                fd = os.open(salt_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(salt)
                self._salt = bytes.fromhex(salt)
        return self._salt

    def user_hash(self, user_id: int) -> str:
        return hmac.new(self._user_salt(), str(user_id).encode(), hashlib.sha256).hexdigest()[:32]

    def record(self, answer: Answer, verdict: str, user_id: int, *, where: str = "") -> dict:
        """Append one feedback line and return it."""
        if verdict not in ("up", "down"):
            raise ValueError(f"verdict must be 'up' or 'down', not {verdict!r}")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            entry = {
                "ts": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "verdict": verdict,
                "question": answer.question,
                "language": answer.language,
                "answer": answer.text,
                "abstained": answer.abstained,
                "mode": answer.mode,
                "citations": [
                    {"n": c.n, "article_id": c.article_id, "start": c.start, "end": c.end} for c in answer.citations
                ],
                "user": self.user_hash(user_id),
                "where": where,
            }
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")
            return entry
