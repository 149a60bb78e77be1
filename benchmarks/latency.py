"""Query latency in a warm process over an existing index, plus the cold start of `khabar ask` and the first
questions of a fresh process with and without `AnswerService.warm_up` (what the bot and the REPL run at start).

    KHABAR_HOME=/path/to/indexed/home python3 benchmarks/latency.py [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, pct  # noqa: E402

QUESTIONS = [
    "ما هي أسعار النفط اليوم؟",
    "ماذا قال وزير الخارجية السعودي عن إيران؟",
    "نتائج مباريات الدوري السعودي",
    "هيئة السوق المالية والأسهم",
    "حوادث المرور في الرياض",
    "الحرب في اليمن والتحالف العربي",
    "ما هي رؤية وزارة التعليم للعام الدراسي الجديد؟",
    "أخبار الهلال والنصر",
    "الاتفاق النووي الإيراني",
    "ارتفاع درجات الحرارة في المنطقة الشرقية",
    "What did the Saudi foreign minister say about Iran?",
    "oil prices and OPEC production",
    "traffic accidents in Riyadh",
    "the war in Yemen",
    "Saudi stock market performance",
    "football league results",
    "Iran nuclear deal",
    "weather heat wave in the Eastern Province",
    "new school year plans of the education ministry",
    "Hajj season preparations in Mecca",
]



FIRST = (QUESTIONS[10], QUESTIONS[0])  # an English and an Arabic question, in that order


def rss_mb() -> int:
    """This process's resident memory in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def first_questions(kind: str) -> dict:
    """One fresh service: ms for its first English and then its first Arabic question, cold or after the
    warm-up; or ("memory") its RSS after an Arabic question and again after the warm-up (the English side)."""
    from khabar.app import build_service
    from khabar.settings import get_settings

    service = build_service(get_settings())
    if kind == "memory":
        service.ask(FIRST[1])
        before = rss_mb()
        service.warm_up()
        return {"rss_arabic_only_mb": before, "rss_after_warm_up_mb": rss_mb()}
    out = {}
    if kind == "warm":
        t = time.perf_counter()
        service.warm_up()
        out["warm_up_s"] = round(time.perf_counter() - t, 2)
    for name, q in zip(("english_ms", "arabic_ms"), FIRST):
        t = time.perf_counter()
        service.ask(q)
        out[name] = round((time.perf_counter() - t) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--first", choices=("cold", "warm", "memory"), help=argparse.SUPPRESS)  # one fresh process
    args = ap.parse_args()
    if args.first:
        print(json.dumps(first_questions(args.first)))
        return 0

    t = time.perf_counter()
    cold = subprocess.run([sys.executable, "-m", "khabar", "ask", QUESTIONS[0], "--json"], capture_output=True,
                          text=True, env=dict(os.environ))
    cold_s = time.perf_counter() - t
    if cold.returncode != 0:
        sys.stderr.write(cold.stderr)
        return 1

    first = {}
    for kind in ("cold", "warm", "memory"):
        proc = subprocess.run([sys.executable, __file__, "--first", kind], capture_output=True, text=True,
                              env=dict(os.environ))
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            return 1
        first[kind] = json.loads(proc.stdout.strip().splitlines()[-1])

    from khabar.app import build_service
    from khabar.settings import get_settings

    service = build_service(get_settings())
    service.warm_up()  # as the bot and the REPL do at start
    service.ask(QUESTIONS[0])  # and one question: caches
    search_ms, ask_ms = [], []
    forget = service.embedder.clear_query_cache  # each timed call embeds its question, as a new one would
    for _ in range(args.repeat):
        for q in QUESTIONS:
            forget()
            t = time.perf_counter()
            service.search(q, k=10)
            search_ms.append((time.perf_counter() - t) * 1000)
            forget()
            t = time.perf_counter()
            service.ask(q)
            ask_ms.append((time.perf_counter() - t) * 1000)
    stats = service.stats()
    res = {
        "articles": stats["articles"], "chunks": stats["chunks"], "questions": len(QUESTIONS) * args.repeat,
        "search_p50_ms": pct(search_ms, 0.5), "search_p95_ms": pct(search_ms, 0.95),
        "ask_p50_ms": pct(ask_ms, 0.5), "ask_p95_ms": pct(ask_ms, 0.95),
        "search_mean_ms": round(statistics.mean(search_ms), 1), "ask_mean_ms": round(statistics.mean(ask_ms), 1),
        "cold_ask_s": round(cold_s, 2),
        "first_questions": {kind: first[kind] for kind in ("cold", "warm")},
        **first["memory"],
    }
    emit(res, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
