"""`khabar eval squad`: retrieval quality and latency on SQuAD-format sets, with distractors."""

from __future__ import annotations

import json
import logging
import re
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from corpus.ids import content_hash
from corpus.models import Article
from khabar.settings import Settings

log = logging.getLogger(__name__)

ALL_MODES = ("dense", "lexical", "rrf", "hybrid")


def load_squad(path: str | Path) -> tuple[list[Article], list[tuple[str, str, str]]]:
    """Paragraphs as articles, and (question_id, question, gold_article_id) triples."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    articles, questions = [], []
    for di, doc in enumerate(data["data"]):
        for pi, para in enumerate(doc["paragraphs"]):
            aid = f"squad-{di}-{pi}"
            text = para["context"].strip()
            art = Article(article_id=aid, text=text, title=str(doc.get("title", "")).replace("_", " "),
                          source="squad", path=f"{path}#{di}/{pi}")
            articles.append(Article(**{**_fields(art), "content_hash": content_hash(art)}))
            for qa in para["qas"]:
                questions.append((str(qa["id"]), qa["question"].strip(), aid))
    return articles, questions


def load_squad_answers(path: str | Path) -> dict[str, list[str]]:
    """Gold answer texts by question id (what `answer@1` looks for in the top hit)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {str(qa["id"]): [a["text"] for a in qa.get("answers", []) if a.get("text", "").strip()]
            for doc in data["data"] for para in doc["paragraphs"] for qa in para["qas"]}


def answer_in(text: str, answers: Sequence[str]) -> bool:
    """True when one of the gold answers occurs in `text` (both Arabic-normalised).

    A number or an answer of three letters or fewer must stand as a word (with at most a proclitic such as
    و/ب/ال before it): "5" is not found in "2015".
    """
    from corpus.normalize import normalize_arabic

    t = normalize_arabic(text)
    for ans in answers:
        a = normalize_arabic(ans).strip()
        if not a:
            continue
        if a.isdigit() or len(a) <= 3:
            if re.search(rf"(?<!\w)(?:[وفبلك]?(?:ال)?){re.escape(a)}(?!\w)", t):
                return True
        elif a in t:
            return True
    return False


def _fields(a: Article) -> dict:
    return {f: getattr(a, f) for f in a.__slots__}


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def rank_metrics(ranks: Sequence[int]) -> dict[str, float]:
    """Recall@1, Recall@5 and MRR@10 from 1-based gold ranks (0 = gold not retrieved)."""
    n = max(len(ranks), 1)
    return {
        "recall@1": round(sum(1 for r in ranks if r == 1) / n, 4),
        "recall@5": round(sum(1 for r in ranks if 1 <= r <= 5) / n, 4),
        "mrr@10": round(sum(1.0 / r for r in ranks if 1 <= r <= 10) / n, 4),
    }


def gold_rank(article_ids: Sequence[str], gold: str, equivalent: frozenset[str] = frozenset()) -> int:
    """1-based rank of the gold article (or of a near-duplicate of it), 0 when absent."""
    for i, aid in enumerate(article_ids):
        if aid == gold or aid in equivalent:
            return i + 1
    return 0


def near_duplicate_groups(articles: Sequence[Article]) -> dict[str, frozenset[str]]:
    """Paragraphs that are one story by `corpus.fingerprint.same_story` with its default thresholds (those
    `Searcher` merges by), pair by pair: ARCD repeats some paragraphs almost verbatim or cut short, and
    returning either copy finds the answer."""
    from corpus.fingerprint import Story, article_simhash, same_story

    stories = [Story(article_simhash(a.text), a.text) for a in articles]
    out: dict[str, set[str]] = {}
    for i in range(len(articles)):
        for j in range(i):
            if same_story(stories[i], stories[j]):
                out.setdefault(articles[i].article_id, set()).add(articles[j].article_id)
                out.setdefault(articles[j].article_id, set()).add(articles[i].article_id)
    return {k: frozenset(v) for k, v in out.items()}


def mix_articles(articles: Sequence[Article], parallel: Sequence[Article]) -> list[Article]:
    """Every other paragraph taken from a parallel file (same ids, another language): a mixed-language corpus.

    Each paragraph is indexed once, in one language, so a question's gold is in its own language for half
    the questions and in the other language for the rest.
    """
    by_id = {a.article_id: a for a in parallel}
    missing = [a.article_id for a in articles if a.article_id not in by_id]
    if missing:
        raise ValueError(f"the mixed-in file lacks {len(missing)} of the contexts' paragraphs (e.g. {missing[0]})")
    return [by_id[a.article_id] if i % 2 else a for i, a in enumerate(articles)]


def select_questions(contexts: str, questions: str | None,
                     mix: str | None = None) -> tuple[list[Article], list[tuple[str, str, str]]]:
    """Context articles and the questions to ask; a parallel questions file is matched to gold by question id."""
    ctx_articles, ctx_questions = load_squad(contexts)
    if mix:
        ctx_articles = mix_articles(ctx_articles, load_squad(mix)[0])
    if not questions or Path(questions).resolve() == Path(contexts).resolve():
        return ctx_articles, ctx_questions
    gold_by_qid = {qid: gold for qid, _, gold in ctx_questions}
    _, q_list = load_squad(questions)
    return ctx_articles, [(qid, q, gold_by_qid[qid]) for qid, q, _ in q_list if qid in gold_by_qid]


