"""Citation markers and verification: every quote is `article.text[start:end]`, every [n] points at a citation."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Mapping, Sequence

from corpus.models import Article
from retrieval.errors import KhabarError
from retrieval.models import Answer, Citation, Hit

log = logging.getLogger(__name__)

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# [1], [1, 2], [١] and [1][2]; also tolerates Arabic comma "،" between numbers
MARKER = re.compile(r"\[\s*([0-9٠-٩۰-۹]+(?:\s*[,،]\s*[0-9٠-٩۰-۹]+)*)\s*\]")

# What a quotable unit ends with (corpus.sentences: hard ends, soft ends, closing quotes and brackets, a colon).
_ENDS_UNIT = re.compile(r"[.!?؟۔…،؛;,:\"'”’»)\]]$")


def marker_numbers(text: str) -> list[int]:
    """Every n referenced by a [n] marker in `text`, in order (repeats kept)."""
    out: list[int] = []
    for m in MARKER.finditer(text):
        out.extend(int(x.translate(_DIGITS)) for x in re.split(r"[,،]", m.group(1)))
    return out


def renumber_markers(text: str, mapping: Mapping[int, int]) -> tuple[str, list[int]]:
    """Rewrite [n] to [mapping[n]]; numbers not in `mapping` are removed. Returns (text, removed numbers)."""
    removed: list[int] = []

    def sub(m: re.Match) -> str:
        kept: list[str] = []
        for raw in re.split(r"[,،]", m.group(1)):
            n = int(raw.strip().translate(_DIGITS))
            if n in mapping:
                kept.append(str(mapping[n]))
            else:
                removed.append(n)
        return "".join(f"[{k}]" for k in dict.fromkeys(kept))

    new = MARKER.sub(sub, text)
    if removed:
        new = re.sub(r"[ \t]+([.,،؛;:!?؟])", r"\1", new)
        new = re.sub(r"[ \t]{2,}", " ", new).strip()
    return new, removed


def make_citation(n: int, hit: Hit, article: Article, start: int, end: int, score: float) -> Citation:
    """A citation for `article.text[start:end]`, metadata from the article (falling back to the hit)."""
    return Citation(
        n=n,
        article_id=article.article_id,
        title=article.title or hit.title,
        source=article.source or hit.source,
        agency=article.agency or hit.agency,
        city=article.city or hit.city,
        date=article.date or hit.date,
        url=article.url or hit.url,
        path=article.path or hit.path,
        quote=article.text[start:end],
        start=start,
        end=end,
        score=float(score),
        also_in=tuple(hit.also_in),
        cut_before=_cut(article.text[max(0, start - 80):start], more=article.text[max(0, start - 80):start]),
        cut_after=_cut(article.text[max(0, end - 80):end], more=article.text[end:end + 80]),
    )


def _cut(before: str, *, more: str) -> bool:
    """Whether a quote boundary falls inside a sentence: text goes on (`more`) and `before` ends no unit."""
    return bool(more.strip()) and not _ENDS_UNIT.search(before.rstrip())


def quote_is_verbatim(citation: Citation, get_article: Callable[[str], Article]) -> bool:
    try:
        article = get_article(citation.article_id)
    except (KhabarError, KeyError):
        return False
    if not (0 <= citation.start < citation.end <= len(article.text)):
        return False
    return article.text[citation.start : citation.end] == citation.quote


def _verified(items: Sequence[Citation], get_article) -> tuple[list[Citation], dict[int, int], list[int]]:
    kept: list[Citation] = []
    mapping: dict[int, int] = {}
    dropped: list[int] = []
    for c in items:
        if quote_is_verbatim(c, get_article) and c.n not in mapping:
            mapping[c.n] = len(kept) + 1
            kept.append(dataclasses.replace(c, n=len(kept) + 1))
        else:
            dropped.append(c.n)
    return kept, mapping, dropped


def verify_citations(answer: Answer, get_article: Callable[[str], Article]) -> Answer:
    """Drop citations whose quote is not verbatim at its offsets, renumber 1..m, strip [n] that point nowhere."""
    citations, mapping, dropped = _verified(answer.citations, get_article)
    related, _, dropped_related = _verified(answer.related, get_article)
    text, removed = renumber_markers(answer.text, mapping)
    warnings = list(answer.warnings)
    if dropped or dropped_related:
        log.warning("dropped %d citations that do not match their article", len(dropped) + len(dropped_related))
        warnings.append(f"dropped {len(dropped) + len(dropped_related)} citation(s) whose quote did not match the article")
    if removed:
        warnings.append("removed marker(s) " + ", ".join(f"[{n}]" for n in dict.fromkeys(removed)) + " that cite nothing")
    if citations == list(answer.citations) and related == list(answer.related) and text == answer.text:
        return answer
    return dataclasses.replace(
        answer, text=text, citations=tuple(citations), related=tuple(related), warnings=tuple(warnings)
    )
