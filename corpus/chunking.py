"""Sentence-aware chunks bounded by the embedding model's tokens, with offsets back into the article."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Sequence

from corpus.ids import chunk_id
from corpus.models import Article, Chunk
from corpus.sentences import split_sentences

log = logging.getLogger(__name__)

CountTokens = Callable[[Sequence[str]], list[int]]
_BATCH = 1024  # strings per count_tokens call
_MAX_REPACK_ROUNDS = 6


def chunk_article(
    article: Article,
    count_tokens: CountTokens,
    max_tokens: int = 200,
    overlap_tokens: int = 32,
) -> list[Chunk]:
    """Pack whole sentences into chunks of at most `max_tokens` (by `count_tokens`), overlapping by whole
    trailing sentences of at most `overlap_tokens`; every chunk satisfies `text == article.text[start:end]`."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    overlap_tokens = max(0, min(overlap_tokens, max_tokens // 2))
    text = article.text
    units = _units(text, count_tokens, max_tokens)
    spans = _pack_verified(text, units, count_tokens, max_tokens, overlap_tokens, _overhead(count_tokens, units))
    chunks: list[Chunk] = []
    for s, e in spans:
        piece = text[s:e]
        if not has_content(piece):
            continue
        chunks.append(Chunk(chunk_id(article.article_id, s, e), article.article_id, piece, s, e, len(chunks)))
    return chunks


def has_content(text: str) -> bool:
    """True when `text` holds a letter or digit (not only whitespace, punctuation or diacritics)."""
    return any(unicodedata.category(ch)[0] in "LN" and ch != "\u0640" for ch in text)  # tatweel is "Lm"


def _overhead(count_tokens: CountTokens, units: list[tuple[int, int, int]]) -> int:
    """Tokens every text costs regardless of content (special tokens, a `passage: ` prefix), paid once per chunk."""
    if not units:
        return 0
    return max(0, min(_count([""], count_tokens)[0], min(u[2] for u in units)))


def _count(texts: list[str], count_tokens: CountTokens) -> list[int]:
    out: list[int] = []
    for i in range(0, len(texts), _BATCH):
        batch = texts[i : i + _BATCH]
        counts = list(count_tokens(batch))
        if len(counts) != len(batch):
            raise ValueError(f"count_tokens returned {len(counts)} counts for {len(batch)} texts")
        out.extend(int(c) for c in counts)
    return out


def _units(text: str, count_tokens: CountTokens, max_tokens: int) -> list[tuple[int, int, int]]:
    """(start, end, tokens) spans, each verified to fit in `max_tokens` (or a single character that cannot shrink)."""
    # Sentences too long by characters alone are pre-cut so that no single call sees megabytes.
    char_cap = max(64, max_tokens * 16)
    pending: list[tuple[int, int]] = []
    for s, e in split_sentences(text):
        if e - s > char_cap:
            pending.extend(_cut(text, s, e, char_cap))
        else:
            pending.append((s, e))
    done: list[tuple[int, int, int]] = []
    level = 0  # 0: sentences, 1: clauses (، ؛ ; ,), 2+: cuts at whitespace or between characters
    while pending:
        counts = _count([text[s:e] for s, e in pending], count_tokens)
        retry: list[tuple[int, int]] = []
        for (s, e), n in zip(pending, counts):
            if n <= max_tokens or e - s <= 1:
                done.append((s, e, n))
                continue
            clauses = split_sentences(text, s, e, soft=True) if level == 0 else []
            if len(clauses) > 1:
                retry.extend(clauses)
            else:
                target = max(1, int((e - s) * max_tokens / n * 0.9))
                retry.extend(_cut(text, s, e, target))
        pending = retry
        level += 1
    done.sort()
    return done


def _cut(text: str, s: int, e: int, target: int) -> list[tuple[int, int]]:
    """Split text[s:e] into trimmed pieces of at most `target` characters: at clause marks (، ؛ ; ,) when
    possible, else at whitespace, else between characters (never before a combining mark)."""
    pieces: list[tuple[int, int]] = []
    pos = s
    while pos < e:
        while pos < e and text[pos].isspace():
            pos += 1
        if pos >= e:
            break
        if e - pos <= target:
            pieces.append((pos, e))
            break
        limit = pos + target
        cut = _best_cut(text, pos, limit)
        piece_end = cut
        while piece_end > pos and text[piece_end - 1].isspace():
            piece_end -= 1
        if piece_end > pos:
            pieces.append((pos, piece_end))
        pos = cut
    return pieces


def _best_cut(text: str, pos: int, limit: int) -> int:
    floor = pos + max(1, (limit - pos) // 3)
    for marks in ("،؛;,", None):
        i = limit
        while i > floor:
            ch = text[i - 1]
            if (marks is None and ch.isspace()) or (marks is not None and ch in marks and text[i].isspace()):
                return i
            i -= 1
    cut = limit
    while cut > pos + 1 and unicodedata.combining(text[cut]):
        cut -= 1
    return cut


def _pack(units: list[tuple[int, int, int]], budget: int, overlap: int) -> list[tuple[int, int]]:
    """Greedy packing by estimated tokens (sum of unit counts); returns unit-index ranges [i, j)."""
    ranges: list[tuple[int, int]] = []
    i, n = 0, len(units)
    while i < n:
        total = units[i][2]
        j = i + 1
        while j < n and total + units[j][2] <= budget:
            total += units[j][2]
            j += 1
        ranges.append((i, j))
        if j >= n:
            break
        # Overlap: whole trailing units of this chunk that fit in `overlap` and leave room for unit j.
        k, carried = j, 0
        while k - 1 > i and carried + units[k - 1][2] <= overlap and carried + units[k - 1][2] + units[j][2] <= budget:
            carried += units[k - 1][2]
            k -= 1
        i = k
    return ranges


def _pack_verified(
    text: str,
    units: list[tuple[int, int, int]],
    count_tokens: CountTokens,
    max_tokens: int,
    overlap: int,
    overhead: int = 0,
) -> list[tuple[int, int]]:
    """Pack by estimate, count the real chunks in batches, tighten the budget where the estimate was low."""
    if not units:
        return []
    verified: dict[tuple[int, int], int] = {}
    content = [(s, e, n - overhead) for s, e, n in units]  # per-text overhead is paid once per chunk
    budget = max(1, max_tokens - overhead)
    for _ in range(_MAX_REPACK_ROUNDS):
        ranges = _pack(content, budget, overlap)
        spans = [(units[i][0], units[j - 1][1]) for i, j in ranges]
        for i, j in ranges:
            if j - i == 1:  # a single unit was counted on its own already
                verified.setdefault((units[i][0], units[i][1]), units[i][2])
        todo = [sp for sp in dict.fromkeys(spans) if sp not in verified]
        for sp, c in zip(todo, _count([text[s:e] for s, e in todo], count_tokens)):
            verified[sp] = c
        excess = 0
        for (i, j), sp in zip(ranges, spans):
            if verified[sp] > max_tokens and j - i > 1:
                excess = max(excess, verified[sp] - overhead - sum(u[2] for u in content[i:j]))
        if excess == 0:
            return spans
        budget = max(1, budget - max(excess, 1))
    # Still over after several rounds (a counter far from additive): fall back to single units for those.
    out: list[tuple[int, int]] = []
    for (i, j), sp in zip(ranges, spans):
        if verified[sp] > max_tokens and j - i > 1:
            out.extend((u[0], u[1]) for u in units[i:j])
        else:
            out.append(sp)
    return out