def run_squad_eval(settings: Settings, *, contexts: str, questions: str | None = None, distractors=(),
                   modes: str | Sequence[str] = "all", limit: int = 0, k: int = 10, home: Path | None = None,
                   embedder=None, latency_sample: int = 100, mix: str | None = None) -> dict:
    """Index contexts + distractors into a throwaway home (or a reusable `home`) and score each mode.

    Recall is computed on every question with its query vector computed once in a batch; latency is
    measured on up to `latency_sample` questions end to end (query embedding included), after a warm-up.
    With `mix` (a parallel SQuAD file in another language), every other paragraph comes from it and each
    mode's scores are also split by the gold paragraph's file.
    """
    from khabar.app import build_service, load_embedder_from, open_index

    ctx_articles, qs = select_questions(contexts, questions, mix)
    if limit:
        qs = qs[:limit]
    mode_list = list(ALL_MODES) if modes == "all" else ([modes] if isinstance(modes, str) else list(modes))

    tmp = None
    if home is None:
        tmp = tempfile.TemporaryDirectory(prefix="khabar-eval-")
        home = Path(tmp.name)
    try:
        s = settings.model_copy(update={"khabar_home": Path(home), "chroma_host": ""})
        embedder = embedder or load_embedder_from(s)
        index = open_index(s, embedder=embedder)
        service = build_service(s, index=index)
        t = time.perf_counter()
        rep_d = service.indexer.ingest([str(p) for p in distractors]) if distractors else None
        service.indexer.ingest_articles(ctx_articles)
        ingest_s = time.perf_counter() - t
        n_distractors = service.stats()["articles"] - len(ctx_articles)
        result = {"contexts": len(ctx_articles), "questions": len(qs), "distractor_articles": n_distractors,
                  "ingest_seconds": round(ingest_s, 1), "modes": {}}
        if rep_d is not None:
            result["distractor_errors"] = rep_d.failed
        searcher = service.searcher
        dups = near_duplicate_groups(ctx_articles)
        result["near_duplicate_gold_questions"] = sum(1 for _, _, g in qs if g in dups)
        answers = load_squad_answers(contexts)
        mixed_in = {a.article_id for i, a in enumerate(ctx_articles) if i % 2} if mix else set()
        if mix:
            result["mixed_contexts"] = len(mixed_in)
            for qid, texts in load_squad_answers(mix).items():
                answers[qid] = [*answers.get(qid, ()), *texts]
        text_of = {a.article_id: a.text for a in ctx_articles}
        qvecs = embedder.embed_queries([q for _, q, _ in qs]) if qs else []
        for mode in mode_list:
            ranks, strict, answered = [], 0, 0
            for i, (qid, q, gold) in enumerate(qs):
                hits = searcher.search(q, k=k, mode=mode, query_vector=None if mode == "lexical" else qvecs[i])
                ids = [h.article_id for h in hits]
                ranks.append(gold_rank(ids, gold, dups.get(gold, frozenset())))
                strict += bool(ids) and ids[0] == gold
                answered += bool(ids) and answer_in(text_of.get(ids[0], ""), answers.get(qid, ()))
            lat = _latencies(searcher, [q for _, q, _ in qs[:latency_sample]], k=k, mode=mode)
            n = max(len(qs), 1)
            result["modes"][mode] = {
                **rank_metrics(ranks),
                # the gold paragraph itself first (no credit for a copy of it), and a rule-free check:
                # the gold answer's text in the top hit (a context paragraph; distractors never count)
                "recall@1_strict": round(strict / n, 4),
                "answer@1": round(answered / n, 4),
                "p50_ms": round(statistics.median(lat), 2) if lat else 0.0,
                "p95_ms": round(percentile(lat, 0.95), 2),
            }
            if mix:
                in_mix = [gold in mixed_in for _, _, gold in qs]
                result["modes"][mode]["by_gold_file"] = {
                    name: {"questions": sum(1 for m in in_mix if m == want),
                           **rank_metrics([r for r, m in zip(ranks, in_mix) if m == want])}
                    for name, want in (("contexts", False), ("mix", True))}
        return result
    finally:
        if tmp is not None:
            tmp.cleanup()


def _latencies(searcher, queries: list[str], *, k: int, mode: str) -> list[float]:
    """End-to-end search time per query in ms, query embedding included, after a short warm-up."""
    for q in queries[:3]:
        searcher.search(q, k=k, mode=mode)
    forget = getattr(searcher.embedder, "clear_query_cache", None)
    out = []
    for q in queries:
        if forget is not None:
            forget()  # every timed query pays for its embedding, as a new question would
        t = time.perf_counter()
        searcher.search(q, k=k, mode=mode)
        out.append((time.perf_counter() - t) * 1000)
    return out
