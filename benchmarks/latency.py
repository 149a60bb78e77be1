"""Query latency in a warm process over an existing index, plus the cold start of `khabar ask`.

    KHABAR_HOME=/path/to/indexed/home python3 benchmarks/latency.py [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
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



def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    t = time.perf_counter()
    cold = subprocess.run([sys.executable, "-m", "khabar", "ask", QUESTIONS[0], "--json"], capture_output=True,
                          text=True, env=dict(os.environ))
    cold_s = time.perf_counter() - t
    if cold.returncode != 0:
        sys.stderr.write(cold.stderr)
        return 1

    from khabar.app import build_service
    from khabar.settings import get_settings

    service = build_service(get_settings())
    service.ask(QUESTIONS[0])  # warm-up: lazy model sessions, caches
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
    }
    emit(res, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
