"""Extractive answers: the 1-3 sentences of the top passages that best answer the question, quoted and cited."""

from __future__ import annotations

import logging
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from corpus.models import Article
from corpus.sentences import split_sentences
from retrieval.errors import KhabarError
from retrieval.models import Answer, Citation, Hit

from .abstention import AbstentionPolicy, AnswerFeatures
from .citations import MARKER, make_citation, verify_citations
from .language import detect_language
from .phrasing import abstention_text, phrase, quoted, source_label
from .terms import content_terms, jaccard, overlap

log = logging.getLogger(__name__)

MAX_HITS = 3  # distinct articles whose passages are read
MAX_CANDIDATES = 16  # sentences embedded per question: ~7 ms each with e5-small int8 on 2 cores, so this bounds latency
# Sentences vary from 10 to 200+ tokens; batches of 8 (sorted by length) pad far less than one batch of 16:
# compose p50 105 ms instead of 150 ms on the full SaudiNewsNet index (benchmarks/latency.py).
SENTENCE_BATCH = 8
MAX_QUOTE_CHARS = 400  # longer sentences are cut to the window that best matches the question
MIN_SENTENCE_CHARS = 12
NEAR_DUPLICATE = 0.8  # term-set Jaccard above which two sentences say the same thing
LEXICAL_WEIGHT = 0.25  # added to the cosine per unit of question-term coverage
TOP_ARTICLE_BONUS = 0.02  # tie-breaker towards the best-ranked article
EXTRA_SENTENCE_GAP = 0.03  # a second/third sentence must score within this of the best one...
EXTRA_COVERAGE_GAP = 0.09  # ...or within this if it covers question terms the others miss


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence span of a hit's article, with its scores against the question."""

    rank: int  # rank of its hit after wire-duplicate removal
    hit: Hit
    article: Article
    start: int
    end: int
    terms: frozenset[str]
    dense: float = 0.0
    lexical: float = 0.0
    score: float = 0.0

    @property
    def text(self) -> str:
        return self.article.text[self.start : self.end]


def distinct_hits(hits: Sequence[Hit]) -> list[Hit]:
    """Hits in order, skipping any that is a wire duplicate (`also_in`) of an earlier one."""
    kept: list[Hit] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.article_id in seen or any(k.article_id in hit.also_in for k in kept):
            continue
        kept.append(hit)
        seen.add(hit.article_id)
        seen.update(hit.also_in)
    return kept


def top_language_hits(hits: Sequence[Hit]) -> list[Hit]:
    """The hits in the language of the best one when the search mixed two languages: quote the one it ranked first.

    In a corpus of Arabic and English articles, sentence scores (cosine plus the question's own words) favour
    the question's language, so a quote from a lower hit in that language used to beat the top hit in the other.
    A one-language search labels no hit, and a hit without letters keeps its place.
    """
    if not hits or not hits[0].script:
        return list(hits)
    return [h for h in hits if h.script in (hits[0].script, "")]


def _trim(text: str, start: int, end: int, q_terms: frozenset[str], limit: int) -> tuple[int, int]:
    """Cut an over-long sentence to the word-aligned window of at most `limit` chars covering most question terms."""
    if end - start <= limit:
        return start, end
    words = [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]
    if not words:
        return start, start + limit
    hits = [bool(q_terms.intersection(content_terms(text[s:e]))) for s, e in words]
    best, best_span = -1, (words[0][0], words[0][0] + limit)
    j = covered = 0  # window is words[i:j], covered = question-term words inside it
    for i in range(len(words)):
        if j < i:
            j, covered = i, 0
        while j < len(words) and words[j][1] - words[i][0] <= limit:
            covered += hits[j]
            j += 1
        if j > i and covered > best:
            best, best_span = covered, (words[i][0], words[j - 1][1])
        if j > i:
            covered -= hits[i]
    return best_span


def collect_candidates(
    hits: Sequence[Hit],
    get_article: Callable[[str], Article],
    q_terms: frozenset[str],
    *,
    max_hits: int = MAX_HITS,
    max_candidates: int = MAX_CANDIDATES,
    warnings: list[str] | None = None,
) -> list[Candidate]:
    """Sentence spans of the top distinct hits' passages, near-duplicates removed, best-ranked article first."""
    out: list[Candidate] = []
    seen_spans: set[tuple[str, int, int]] = set()
    for rank, hit in enumerate(distinct_hits(hits)[:max_hits]):
        try:
            article = get_article(hit.article_id)
        except (KhabarError, KeyError) as exc:
            log.warning("article %s of a hit is missing: %s", hit.article_id, exc)
            if warnings is not None:
                warnings.append(f"article {hit.article_id} is no longer indexed")
            continue
        n = len(article.text)
        for passage in hit.passages:
            lo, hi = max(0, passage.start), min(n, passage.end)
            if lo >= hi:
                continue
            for s, e in split_sentences(article.text, lo, hi):
                s, e = _trim(article.text, s, e, q_terms, MAX_QUOTE_CHARS)
                key = (article.article_id, s, e)
                text = article.text[s:e]
                if key in seen_spans or len(text.strip()) < MIN_SENTENCE_CHARS or MARKER.search(text):
                    continue
                seen_spans.add(key)
                terms = frozenset(content_terms(text))
                if not terms or any(jaccard(terms, c.terms) >= NEAR_DUPLICATE for c in out):
                    continue
                out.append(Candidate(rank=rank, hit=hit, article=article, start=s, end=e, terms=terms))
    if len(out) > max_candidates:  # keep the lexically closest, then the best-ranked; dense scoring is the cost
        keep = sorted(range(len(out)), key=lambda i: (-overlap(q_terms, out[i].terms), out[i].rank, i))[:max_candidates]
        out = [out[i] for i in sorted(keep)]
    return out


