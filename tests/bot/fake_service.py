"""A deterministic AnswerService stand-in: answers by word overlap with sentences of the given articles."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence

from corpus.models import Article
from retrieval.errors import ArticleNotFoundError, BadQuestionError
from retrieval.service import clean_question
from retrieval.models import Answer, Citation, Filters, Hit, Passage, Turn

_SENTENCE = re.compile(r"[^.!?؟]+[.!?؟]?")
_WORD = re.compile(r"\w{3,}")
_ARABIC = re.compile(r"[\u0600-\u06FF]")


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


class FakeAnswerService:
    """Citations are real spans of the articles (`quote == article.text[start:end]`); `delay` sleeps in ask()."""

    def __init__(self, articles: Sequence[Article], *, delay: float = 0.0):
        self.articles = {a.article_id: a for a in articles}
        self.delay = delay
        self.calls: list[dict] = []
        self.warmed_up = False
        self._lock = threading.Lock()
        self.sentences = [
            (a, m.start(), m.end())
            for a in articles
            for m in _SENTENCE.finditer(a.text)
            if m.group().strip()
        ]
        # trim whitespace so every span starts and ends on text
        self.sentences = [
            (a, s + (len(a.text[s:e]) - len(a.text[s:e].lstrip())), e - (len(a.text[s:e]) - len(a.text[s:e].rstrip())))
            for a, s, e in self.sentences
        ]

    def _allowed(self, a: Article, filters: Filters | None) -> bool:
        if filters is None:
            return True
        return (
            (not filters.source or a.source == filters.source)
            and (not filters.since or a.date >= filters.since)
            and (not filters.until or a.date <= filters.until)
        )

    def _citation(self, n: int, a: Article, start: int, end: int, score: float) -> Citation:
        return Citation(
            n=n, article_id=a.article_id, title=a.title, source=a.source, agency=a.agency, city=a.city,
            date=a.date, url=a.url, path=a.path, quote=a.text[start:end], start=start, end=end, score=score,
        )

    def warm_up(self) -> None:
        self.warmed_up = True

    def ask(self, question: str, *, k: int = 5, filters: Filters | None = None, history: Sequence[Turn] = ()) -> Answer:
        with self._lock:
            self.calls.append({"method": "ask", "question": question, "filters": filters, "history": tuple(history)})
        if self.delay:
            time.sleep(self.delay)
        if not _words(question):
            clean_question(question, max_chars=1000)  # the real refusal, with its Arabic
            raise BadQuestionError("the question has no searchable words", ar="لا يحتوي السؤال على كلمات يمكن البحث عنها.")
        language = "ar" if len(_ARABIC.findall(question)) >= len(re.findall(r"[A-Za-z]", question)) else "en"
        q = _words(question) | {w for t in history for w in _words(t.question)}
        scored = sorted(
            ((len(q & _words(a.text[s:e])), i, a, s, e) for i, (a, s, e) in enumerate(self.sentences) if self._allowed(a, filters)),
            key=lambda x: (-x[0], x[1]),
        )
        top = [x for x in scored if x[0] > 0][:k]
        if not top:
            related = tuple(self._citation(i, a, s, e, 0.0) for i, (_, _, a, s, e) in enumerate(scored[:3], 1))
            return Answer(question=question, language=language, text="", abstained=True, related=related)
        cited = top[:2]
        citations = tuple(self._citation(i, a, s, e, float(sc)) for i, (sc, _, a, s, e) in enumerate(cited, 1))
        related = tuple(self._citation(i, a, s, e, float(sc)) for i, (sc, _, a, s, e) in enumerate(top[2:], 3))
        text = " ".join(f"{c.quote} [{c.n}]" for c in citations)
        return Answer(question=question, language=language, text=text, abstained=False, citations=citations, related=related)

    def search(self, query: str, *, k: int = 10, filters: Filters | None = None, mode: str = "hybrid") -> list[Hit]:
        self.calls.append({"method": "search", "query": query, "filters": filters})
        answer = self.ask(query, k=k, filters=filters)
        hits = []
        for c in answer.citations + answer.related:
            a = self.articles[c.article_id]
            hits.append(Hit(
                article_id=a.article_id, title=a.title, source=a.source, agency=a.agency, city=a.city, date=a.date,
                url=a.url, path=a.path, score=c.score,
                passages=(Passage(chunk_id=f"{a.article_id}:{c.start}", text=c.quote, start=c.start, end=c.end, score=c.score),),
            ))
        return hits

    def article(self, article_id: str) -> Article:
        try:
            return self.articles[article_id]
        except KeyError:
            raise ArticleNotFoundError(article_id) from None

    def sources(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.articles.values():
            out[a.source] = out.get(a.source, 0) + 1
        return out

    def stats(self) -> dict:
        dates = sorted(a.date for a in self.articles.values() if a.date)
        return {
            "articles": len(self.articles), "chunks": len(self.sentences), "sources": self.sources(),
            "date_min": dates[0] if dates else "", "date_max": dates[-1] if dates else "",
            "embedding_model": "fake",
        }

    def reindex(self, paths=None, progress=None) -> dict:
        self.calls.append({"method": "reindex", "paths": paths})
        for i, _ in enumerate(self.articles.values(), 1):
            if progress:
                progress({"articles_seen": i, "added": 0, "updated": 0, "failed": 0})
        return {
            "articles_seen": len(self.articles), "added": 0, "updated": 0, "unchanged": len(self.articles),
            "removed": 0, "failed": 0, "chunks_added": 0, "errors": [], "seconds": 0.01,
        }
