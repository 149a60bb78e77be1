"""Does the int8 ONNX fast path keep retrieval quality? Recall of fp32 torch vs the default backend, side by side.

    python3 benchmarks/quantization.py --home-root /tmp/khabar-bench-quant [--modes dense,hybrid] [--json]

Each backend gets its own indexes under --home-root/<backend>/ (built once, reused on later runs): the
passages are embedded by that backend and so are the questions. The embeddings issue asks for Recall@5
within 0.5 points of fp32 on the XQuAD and ARCD sets.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BACKENDS = ("torch", "auto")  # fp32 reference first, then what Khabar uses by default
MAX_R5_DROP = 0.005


def compare(results: dict[str, dict]) -> list[dict]:
    """One row per set and mode: each backend's R@1/R@5 and the default's difference to fp32."""
    ref, fast = results["torch"], results["auto"]
    rows = []
    for name, res in ref.items():
        for mode, m in res["modes"].items():
            f = fast[name]["modes"][mode]
            rows.append({
                "set": name, "mode": mode,
                "fp32_r1": m["recall@1"], "fp32_r5": m["recall@5"],
                "fast_r1": f["recall@1"], "fast_r5": f["recall@5"],
                "delta_r1": round(f["recall@1"] - m["recall@1"], 4),
                "delta_r5": round(f["recall@5"] - m["recall@5"], 4),
                "within": f["recall@5"] >= m["recall@5"] - MAX_R5_DROP,
            })
    return rows


def markdown(rows: list[dict], fast_backend: str) -> str:
    lines = [f"| set | mode | fp32 R@1 / R@5 | {fast_backend} R@1 / R@5 | Δ R@1 | Δ R@5 |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['set']} | {r['mode']} | {r['fp32_r1']:.3f} / {r['fp32_r5']:.3f} "
                     f"| {r['fast_r1']:.3f} / {r['fast_r5']:.3f} | {r['delta_r1']:+.3f} | {r['delta_r5']:+.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from retrieval_quality import run_sets

    from khabar.app import load_embedder_from
    from khabar.settings import get_settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home-root", default="/tmp/khabar-bench-quant")
    ap.add_argument("--modes", default="dense,hybrid")
    ap.add_argument("--sets", default="xquad-ar,xquad-en,arcd", help="comma-separated sets of retrieval_quality.py")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    results, used = {}, {}
    for backend in BACKENDS:
        settings = get_settings(khabar_embedding_backend=backend)
        embedder = load_embedder_from(settings)
        used[backend] = embedder.backend
        results[backend] = run_sets(settings, home_root=Path(args.home_root) / backend, modes=args.modes.split(","),
                                    sets=set(filter(None, args.sets.split(","))), limit=args.limit,
                                    latency_sample=0, embedder=embedder)
    rows = compare(results)
    if args.json:
        print(json.dumps({"backends": used, "rows": rows}, ensure_ascii=False, indent=2))
    else:
        print(markdown(rows, used["auto"]))
    return 0 if all(r["within"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