def _unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.where(norms == 0, 1.0, norms)


def score_candidates(
    question: str, candidates: Sequence[Candidate], q_terms: frozenset[str], embedder, *, lexical_weight: float
) -> list[Candidate]:
    """Each candidate with dense cosine, lexical coverage and combined score (one embedding call each side)."""
    if not candidates:
        return []
    q = _unit(embedder.embed_queries([question]))[0]
    s = _unit(embedder.embed_passages([c.text for c in candidates], batch_size=SENTENCE_BATCH))
    cos = s @ q
    out = []
    for c, d in zip(candidates, cos, strict=True):
        lex = overlap(q_terms, c.terms)
        score = float(d) + lexical_weight * lex + (TOP_ARTICLE_BONUS if c.rank == 0 else 0.0)
        out.append(replace(c, dense=float(d), lexical=lex, score=score))
    return out


def choose(scored: Sequence[Candidate], q_terms: frozenset[str], max_sentences: int) -> list[Candidate]:
    """The best sentence plus up to `max_sentences - 1` close runners-up that are not near-duplicates of it."""
    ranked = sorted(scored, key=lambda c: (-c.score, c.rank, c.start))
    if not ranked:
        return []
    chosen = [ranked[0]]
    covered = set(q_terms & ranked[0].terms)
    for c in ranked[1:]:
        if len(chosen) >= max_sentences:
            break
        gain = (q_terms & c.terms) - covered
        close = c.score >= ranked[0].score - EXTRA_SENTENCE_GAP
        useful = bool(gain) and c.score >= ranked[0].score - EXTRA_COVERAGE_GAP
        if (close or useful) and all(jaccard(c.terms, o.terms) < NEAR_DUPLICATE for o in chosen):
            chosen.append(c)
            covered |= q_terms & c.terms
    return chosen


def choose_per_article(scored: Sequence[Candidate], max_sentences: int) -> list[Candidate]:
    """The best sentence of each article in rank order: a digest of several articles ("the latest on X")."""
    best: dict[int, Candidate] = {}
    for c in scored:
        if c.rank not in best or c.score > best[c.rank].score:
            best[c.rank] = c
    return [best[r] for r in sorted(best)][:max_sentences]


def _merge_adjacent(chosen: Sequence[Candidate]) -> list[tuple[Candidate, int, int, float]]:
    """Display order (article rank, then the best quote first); sentences separated only by whitespace become one
    quote."""
    ordered = sorted(chosen, key=lambda c: (c.rank, c.start))
    spans: list[tuple[Candidate, int, int, float]] = []
    for c in ordered:
        if spans:
            prev, s, e, sc = spans[-1]
            if prev.article.article_id == c.article.article_id and 0 <= c.start - e and not c.article.text[e : c.start].strip():
                spans[-1] = (prev, s, c.end, max(sc, c.score))
                continue
        spans.append((c, c.start, c.end, c.score))
    return sorted(spans, key=lambda s: (s[0].rank, -s[3]))  # "what did Putin say" leads with what Putin said


def features_of(
    hits: Sequence[Hit], scored: Sequence[Candidate], chosen: Sequence[Candidate], q_terms: frozenset[str], language: str
) -> AnswerFeatures:
    """The abstention signals for this question (see AnswerFeatures)."""
    if not hits:
        return AnswerFeatures(question_terms=len(q_terms))
    dense = [h.dense_score if h.dense_score is not None else max((p.score for p in h.passages), default=h.score) for h in hits]
    if not scored:
        return AnswerFeatures(n_hits=len(hits), question_terms=len(q_terms), top_score=hits[0].score, top_dense=dense[0])
    ranked = sorted(scored, key=lambda c: -c.score)
    best = ranked[0]
    top3 = ranked[:3]
    covered = set().union(*(c.terms for c in chosen)) if chosen else set()
    evidence_language = detect_language(" ".join(c.text for c in top3))
    return AnswerFeatures(
        n_hits=len(hits),
        n_sentences=len(scored),
        question_terms=len(q_terms),
        top_score=float(hits[0].score),
        top_dense=float(dense[0]),
        dense_margin=float(dense[0] - dense[1]) if len(dense) > 1 else 0.0,
        sentence_dense=max(c.dense for c in scored),
        sentence_peak=max(c.dense for c in scored) - statistics.median(c.dense for c in scored),
        lexical_overlap=overlap(q_terms, covered),
        lexical_best=best.lexical,
        agreement=sum(c.article.article_id == best.article.article_id for c in top3) / len(top3),
        cross_lingual=evidence_language != language,
    )


