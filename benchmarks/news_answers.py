"""Answers to English and Arabic questions about real Arabic news: one SaudiNewsNet day, hand-written questions.

XQuAD and ARCD are Wikipedia paragraphs; this set is news. `benchmarks/data/saudinewsnet-questions.jsonl`
holds questions written for articles of 2015-07-23 (each asked in English and in Arabic; its article named by
URL, its answer by character offsets into that record's `content`, so no article text is in the repo), and
questions about news of 2015 that the day does not carry.
For each language: search Recall@1/@5 of the gold article (or a same-story copy) and whether the first hit
holds the answer's words (answer@1, whichever paper ran them), how often `ask` answers
the answerable ones, cites the gold first and quotes the answer, and how often it abstains on the rest.

    python3 benchmarks/news_answers.py --home /tmp/news-day [--features out.jsonl] [--json]

The day is ingested into `--home` on the first run (about two minutes) and reused after.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import answer_features, emit, norm_text, pct

REPO = Path(__file__).resolve().parents[1]
DAY = REPO.parent / "shared" / "data" / "saudinewsnet" / "2015-07-23.zip"
QUESTIONS = REPO / "benchmarks" / "data" / "saudinewsnet-questions.jsonl"
LANGUAGES = {"en": "question_en", "ar": "question_ar"}


def load_questions(path: Path) -> list[dict]:
    """The question records, each checked for the fields the benchmark reads."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for i, row in enumerate(rows, 1):
        missing = [k for k in ("kind", "question_en", "question_ar", "url", "answer_start", "answer_end")
                   if k not in row]
        if missing or row["kind"] not in ("answerable", "unanswerable"):
            raise SystemExit(f"{path}:{i}: bad record (missing {missing or 'a valid kind'})")
    return rows


def gold_sets(rows: list[dict], day: Path) -> dict[str, tuple[str, frozenset[str], str]]:
    """For each answerable question (by its English text): its article's id, the ids of that article's
    same-story copies that day (wire stories repeat), and its answer, cut from the record's `content`."""
    import zipfile

    from corpus.fingerprint import Story, article_simhash, same_story
    from corpus.ids import article_id_for_url
    from corpus.loaders import iter_articles
    from corpus.models import Article

    with zipfile.ZipFile(day) as z:
        content = {r["url"]: r["content"] for name in z.namelist() if name.endswith(".json")
                   for r in json.loads(z.read(name))}
    articles = [a for a in iter_articles([day]) if isinstance(a, Article)]
    stories = {a.article_id: Story(article_simhash(a.text), a.text) for a in articles}
    out = {}
    for row in rows:
        if row["kind"] != "answerable":
            continue
        gold = article_id_for_url(row["url"])
        if gold not in stories or row["url"] not in content:
            raise SystemExit(f"gold article {row['url']} is not in {day}")
        copies = frozenset(aid for aid, s in stories.items() if aid != gold and same_story(stories[gold], s))
        out[row["question_en"]] = (gold, copies, content[row["url"]][row["answer_start"]: row["answer_end"]])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=Path, default=QUESTIONS)
    ap.add_argument("--day", type=Path, default=DAY, help="the SaudiNewsNet day the questions were written for")
    ap.add_argument("--home", required=True, help="index folder (reused across runs)")
    ap.add_argument("--languages", nargs="+", choices=sorted(LANGUAGES), default=["en", "ar"])
    ap.add_argument("--features", help="write per-question abstention features as JSONL (for calibration)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))

    from khabar.app import build_service, open_index
    from khabar.evaluate import gold_rank, rank_metrics
    from khabar.settings import get_settings

    rows = load_questions(args.questions)
    golds = gold_sets(rows, args.day)
    settings = get_settings(khabar_home=Path(args.home), chroma_host="")
    service = build_service(settings, index=open_index(settings))
    service.indexer.ingest([str(args.day)])
    res: dict = {"questions": len(rows), "answerable": sum(r["kind"] == "answerable" for r in rows)}
    features = open(args.features, "w", encoding="utf-8") if args.features else contextlib.nullcontext()  # noqa: SIM115
    with features as feats_out:
        for lang in args.languages:
            ranks, lat = [], []
            answered = top = quoted = abstained = answer_first = 0
            for row in rows:
                q = row[LANGUAGES[lang]]
                t = time.perf_counter()
                ans = service.ask(q)
                lat.append((time.perf_counter() - t) * 1000)
                answerable = row["kind"] == "answerable"
                if feats_out is not None:
                    feats_out.write(json.dumps({"question": q, "answerable": answerable, **answer_features(service, q)},
                                               ensure_ascii=False) + "\n")
                if not answerable:
                    abstained += ans.abstained
                    continue
                gold, copies, answer = golds[row["question_en"]]
                want = norm_text(answer)
                found = service.search(q, k=10)
                ranks.append(gold_rank([h.article_id for h in found], gold, copies))
                # rule-free: the answer's words in the first hit, whichever paper ran them (stories repeat)
                answer_first += bool(found) and want in norm_text(service.manifest.article(found[0].article_id).text)
                if ans.abstained:
                    continue
                answered += 1
                top += bool(ans.citations) and ans.citations[0].article_id in {gold, *copies}
                quoted += any(want in norm_text(c.quote) for c in ans.citations)
            n_ans, n_unans = len(ranks), len(rows) - len(ranks)
            res[lang] = {
                **rank_metrics(ranks),
                "answer@1": round(answer_first / max(n_ans, 1), 4),
                "answered_rate": round(answered / max(n_ans, 1), 4),
                "top_citation_gold_rate": round(top / max(n_ans, 1), 4),
                "gold_answer_in_quote_rate": round(quoted / max(n_ans, 1), 4),
                "abstention_rate_unanswerable": round(abstained / max(n_unans, 1), 4),
                "ask_p50_ms": pct(lat, 0.5), "ask_p95_ms": pct(lat, 0.95),
            }
    emit(res, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
