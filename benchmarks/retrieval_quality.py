"""Retrieval benchmark: XQuAD ar→ar, XQuAD en→ar and ARCD with SaudiNewsNet distractors, every mode.

    python3 benchmarks/retrieval_quality.py --home-root /tmp/khabar-bench [--json] [--modes dense,lexical,rrf,hybrid]

Each set's index is built once under --home-root (XQuAD ar→ar and en→ar share one) and reused on later runs.
The two "mixed" sets index XQuAD's paragraphs half in Arabic, half in English (every other one from the
English file, `khabar eval squad --mix`) beside the same Arabic distractors, and split each score by the
gold paragraph's language.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED = REPO.parent / "shared" / "data"
DISTRACTORS = SHARED / "saudinewsnet" / "2015-07-23.zip"
SETS = [
    # name, index folder, contexts, questions
    ("XQuAD ar→ar", "xquad", SHARED / "xquad" / "xquad.ar.json", SHARED / "xquad" / "xquad.ar.json"),
    ("XQuAD en→ar", "xquad", SHARED / "xquad" / "xquad.ar.json", SHARED / "xquad" / "xquad.en.json"),
    ("ARCD ar→ar", "arcd", SHARED / "arcd" / "arcd-train.json", SHARED / "arcd" / "arcd-train.json"),
    ("XQuAD mixed, ar questions", "xquad-mixed", SHARED / "xquad" / "xquad.ar.json", SHARED / "xquad" / "xquad.ar.json"),
    ("XQuAD mixed, en questions", "xquad-mixed", SHARED / "xquad" / "xquad.ar.json", SHARED / "xquad" / "xquad.en.json"),
]
MIX = SHARED / "xquad" / "xquad.en.json"  # the mixed sets' other language
KEYS = {"XQuAD ar→ar": "xquad-ar", "XQuAD en→ar": "xquad-en", "ARCD ar→ar": "arcd",
        "XQuAD mixed, ar questions": "mixed-ar", "XQuAD mixed, en questions": "mixed-en"}


def markdown(results: dict) -> str:
    """One row per set and mode."""
    lines = ["| set | mode | R@1 | R@5 | MRR@10 | strict R@1 | answer@1 | p50 ms | p95 ms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, res in results.items():
        for mode, m in res["modes"].items():
            lines.append(f"| {name} | {mode} | {m['recall@1']:.3f} | {m['recall@5']:.3f} | {m['mrr@10']:.3f} "
                         f"| {m['recall@1_strict']:.3f} | {m['answer@1']:.3f} "
                         f"| {m['p50_ms']:.1f} | {m['p95_ms']:.1f} |")
    split = [(name, mode, m["by_gold_file"]) for name, res in results.items() for mode, m in res["modes"].items()
             if "by_gold_file" in m]
    if split:
        lines += ["", "| set | mode | gold in Arabic: R@1 | R@5 | gold in English: R@1 | R@5 |", "|---|---|---|---|---|---|"]
        for name, mode, parts in split:
            ar, en = parts["contexts"], parts["mix"]
            lines.append(f"| {name} | {mode} | {ar['recall@1']:.3f} | {ar['recall@5']:.3f} "
                         f"| {en['recall@1']:.3f} | {en['recall@5']:.3f} |")
    return "\n".join(lines)


def run_sets(settings, *, home_root: Path, modes: list[str], sets: set[str] = frozenset(), limit: int = 0,
             latency_sample: int = 100, embedder=None) -> dict:
    """Score each wanted set (all when `sets` is empty), caching each set's index under `home_root`."""
    from khabar.evaluate import run_squad_eval

    wanted = set(sets) or set(KEYS.values())
    results = {}
    for name, folder, contexts, questions in SETS:
        if KEYS[name] not in wanted:
            continue
        results[name] = run_squad_eval(
            settings, contexts=str(contexts), questions=str(questions), distractors=[str(DISTRACTORS)],
            modes=modes, limit=limit, home=Path(home_root) / folder, latency_sample=latency_sample,
            embedder=embedder, mix=str(MIX) if folder == "xquad-mixed" else None)
        print(f"{name}: done", file=sys.stderr, flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    from khabar.settings import get_settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home-root", default="/tmp/khabar-bench-retrieval", help="where the per-set indexes are cached")
    ap.add_argument("--modes", default="dense,lexical,rrf,hybrid")
    ap.add_argument("--sets", default="", help="comma-separated subset of: " + ", ".join(KEYS.values()))
    ap.add_argument("--limit", type=int, default=0, help="only the first N questions of each set")
    ap.add_argument("--latency-sample", type=int, default=100)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    results = run_sets(get_settings(), home_root=Path(args.home_root), modes=args.modes.split(","),
                       sets=set(filter(None, args.sets.split(","))), limit=args.limit,
                       latency_sample=args.latency_sample)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