def _related(scored: Sequence[Candidate], limit: int = 3) -> tuple[Citation, ...]:
    """The best sentence of each of the closest articles, shown when abstaining."""
    out: list[Citation] = []
    seen: set[str] = set()
    for c in sorted(scored, key=lambda c: -c.score):
        if c.article.article_id in seen:
            continue
        seen.add(c.article.article_id)
        out.append(make_citation(len(out) + 1, c.hit, c.article, c.start, c.end, c.score))
        if len(out) >= limit:
            break
    return tuple(out)


def compose_text(language: str, citations: Sequence[Citation]) -> str:
    """A short answer in `language` around the verbatim quotes, each followed by its [n]."""
    lines: list[str] = []
    prev: Citation | None = None
    for c in citations:
        quote = quoted(language, " ".join(c.shown.split()))
        if prev is None:
            key = "first"
        elif prev.article_id == c.article_id:
            key = "same"
        else:
            key = "other"
        label = source_label(language, c.source, c.agency, c.title, c.date)
        lines.append(phrase(language, key).format(label=label, quote=quote, n=c.n))
        prev = c
    return "\n".join(lines)


def compose_extractive(
    question: str,
    hits: Sequence[Hit],
    get_article: Callable[[str], Article],
    embedder,
    *,
    language: str | None = None,
    max_sentences: int = 3,
    max_citations: int = 3,
    max_hits: int = MAX_HITS,
    max_candidates: int = MAX_CANDIDATES,
    query: str | None = None,
    policy: AbstentionPolicy | None = None,
    lexical_weight: float = LEXICAL_WEIGHT,
    return_features: bool = False,
    per_article: bool = False,
) -> Answer | tuple[Answer, AnswerFeatures]:
    """Answer `question` from `hits` by quoting its best sentences, or abstain when the evidence is weak.

    `query` is what is scored against the sentences (a resolved follow-up); it defaults to `question`.
    With `return_features=True` the abstention signals are returned too, for calibration. `per_article` quotes the
    best sentence of each of the first hits, in their order, instead of the best sentences overall.
    """
    t0 = time.perf_counter()
    language = language or detect_language(question)
    policy = policy or AbstentionPolicy()
    query = query or question
    q_terms = frozenset(content_terms(query))
    warnings: list[str] = []

    candidates = collect_candidates(
        top_language_hits(hits), get_article, q_terms, max_hits=max_hits, max_candidates=max_candidates,
        warnings=warnings,
    )
    t1 = time.perf_counter()
    scored = score_candidates(query, candidates, q_terms, embedder, lexical_weight=lexical_weight)
    t2 = time.perf_counter()
    chosen = (choose_per_article(scored, max(1, max_sentences)) if per_article
              else choose(scored, q_terms, max(1, max_sentences)))
    features = features_of(hits, scored, chosen, q_terms, language)
    reasons = policy.reasons(features)

    if reasons:
        related = _related(scored)
        answer = Answer(
            question=question,
            language=language,
            text=abstention_text(language, bool(related)),
            abstained=True,
            related=related,
            warnings=tuple(warnings),
        )
        log.debug("abstaining on %r: %s", question[:80], "; ".join(reasons))
    else:
        spans = _merge_adjacent(chosen)
        if len(spans) > max_citations:
            keep = sorted(spans, key=lambda s: -s[3])[:max_citations]
            spans = [s for s in spans if s in keep]
        citations = tuple(
            make_citation(n, c.hit, c.article, s, e, sc) for n, (c, s, e, sc) in enumerate(spans, start=1)
        )
        more = [r for r in _related(scored, limit=len(citations) + 5)
                if not any(c.article_id == r.article_id and c.start < r.end and r.start < c.end for c in citations)]
        answer = Answer(
            question=question,
            language=language,
            text=compose_text(language, citations),
            abstained=False,
            citations=citations,
            related=tuple(replace(c, n=i) for i, c in enumerate(more[:5], start=1)),  # "more passages"
            warnings=tuple(warnings),
        )
    answer = verify_citations(answer, get_article)
    t3 = time.perf_counter()
    timings = {
        "sentences_ms": round((t1 - t0) * 1000, 2),
        "embed_ms": round((t2 - t1) * 1000, 2),
        "compose_ms": round((t3 - t2) * 1000, 2),
    }
    answer = replace(answer, timings_ms={**answer.timings_ms, **timings})
    return (answer, features) if return_features else answer


def answer_features(
    question: str, hits: Sequence[Hit], get_article: Callable[[str], Article], embedder, **kwargs
) -> AnswerFeatures:
    """Only the abstention signals of `compose_extractive` (for calibration scripts)."""
    _, features = compose_extractive(question, hits, get_article, embedder, return_features=True, **kwargs)
    return features
