"""Hybrid search: dense (Chroma) + BM25, fused, collapsed to articles, wire-story duplicates merged."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace

import numpy as np

from corpus.fingerprint import CONTAINED_SHARE, NEAR_DUPLICATE_BITS, Story, hamming, same_story
from corpus.models import Article
from retrieval.analysis import SCRIPTS, arabic_words, latin_names, latin_words, term_script, text_script
from retrieval.fusion import fuse, fuse_pools, lexical_weight, rrf
from retrieval.models import Filters, Hit, Passage

log = logging.getLogger(__name__)

MODES = ("dense", "lexical", "hybrid", "rrf")  # rrf: the naive baseline, kept for evaluation
MEMORY_POOL_MAX = 5000  # other-language chunks searched in memory (about 8 MB of vectors) rather than by Chroma


@dataclass(frozen=True)
class SearchConfig:
    """Tunable knobs, measured by `khabar eval squad` / benchmarks/retrieval_quality.py (see README)."""

    candidates: int = 80
    lexical_base_weight: float = 1.0  # BM25 weight when every query term is known to the index
    min_coverage: float = 0.3  # below this share of known query terms BM25 gets weight 0
    fusion: str = "zscore"  # or "minmax"
    # Cross-lingual pseudo-relevance feedback when BM25 knows too few query words: the top dense chunks'
    # high-idf terms become a lexical query over the dense candidates (0 disables it). Measured on XQuAD
    # en→ar: +5.4 points R@1 with 256-token chunks, but nothing with the default 512-token chunks (R@1
    # 0.661 either way, R@5 0.856 vs 0.857 without), so it is off by default.
    prf_weight: float = 0.0
    prf_seeds: int = 5
    prf_terms: int = 30
    # English questions over Arabic text: BM25 over the Arabic terms nearest each English word
    # (retrieval.crosslingual). On XQuAD en→ar this weight, 8 neighbours and temperature 0.02 gave R@1
    # 0.747-0.752 in a sweep, and 0.743 / 0.753 on each half with the weights tuned on the other half.
    translation_weight: float = 0.35
    # Mixed-language corpora: multilingual-e5 scores a question's own language higher, so articles in the
    # other script come from a search of their own and get this much added to their cosine for ranking
    # (`khabar eval squad --mix`, README "Mixed-language corpora"); 0 searches one pool as before.
    cross_script_bonus: float = 0.05
    # ...when the smaller language holds at least this share of the chunks: all of SaudiNewsNet has 39
    # mostly-Latin chunks in 47,478 (0.08%), which would cost every question ~13 ms and no answers.
    cross_script_min_share: float = 0.01
    cross_script_candidates: int = 40
    cross_script_lexical: float = 0.7  # weight of the translated BM25 over the other language's chunks
    passages_per_hit: int = 2
    dedup_hamming: int = NEAR_DUPLICATE_BITS
    dedup_containment: float = CONTAINED_SHARE  # merge a copy cut or extended by another outlet (0: SimHash only)


class Searcher:
    """Runs one query against both indexes and returns article-level hits."""

    def __init__(self, *, store, lexical, manifest, embedder, crosslingual=None, dictionaries=None,
                 config: SearchConfig | None = None):
        self.store = store
        self.lexical = lexical
        self.manifest = manifest
        self.embedder = embedder
        self.crosslingual = crosslingual
        # script translated into -> retrieval.dictionary.Dictionary; the term vectors where it has no entry
        self.dictionaries = dict(dictionaries or {})
        self.config = config or SearchConfig()
        self.last_timings: dict[str, float] = {}
        self._pools: dict[str, tuple[int, tuple]] = {}  # script -> (lexical version, pool); see `_pool`
        self._pool_lock = threading.Lock()

    def search(self, query: str, *, k: int = 10, filters: Filters | None = None,
               mode: str = "hybrid", query_vector: np.ndarray | None = None) -> list[Hit]:
        """Top-k articles for `query`; filters are applied inside both indexes, never after the cut."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        cfg = self.config
        n_cand = max(cfg.candidates, k * 4)
        if filters is not None and filters.is_empty():
            filters = None
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        dense: dict[str, float] = {}
        lex: dict[str, float] = {}
        art_of: dict[str, str] = {}

        weight = 1.0
        lex_terms: dict[str, float] = {}  # BM25 query terms, when some of them are translations
        # a mixed-language corpus: the corpus's other script is searched as a pool of its own
        other = self._other_script(query) if mode == "hybrid" else ""
        if mode == "hybrid":
            # BM25 only counts when the index knows enough of the query's words (0 for English over Arabic)...
            weight = lexical_weight(self.lexical.coverage(query), base=cfg.lexical_base_weight,
                                    min_coverage=cfg.min_coverage)
            # ...unless the words it does not know are English ones the term vectors can translate (in a
            # mixed corpus the question's own words rank its own language, translations the other one).
            t = time.perf_counter()
            lex_terms = {} if other else self._translated_terms(query)
            if lex_terms:
                timings["translate_ms"] = (time.perf_counter() - t) * 1000
                weight = max(weight, cfg.translation_weight)
        use_dense = mode != "lexical"
        use_lex = mode in ("lexical", "rrf") or weight > 0

        # the articles the filters allow, for BM25 and the in-memory search of the other language
        allowed = None if filters is None or not (use_lex or other) else self.manifest.filter_article_ids(filters)
        qvec = None
        if use_dense:
            t = time.perf_counter()
            qvec = query_vector if query_vector is not None else self.embedder.embed_queries([query])[0]
            timings["embed_ms"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            for h in self.store.query(qvec, k=n_cand, filters=filters):
                dense[h.chunk_id] = h.score
                art_of[h.chunk_id] = h.article_id
            if other:
                for cid, aid, score in self._other_script_dense(qvec, other, filters, allowed, dense):
                    dense[cid] = score
                    art_of[cid] = aid
            timings["dense_ms"] = (time.perf_counter() - t) * 1000
        translated: dict[str, float] = {}  # the other script's BM25 terms in a mixed corpus
        scripts: dict[str, str] = {}  # each candidate's script, when the search mixed the two languages' pools
        if other:
            t = time.perf_counter()
            translated = self._translated_terms(query, into=other)
            if translated:
                timings["translate_ms"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        if use_lex:
            found = (self.lexical.search_terms(lex_terms, k=n_cand, allowed_articles=allowed) if lex_terms
                     else self.lexical.search(query, k=n_cand, allowed_articles=allowed))
            for cid, aid, s in found:
                lex[cid] = s
                art_of[cid] = aid
        other_found: list[str] = []  # the other pool's BM25 candidates (scored again within that pool)
        if translated:
            for cid, aid, _ in self.lexical.search_terms(translated, k=cfg.cross_script_candidates,
                                                         allowed_articles=allowed, script=other):
                art_of[cid] = aid
                other_found.append(cid)
        if use_lex or translated:
            timings["lexical_ms"] = (time.perf_counter() - t) * 1000

        if mode == "dense":
            scores = dense
        elif mode == "lexical":
            scores = lex
        elif mode == "rrf":
            scores = rrf([sorted(dense, key=dense.__getitem__, reverse=True),
                          sorted(lex, key=lex.__getitem__, reverse=True)])
        elif other:
            t = time.perf_counter()
            scores, scripts = self._fuse_scripts(query, qvec, other, dense, lex, weight, translated, other_found)
            timings["fuse_ms"] = (time.perf_counter() - t) * 1000
        else:
            t = time.perf_counter()
            if weight > 0:
                self._complete_scores(qvec, dense, lex, (lambda ids: self.lexical.score_terms(lex_terms, ids))
                                      if lex_terms else (lambda ids: self.lexical.score_chunks(query, ids)))
                scores = fuse(dense, lex, weight=weight, method=cfg.fusion)
            elif cfg.prf_weight > 0 and dense:
                seeds = sorted(dense, key=dense.__getitem__, reverse=True)[: cfg.prf_seeds]
                prf = self.lexical.feedback_scores(seeds, list(dense), n_terms=cfg.prf_terms)
                timings["prf"] = 1.0
                scores = fuse(dense, prf, weight=cfg.prf_weight, method=cfg.fusion)
            else:
                scores = fuse(dense, lex, weight=0.0, method=cfg.fusion)
            timings["fuse_ms"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        hits = self._collapse(scores, dense, lex, art_of, k, scripts)
        timings["collapse_ms"] = (time.perf_counter() - t) * 1000
        timings["total_ms"] = (time.perf_counter() - t0) * 1000
        self.last_timings = timings
        return hits

    def warm_up(self) -> None:
        """Run each lazy step of a search once, so the first question after a start does not wait for it."""
        counts = self.lexical.script_counts()
        self.store.query(self.embedder.embed_queries(["warm-up"])[0], k=1)
        if not counts["arabic"]:
            return  # nothing is ever translated (`_translated_terms`)
        mixed = self._other_script("خبر") == "latin"  # Arabic questions also search the English articles
        for into, word in (("arabic", "news"), ("latin", "خبر")) if mixed else (("arabic", "news"),):
            if (dictionary := self.dictionaries.get(into)) is not None:
                len(dictionary)
            self._translate([word], into)
            if mixed and counts[into] <= MEMORY_POOL_MAX:
                self._pool(into)

    def _other_script(self, query: str) -> str:
        """The corpus's other script when the question should also search it ("" for a one-language corpus)."""
        if self.config.cross_script_bonus <= 0 or not getattr(self.store, "scripts_recorded", False):
            return ""
        own = text_script(query)
        if own not in SCRIPTS:
            return ""
        other = SCRIPTS[1 - SCRIPTS.index(own)]
        counts = self.lexical.script_counts()
        smaller = min(counts.get(own, 0), counts.get(other, 0))
        return other if smaller and smaller >= self.config.cross_script_min_share * sum(counts.values()) else ""

    def _other_script_dense(self, qvec: np.ndarray, other: str, filters: Filters | None, allowed: set[str] | None,
                            found: dict[str, float]) -> list[tuple[str, str, float]]:
        """The other script's nearest chunks, unless the main search already returned enough of them.

        A Chroma query filtered on the script costs 15-110 ms on a 47k-chunk index (the allow-list), so a
        small other-language share (up to MEMORY_POOL_MAX chunks) is searched exactly in memory instead,
        its vectors read once per index change.
        """
        want = self.config.cross_script_candidates
        scripts = self.lexical.chunk_scripts(list(found))
        if sum(1 for c in found if scripts.get(c) == other) >= want:
            return []
        if self.lexical.script_counts()[other] > MEMORY_POOL_MAX:
            return [(h.chunk_id, h.article_id, h.score)
                    for h in self.store.query(qvec, k=want, filters=filters, script=other)]
        ids, arts, matrix = self._pool(other)
        if not ids:
            return []
        cos = matrix @ qvec
        if allowed is not None:
            cos = np.where([a in allowed for a in arts], cos, -np.inf)
        top = [i for i in np.argsort(-cos, kind="stable")[:want] if np.isfinite(cos[i])]
        return [(ids[i], arts[i], float(cos[i])) for i in top]

    def _pool(self, script: str) -> tuple[list[str], list[str], np.ndarray]:
        """(chunk ids, article ids, stored vectors) of one script's chunks, read once per lexical index change."""
        version = self.lexical.version
        cached = self._pools.get(script)
        if cached is not None and cached[0] == version:
            return cached[1]
        with self._pool_lock:  # one reader builds it; concurrent searches wait rather than read it again
            cached = self._pools.get(script)
            if cached is not None and cached[0] == version:
                return cached[1]
            pool = self.lexical.chunks_in_script(script)
            vecs = self.store.embeddings([c for c, _ in pool])
            have = [(c, a) for c, a in pool if c in vecs]
            matrix = np.stack([vecs[c] for c, _ in have]) if have else np.zeros((0, 0), np.float32)
            data = ([c for c, _ in have], [a for _, a in have], matrix)
            self._pools[script] = (version, data)
            return data

    def _fuse_scripts(self, query: str, qvec: np.ndarray, other: str, dense: dict[str, float],
                      lex: dict[str, float], weight: float, translated: dict[str, float],
                      other_found: list[str]) -> tuple[dict[str, float], dict[str, str]]:
        """Fuse a mixed-language candidate set: the other script's chunks get the cross-script bonus on their
        cosine and are ranked lexically among themselves, by the question's `translated` words when there
        are any, else by dense alone. Their `lex` entries become the translated BM25. Returns the scores and
        each candidate's script."""
        ids = list(dict.fromkeys([*dense, *lex, *other_found]))
        self._complete_dense(qvec, dense, [c for c in ids if c not in dense])
        script = self.lexical.chunk_scripts(ids)
        own_ids = [c for c in ids if script.get(c) != other]
        other_ids = [c for c in ids if script.get(c) == other]
        if weight > 0:
            lex.update(self.lexical.score_chunks(query, [c for c in own_ids if c not in lex]))
        bonus = self.config.cross_script_bonus
        adjusted = {c: v + bonus if script.get(c) == other else v for c, v in dense.items()}
        pools = [(own_ids, lex, weight)]
        if other_ids:
            other_lex = self.lexical.score_terms(translated, other_ids) if translated else {}
            lex.update({c: other_lex.get(c, 0.0) for c in other_ids})
            pools.append((other_ids, other_lex, self.config.cross_script_lexical if translated else 0.0))
        return fuse_pools(adjusted, pools, method=self.config.fusion), script

    def _translated_terms(self, query: str, *, into: str = "") -> dict[str, float]:
        """BM25 terms for a query with Latin words the index does not know (or, `into` a script, with any
        words of the other script): its own known terms at weight 1 plus the index terms nearest each such
        word ({} when no word needs translating, or it fails; `into` a script, the known terms alone then)."""
        if not into and ((self.crosslingual is None and "arabic" not in self.dictionaries)
                         or not self.lexical.script_counts()["arabic"]):
            return {}  # nothing to translate with, or an index with no Arabic text to translate into
        vocab, analyze = self.lexical.vocab, self.lexical.analyzer
        if into == "latin":
            words = arabic_words(query)
        else:
            # each word lower-cased and as written, the closer-matching spelling used: e5 is cased, and "Yemen"
            # finds «اليمن» where "yemen" finds only sound-alikes (README: XQuAD en→ar unchanged within a question)
            words = []
            for written in latin_words(query, cased=True):
                low = written.lower()
                if not low.isdigit() and (t := analyze(low)) and (into or t[0] not in vocab):
                    words.append(low if written == low else (low, written))
        target = into or "arabic"
        out: dict[str, float] = {}
        if words and (dictionary := self.dictionaries.get(target)) is not None:
            names = latin_names(query) if target == "arabic" else set()
            out, words = self._dictionary_terms(words, dictionary, target, names=names)
        for term, w in (self._translate(words, target) if words else {}).items():
            out[term] = max(out.get(term, 0.0), w)
        if not out and not into:
            return {}
        # the question's own known terms too (a year, a name written in the other script); in a mixed corpus
        # not those of its own language, which would fill the other language's candidates with its own
        out.update({t: 1.0 for t in analyze(query) if t in vocab and (not into or term_script(t) in (into, ""))})
        return out

    def _dictionary_terms(self, words: list, dictionary, into: str, *,
                          names: set[str] = frozenset()) -> tuple[dict[str, float], list]:
        """Index terms in the script `into` of the dictionary's translations, at full weight, and the words it
        cannot translate. `names` are looked up only as written, not by their base forms.

        A word counts as translated only when some translation is a term of the index; the others go to the term
        vectors. On XQuAD en→ar this took hybrid R@1 from 0.750 to 0.809 (README).
        """
        analyze, vocab = self.lexical.analyzer, self.lexical.vocab
        out: dict[str, float] = {}
        rest = []
        try:
            for word in words:
                low = word if isinstance(word, str) else word[0]
                meanings = dictionary.lookup(low, inflected=low not in names)
                terms = {t for meaning in meanings for t in analyze(meaning) if t in vocab and term_script(t) == into}
                if terms:
                    out.update(dict.fromkeys(terms, 1.0))
                else:
                    rest.append(word)
        except Exception:  # noqa: BLE001 - a broken dictionary costs its translations, not the search
            log.warning("looking up %r in the dictionary failed; translating without it", words, exc_info=True)
            return {}, words
        return out, rest

    def _translate(self, words: list, into: str) -> dict[str, float]:
        """Index terms in the script `into` for words of the other one ({} without vectors, or on failure)."""
        if self.crosslingual is None or not len(self.crosslingual):  # read on the first question needing them
            return {}
        try:
            return self.crosslingual.translate(words, self.embedder.embed_words, into=into)
        except Exception:  # noqa: BLE001 - a failed translation costs the lexical evidence, not the search
            log.warning("translating %r into index terms failed; searching without it", words, exc_info=True)
            return {}

    def _complete_scores(self, qvec: np.ndarray, dense: dict[str, float], lex: dict[str, float],
                         lexical_scores) -> None:
        """Give every candidate both scores: exact cosine from stored vectors, exact BM25 from the counts."""
        self._complete_dense(qvec, dense, [c for c in lex if c not in dense])
        missing_lex = [c for c in dense if c not in lex]
        if missing_lex:
            lex.update(lexical_scores(missing_lex))

    def _complete_dense(self, qvec: np.ndarray, dense: dict[str, float], chunk_ids: list[str]) -> None:
        """Exact cosines, from the stored vectors, for candidates the vector search did not return."""
        if chunk_ids:
            for cid, vec in self.store.embeddings(chunk_ids).items():
                dense[cid] = float(np.dot(vec, qvec))

    def _collapse(self, scores: dict[str, float], dense: dict[str, float], lex: dict[str, float],
                  art_of: dict[str, str], k: int, scripts: dict[str, str]) -> list[Hit]:
        """Group chunks into articles, keep only committed ones, merge near-duplicate wire stories."""
        ranked = sorted(scores, key=scores.__getitem__, reverse=True)
        by_article: dict[str, list[str]] = {}
        for cid in ranked:
            if cid in art_of:
                by_article.setdefault(art_of[cid], []).append(cid)
        order = list(by_article)[: k * 3]
        articles = self.manifest.articles(order)
        simh = self.manifest.simhashes(order)
        spans = self.manifest.chunk_spans([c for aid in order for c in by_article[aid]])
        hits: list[Hit] = []
        kept: list[tuple[Story, int]] = []  # (fingerprint, index into hits)
        cfg = self.config
        for aid in order:
            art = articles.get(aid)
            if art is None:
                continue  # not committed yet (ingest in progress) or pruned
            passages = self._passages(art, by_article[aid], spans, scores)
            if not passages:
                continue
            story = Story(simh.get(aid, 0), art.text)
            # the closest same-story hit: a SimHash copy wins over a roundup that merely contains the story
            same = [(hamming(s.simhash, story.simhash), i) for s, i in kept
                    if same_story(s, story, bits=cfg.dedup_hamming, share=cfg.dedup_containment)]
            dup_of = min(same)[1] if same else None
            if dup_of is not None:
                h = hits[dup_of]
                label = art.source or art.article_id
                if label not in h.also_in and label != h.source:
                    hits[dup_of] = replace(h, also_in=h.also_in + (label,))
                continue
            best = passages[0].chunk_id
            hits.append(Hit(
                article_id=aid, title=art.title, source=art.source, agency=art.agency, city=art.city,
                date=art.date, url=art.url, path=art.path, score=round(float(scores[best]), 6),
                passages=tuple(passages), also_in=(),
                dense_score=dense.get(best), lexical_score=lex.get(best), script=scripts.get(best, ""),
            ))
            kept.append((story, len(hits) - 1))
            if len(hits) >= k:
                break
        return hits

    def _passages(self, art: Article, chunk_ids: list[str], spans, scores) -> list[Passage]:
        out = []
        for cid in chunk_ids:
            if len(out) >= self.config.passages_per_hit:
                break
            if cid not in spans:
                continue  # stale chunk of an older version of the article
            start, end = spans[cid]
            out.append(Passage(chunk_id=cid, text=art.text[start:end], start=start, end=end,
                               score=round(float(scores[cid]), 6)))
        return out
