"""Fixtures for end-to-end tests of the `khabar` command: a tmp KHABAR_HOME ingested once per session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEED_ID = "000_84ffc645cff79ea0"
# A few SaudiNewsNet articles from two outlets and two days, so source and date filters have something to split.
SNN_PICKS = (("2015-07-21.zip", "okaz", 3), ("2015-07-23.zip", "alriyadh", 3))


def khabar_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for a `python3 -m khabar` subprocess: this home, no LLM, no stray KHABAR_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KHABAR_", "CHROMA_", "DISCORD_", "OPENAI_"))}
    if "KHABAR_MODEL_DIR" in os.environ:  # keep a shared model cache if the runner set one
        env["KHABAR_MODEL_DIR"] = os.environ["KHABAR_MODEL_DIR"]
    env.update({"KHABAR_HOME": str(home), "PYTHONIOENCODING": "utf-8", "COLUMNS": "200", "ANONYMIZED_TELEMETRY": "False"})
    env.update(extra)
    return env


def run_khabar(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "khabar", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def write_snn_sample(shared_dir: Path, dest: Path) -> list[dict]:
    """Copy a handful of SaudiNewsNet records into a tmp JSONL (tmp only: shared data never enters the repo)."""
    records = []
    for zip_name, source, n in SNN_PICKS:
        with zipfile.ZipFile(shared_dir / "data" / "saudinewsnet" / zip_name) as z:
            data = json.loads(z.read(z.namelist()[0]))
        picked = [r for r in data if r["source"] == source and len(r.get("content", "")) > 400][:n]
        records.extend(picked)
    dest.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return records


@dataclass(frozen=True)
class IndexedHome:
    home: Path
    env: dict
    summary: dict  # `khabar ingest --json` output
    snn: list  # the SaudiNewsNet records ingested beside the seed


@pytest.fixture(scope="session")
def indexed_home(tmp_path_factory, shared_dir, seed_path) -> IndexedHome:
    """The seed article + 6 SaudiNewsNet articles, ingested by the real CLI."""
    root = tmp_path_factory.mktemp("khabar_cli")
    home = root / "home"
    sample = root / "snn_sample.jsonl"
    records = write_snn_sample(shared_dir, sample)
    env = khabar_env(home)
    proc = run_khabar("ingest", str(seed_path.parent), str(sample), "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return IndexedHome(home=home, env=env, summary=json.loads(proc.stdout), snn=records)
