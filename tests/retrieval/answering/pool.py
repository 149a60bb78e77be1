"""A small real-text article pool (seed, SaudiNewsNet, XQuAD) and a plain retriever that turns it into Hits."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.models import Article
from corpus.sentences import split_sentences
from retrieval.answering import AbstentionPolicy
from retrieval.answering.terms import content_terms
from retrieval.models import Hit, Passage

PASSAGE_CHARS = 700

# HashEmbedder cosines are not on e5's scale, so unit tests keep only the lexical gate of the policy.
FAKE_POLICY = AbstentionPolicy(min_confidence=0.0, min_overlap=0.6)


def seed_article(seed_path: Path) -> Article:
    text = seed_path.read_text(encoding="utf-8")
    return Article(
        article_id="seed-84ffc645", text=text, agency="شينخوا", city="بكين", date="2020-12-31", path=str(seed_path)
    )


def saudinewsnet_articles(shared: Path, day: str = "2015-07-21", limit: int = 150) -> list[Article]:
    """Non-empty SaudiNewsNet records of one day, read with the stdlib (corpus loaders are tested elsewhere)."""
    zpath = shared / "data" / "saudinewsnet" / f"{day}.zip"
    with zipfile.ZipFile(zpath) as z:
        records = json.loads(z.read(z.namelist()[0]).decode("utf-8"))
    out = []
    for i, r in enumerate(records):
        text = (r.get("content") or "").strip()
        if len(text) < 200:
            continue
        out.append(
            Article(
                article_id=f"snn-{day}-{i}", text=text, title=r.get("title", ""), source=r.get("source", ""),
                date=(r.get("date_extracted") or "")[:10], url=r.get("url", ""), author=r.get("author", ""),
                path=f"{zpath.name}!{day}.json#{i}",
            )
        )
        if len(out) >= limit:
            break
    return out


def xquad(shared: Path, lang: str) -> list[dict]:
    return json.loads((shared / "data" / "xquad" / f"xquad.{lang}.json").read_text(encoding="utf-8"))["data"]


def xquad_articles(shared: Path, lang: str, limit: int | None = None) -> tuple[list[Article], list[tuple[str, str, list[str]]]]:
    """XQuAD paragraphs as articles, and (question, gold article id, gold answers)."""
    articles, qas = [], []
    for d in xquad(shared, lang):
        for j, p in enumerate(d["paragraphs"]):
            aid = f"xquad-{lang}-{d['title']}-{j}"
            articles.append(Article(article_id=aid, text=p["context"], title=d["title"].replace("_", " "), source="xquad"))
            for qa in p["qas"]:
                qas.append((qa["question"], aid, [a["text"] for a in qa["answers"]]))
    if limit is not None:
        articles = articles[:limit]
        keep = {a.article_id for a in articles}
        qas = [q for q in qas if q[1] in keep]
    return articles, qas


def passages_of(article: Article, size: int = PASSAGE_CHARS) -> list[tuple[int, int]]:
    """Sentence-aligned spans of about `size` characters."""
    spans, cur = [], None
    for s, e in split_sentences(article.text):
        if cur is None:
            cur = [s, e]
        elif e - cur[0] > size:
            spans.append(tuple(cur))
            cur = [s, e]
        else:
            cur[1] = e
    if cur:
        spans.append(tuple(cur))
    return spans


@dataclass
class Pool:
    """Articles, their passages and passage vectors; `search` ranks articles by dense + lexical evidence."""

    articles: dict[str, Article]
    embedder: object

    def __post_init__(self) -> None:
        self.spans = [(aid, s, e) for aid, a in self.articles.items() for s, e in passages_of(a)]
        texts = [self.articles[aid].text[s:e] for aid, s, e in self.spans]
        self.vectors = np.asarray(self.embedder.embed_passages(texts), dtype=np.float32)
        self.terms = [set(content_terms(t)) for t in texts]

    def get(self, article_id: str) -> Article:
        return self.articles[article_id]

    def search(self, query: str, k: int = 5, also_in: dict[str, tuple[str, ...]] | None = None) -> list[Hit]:
        q = np.asarray(self.embedder.embed_queries([query]), dtype=np.float32)[0]
        qt = set(content_terms(query))
        dense = self.vectors @ q
        lex = np.array([len(qt & t) / max(1, len(qt)) for t in self.terms], dtype=np.float32)
        score = dense + 0.5 * lex
        best: dict[str, list[int]] = {}
        for i in np.argsort(-score):
            aid = self.spans[i][0]
            best.setdefault(aid, [])
            if len(best[aid]) < 2:
                best[aid].append(int(i))
            if len(best) > k and all(len(v) == 2 for v in best.values()):
                break
        hits = []
        for aid, idx in list(best.items())[:k]:
            a = self.articles[aid]
            ps = tuple(
                Passage(chunk_id=f"{aid}:{self.spans[i][1]}", text=a.text[self.spans[i][1] : self.spans[i][2]],
                        start=self.spans[i][1], end=self.spans[i][2], score=float(score[i]))
                for i in idx
            )
            hits.append(
                Hit(article_id=aid, title=a.title, source=a.source, agency=a.agency, city=a.city, date=a.date,
                    url=a.url, path=a.path, score=float(score[idx[0]]), passages=ps,
                    also_in=(also_in or {}).get(aid, ()), dense_score=float(dense[idx[0]]), lexical_score=float(lex[idx[0]]))
            )
        return hits


def make_pool(articles: Sequence[Article], embedder) -> Pool:
    return Pool({a.article_id: a for a in articles}, embedder)
