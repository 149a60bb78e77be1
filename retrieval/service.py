"""AnswerService: the one object the CLI, the REPL and the Discord bot call."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace

from corpus.agencies import agency_key
from corpus.normalize import name_key
from corpus.outlets import source_key
from corpus.places import city_names
from corpus.models import Article
from retrieval.errors import BadQuestionError
from retrieval.models import SMALL_TALK, Answer, Filters, Hit, Turn

log = logging.getLogger(__name__)

_SEARCHABLE = re.compile(r"[\w]", re.UNICODE)
LATEST_WINDOW_DAYS = (7, 31, 365)  # "the latest on X": the index's last week, month, year, then all of it
LATEST_SCORE_GAP = 1.0  # "about X": within this much of a window's best fused score (z-score fusion: 1 sd)...
LATEST_DENSE_GAP = 0.03  # ...and of the best cosine among the whole index's top hits (e5-small: unrelated news
# sits ~0.05 lower)


def clean_question(text: str, *, max_chars: int) -> str:
    """Drop control, zero-width and bidi-override characters; refuse empty or oversized questions."""
    if text is None:
        raise BadQuestionError("the question is empty", ar="السؤال فارغ.")
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    kept = " ".join(kept.split())
    if not kept:
        raise BadQuestionError("the question is empty", ar="السؤال فارغ.")
    if len(kept) > max_chars:
        raise BadQuestionError(f"the question is too long ({len(kept)} characters; the limit is {max_chars})",
                               ar=f"السؤال طويل جداً ({len(kept)} حرفاً؛ الحد الأقصى {max_chars}).")
    if not _SEARCHABLE.search(kept):
        raise BadQuestionError("the question has no words to search for",
                               ar="لا يحتوي السؤال على كلمات يمكن البحث عنها.")
    return kept


def merge_filters(explicit: Filters | None, since: str | None, until: str | None) -> Filters:
    """Explicit filters win; a date window found in the question fills in what they leave open, and lets
    undated articles through (nothing says they are not from then)."""
    f = explicit or Filters()
    if since and not f.since and not f.until:
        f = replace(f, since=since, until=until, undated=True)
    return f


class AnswerService:
    """Search and answer over one index; thread-safe for concurrent readers."""

    def __init__(self, *, searcher, indexer, manifest, embedder, llm=None, corpus_paths: Sequence[str] = (),
                 max_question_chars: int = 1000):
        self.searcher = searcher
        self.indexer = indexer
        self.manifest = manifest
        self.embedder = embedder
        self.llm = llm
        self.corpus_paths = list(corpus_paths)
        self.max_question_chars = max_question_chars

    # -- questions -------------------------------------------------------------------------
    def _query_and_filters(self, text: str, filters: Filters | None) -> tuple[str, Filters]:
        from corpus.dates import parse_date_window

        filters = self._resolve_names(filters) or Filters()
        window = parse_date_window(text)
        if window is None:
            return text, filters
        merged = merge_filters(filters, window.since, window.until)
        if merged == filters or not self.manifest.has_articles(replace(merged, undated=False)):
            # explicit dates won, or no article is from then: the year is part of what is asked ("what happened
            # in 1066?" over undated or later articles), not a window to search in
            return text, filters
        stripped = (text[: window.start] + " " + text[window.end:]).strip()
        query = stripped if _SEARCHABLE.search(stripped) else text
        return query, merged

    def _resolve_names(self, filters: Filters | None) -> Filters | None:
        """Source, agency and city as stored: `--source OKAZ` or `--source عكاظ` finds "okaz", `--city عمان` finds
        "عمّان", `--city Cairo` finds "القاهرة", `--agency Reuters` finds "رويترز" too (every stored spelling that
        matches, so filters may become tuples). A name no article carries is a BadQuestionError naming some that
        do, not an empty answer."""
        if filters is None:
            return None
        changes = {}
        for field, key in (("source", source_key), ("agency", agency_key), ("city", name_key)):
            value = getattr(filters, field)
            if not value or not isinstance(value, str):
                continue
            wanted = city_names(value) if field == "city" else {key(value)}  # a city by its name in either language
            same = sorted(v for v in self.manifest.field_values(field) if key(v) in wanted)
            if not same:
                known = ", ".join(self.manifest.top_values(field, 8)) or "none"
                where = {"source": "من المصدر", "agency": "من الوكالة", "city": "من المدينة"}[field]
                raise BadQuestionError(f"no article has {field} {value.strip()!r} (the most common: {known})",
                                       ar=f"لا توجد مقالات {where} «{value.strip()}» (الأكثر شيوعًا: {known})")
            changes[field] = same[0] if len(same) == 1 else tuple(same)
        return replace(filters, **changes) if changes else filters

    def search(self, query: str, *, k: int = 10, filters: Filters | None = None, mode: str = "hybrid") -> list[Hit]:
        q = clean_question(query, max_chars=self.max_question_chars)
        q, f = self._query_and_filters(q, filters)
        return self.searcher.search(q, k=max(1, min(k, 50)), filters=f, mode=mode)

    def warm_up(self) -> None:
        """Load the model graphs and indexes now: the first question otherwise waits up to 3 s for them at 30k
        articles (README). Front ends that wait for questions run this in the background."""
        t = time.perf_counter()
        try:
            self.searcher.warm_up()
            self.embedder.embed_passages(["warm-up"])  # the graph that scores answer sentences
        except Exception:  # noqa: BLE001 - the first question then loads what it needs, as without a warm-up
            log.warning("warming up failed; the first question will load what it needs", exc_info=True)
            return
        log.info("models and indexes loaded in %.1f s", time.perf_counter() - t)

    def ask(self, question: str, *, k: int = 5, filters: Filters | None = None,
            history: Sequence[Turn] = ()) -> Answer:
        from retrieval.answering import compose_extractive, detect_language, resolve_followup, verify_citations
        from retrieval.answering.followup import previous_topic
        from retrieval.answering.phrasing import latest_note, phrase
        from retrieval.answering.recency import latest_intent
        from retrieval.answering.smalltalk import small_talk

        t0 = time.perf_counter()
        q = clean_question(question, max_chars=self.max_question_chars)
        language = detect_language(q)
        kind = small_talk(q)
        if kind:  # a greeting or thanks: say what Khabar does instead of quoting the nearest passage
            return Answer(question=q, language=language, text=phrase(language, kind), abstained=False,
                          mode=SMALL_TALK, timings_ms={"total_ms": round((time.perf_counter() - t0) * 1000, 2)})
        get_article = self.manifest.article
        searching = [0.0]

        def search(query: str, k: int, f: Filters) -> list[Hit]:
            t = time.perf_counter()
            found = self.searcher.search(query, k=k, filters=f)
            searching[0] += time.perf_counter() - t
            return found

        latest = latest_intent(q)
        llm_question, newest_first = q, False
        if latest is not None:
            topic = latest.topic or previous_topic(history)
            hits, answer, f, newest_first = self._latest(q, topic, language, filters, search, pool=max(1, min(k, 20)))
            llm_question = q if latest.topic else f"{q} ({topic})"
        else:
            retrieval_query = resolve_followup(q, history) if history else q
            query, f = self._query_and_filters(retrieval_query, filters)
            hits = search(query, max(1, min(k, 20)), f)
            answer = compose_extractive(q, hits, get_article, self.embedder, language=language,
                                        query=retrieval_query if retrieval_query != q else None)
        if self.llm is not None and not answer.abstained:
            answer = self.llm.answer(llm_question, hits, get_article, language, fallback=answer)
        answer = verify_citations(answer, get_article)
        t_end = time.perf_counter()
        timings = dict(answer.timings_ms)
        timings.update({k2: round(v, 2) for k2, v in self.searcher.last_timings.items()})
        timings["search_ms"] = round(searching[0] * 1000, 2)
        timings["total_ms"] = round((t_end - t0) * 1000, 2)
        warnings = answer.warnings
        if latest is not None and newest_first and (note := latest_note(language, answer.citations)):
            warnings = (*warnings, note)
        if f.undated:  # the window came from the question: say so, since it narrowed the search
            warnings = (*warnings, phrase(language, "window").format(since=f.since, until=f.until))
        return replace(answer, timings_ms=timings, warnings=warnings)

    def _latest(self, q: str, topic: str, language: str, filters: Filters | None,
                search: Callable[[str, int, Filters], list[Hit]], *,
                pool: int) -> tuple[list[Hit], Answer, Filters, bool]:
        """Quote the newest articles about `topic`: those about as close to it as the best match in the whole
        index, looked for in the index's last week, then its last month and year, then everywhere. The flag says
        whether the answer is that newest-first digest (else it is the topic's best passages, or an abstention)."""
        from retrieval.answering import compose_extractive
        from retrieval.answering.abstention import NEVER_ABSTAIN, TOPIC_POLICY

        if not _SEARCHABLE.search(topic or ""):
            raise BadQuestionError("say what the latest news should be about, for example “latest news about Yemen”",
                                   ar="قل عمّ تريد آخر الأخبار، مثلًا: «ما آخر أخبار اليمن؟»")
        query, f = self._query_and_filters(topic, filters)
        best = search(query, pool, f)
        answer = compose_extractive(q, best, self.manifest.article, self.embedder, language=language, query=query,
                                    policy=TOPIC_POLICY)
        if answer.abstained:  # nothing in the index is about the topic at all
            return best, answer, f, False
        ref = max((h.dense_score for h in best if h.dense_score is not None), default=None)

        def about(hits: list[Hit]) -> list[Hit]:
            return [h for h in hits if h.score >= hits[0].score - LATEST_SCORE_GAP
                    and (h.dense_score or 0.0) >= ref - LATEST_DENSE_GAP]

        hits = best if ref is None else (about(best) or best)  # no cosines to compare: the most relevant ones
        newest = "" if (f.since or f.until or ref is None) else self.manifest.newest_date(f)
        if newest:  # explicit dates bound the search instead of the windows
            end = dt.date.fromisoformat(newest)
            for days in LATEST_WINDOW_DAYS:
                since = (end - dt.timedelta(days=days - 1)).isoformat()
                recent = about(search(query, pool, replace(f, since=since, until=newest)))
                if recent:
                    hits = recent
                    break
        hits = sorted(hits, key=lambda h: (h.date, h.score), reverse=True)  # newest first, undated last
        digest = compose_extractive(q, hits, self.manifest.article, self.embedder, language=language, query=query,
                                    per_article=True, policy=NEVER_ABSTAIN)
        if digest.abstained:  # nothing quotable in them (a caption-only article): the topic's best answer then
            return best, answer, f, False
        return hits, digest, f, True

    # -- corpus ----------------------------------------------------------------------------
    def article(self, article_id: str) -> Article:
        return self.manifest.article(article_id.strip())

    def sources(self) -> dict[str, int]:
        return self.manifest.counts()["sources"]

    def stats(self) -> dict:
        out = self.manifest.counts()
        out["embedding_model"] = self.embedder.name
        return out

    def reindex(self, paths: Sequence[str] | None = None, progress: Callable[[dict], None] | None = None,
                *, prune: bool = False) -> dict:
        targets = list(paths or self.corpus_paths)
        if not targets:
            raise BadQuestionError("no corpus path is configured (set KHABAR_CORPUS_PATH)",
                                   ar="لم يُضبط مسار المقالات (KHABAR_CORPUS_PATH).")
        return self.indexer.ingest(targets, prune=prune, progress=progress).to_dict()
