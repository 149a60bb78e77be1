"""Answer quality on SQuAD-format sets with distractors: is the top citation the gold paragraph, does a
cited quote contain the gold answer, how often do unanswerable questions abstain, and `ask` latency.

Unanswerable questions are the questions of held-out paragraphs (every `--holdout`-th paragraph and its
same-story copies are not indexed), so they are on-topic for the set but their answer is not in the corpus.

    python3 benchmarks/answers.py --contexts ../shared/data/xquad/xquad.ar.json \
        --questions ../shared/data/xquad/xquad.en.json --home /tmp/ans-xquad [--features out.jsonl] [--json]

With `--mix FILE` (a parallel file in another language) every other paragraph is indexed from it, as
`khabar eval squad --mix` does, and the answerable questions' rates are also split by the gold's file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import answer_features, emit, norm_text, pct  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DISTRACTORS = SHARED / "data" / "saudinewsnet" / "2015-07-23.zip"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--contexts", required=True)
    ap.add_argument("--questions")
    ap.add_argument("--mix", help="a parallel SQuAD file in another language: every other paragraph comes from it")
    ap.add_argument("--distractors", nargs="*", default=[str(DISTRACTORS)])
    ap.add_argument("--home", required=True, help="index folder (reused across runs)")
    ap.add_argument("--holdout", type=int, default=5, help="every N-th paragraph is left out (unanswerable)")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--features", help="write per-question abstention features as JSONL (for calibration)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from khabar.app import build_service, open_index
    from khabar.evaluate import load_squad_answers, near_duplicate_groups, select_questions
    from khabar.settings import get_settings

    articles, qs = select_questions(args.contexts, args.questions, args.mix)
    mixed_in = {a.article_id for i, a in enumerate(articles) if i % 2} if args.mix else set()
    answers_by_qid: dict[str, list[str]] = {}
    for path in {args.contexts, args.questions or args.contexts, args.mix or args.contexts}:
        for qid, texts in load_squad_answers(path).items():
            answers_by_qid.setdefault(qid, []).extend(texts)
    # A held-out paragraph takes its same-story copies with it (ARCD repeats paragraphs cut short or
    # extended), so its questions are really unanswerable; a copy of the gold counts as the gold.
    copies = near_duplicate_groups(articles)
    held = {a.article_id for i, a in enumerate(articles) if i % args.holdout == args.holdout - 1}
    held |= {c for a in list(held) for c in copies.get(a, ())}
    if args.limit:
        qs = qs[: args.limit]

    settings = get_settings(khabar_home=Path(args.home), chroma_host="")
    index = open_index(settings)
    service = build_service(settings, index=index)
    if args.distractors:
        service.indexer.ingest(args.distractors)
    service.indexer.ingest_articles([a for a in articles if a.article_id not in held])
    service.indexer.remove_articles(a for a in held if a in service.manifest.hashes())

    ok_top = ok_quote = answered = n_ans = 0
    by_file: dict[str, list[int]] = {}  # gold's file -> [answerable, answered, top citation gold]
    abst_unans = n_unans = 0
    lat: list[float] = []
    feats_out = open(args.features, "w", encoding="utf-8") if args.features else None
    for qid, q, gold in qs:
        t = time.perf_counter()
        ans = service.ask(q)
        lat.append((time.perf_counter() - t) * 1000)
        if feats_out is not None:
            feats_out.write(json.dumps({"qid": qid, "answerable": gold not in held, **answer_features(service, q)},
                                       ensure_ascii=False) + "\n")
        if gold in held:
            n_unans += 1
            abst_unans += ans.abstained
            continue
        n_ans += 1
        part = by_file.setdefault("mix" if gold in mixed_in else "contexts", [0, 0, 0])
        part[0] += 1
        if ans.abstained:
            continue
        answered += 1
        part[1] += 1
        if ans.citations and ans.citations[0].article_id in {gold, *copies.get(gold, ())}:
            ok_top += 1
            part[2] += 1
        golds = [norm_text(g) for g in answers_by_qid.get(qid, []) if g.strip()]
        if any(g and g in quote for quote in map(norm_text, (c.quote for c in ans.citations)) for g in golds):
            ok_quote += 1
    if feats_out is not None:
        feats_out.close()
    res = {
        "contexts": len(articles), "held_out": len(held), "questions": len(qs),
        "answerable": n_ans, "unanswerable": n_unans,
        "answered_rate": round(answered / max(n_ans, 1), 4),
        "top_citation_gold_rate": round(ok_top / max(n_ans, 1), 4),
        "gold_answer_in_quote_rate": round(ok_quote / max(n_ans, 1), 4),
        "abstention_rate_unanswerable": round(abst_unans / max(n_unans, 1), 4),
        "ask_p50_ms": pct(lat, 0.5), "ask_p95_ms": pct(lat, 0.95),
        "ask_mean_ms": round(statistics.mean(lat), 1) if lat else 0.0,
    }
    if args.mix:
        res["by_gold_file"] = {name: {"answerable": n, "answered_rate": round(a / max(n, 1), 4),
                                      "top_citation_gold_rate": round(t / max(n, 1), 4)}
                               for name, (n, a, t) in by_file.items()}
    emit(res, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
