"""Deterministic Arabic and English sample texts from ../shared for the embedding tests and benchmark."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

_SENT_END = re.compile(r"(?<=[.!?؟])\s+")


def saudinewsnet_articles(shared: Path, limit: int = 200) -> list[dict]:
    """The first `limit` articles of the first SaudiNewsNet day file, in file order."""
    zips = sorted((shared / "data" / "saudinewsnet").glob("*.zip"))
    with zipfile.ZipFile(zips[0]) as z:
        data = json.loads(z.read(z.namelist()[0]))
    return data[:limit]


def saudinewsnet_sentences(shared: Path, n: int = 150) -> list[str]:
    """Sentences (and a few raw multi-line paragraphs, to exercise newlines and marks) from SaudiNewsNet."""
    out: list[str] = []
    for i, art in enumerate(saudinewsnet_articles(shared, 400)):
        content = art.get("content") or ""
        if i % 10 == 0 and 40 < len(content):
            out.append(content[:600])  # raw slice: keeps newlines, quotes, bidi marks
        for s in _SENT_END.split(content):
            s = s.strip()
            if 30 <= len(s) <= 400:
                out.append(s)
                break
        if len(out) >= n:
            break
    return out[:n]


def xquad_texts(shared: Path, lang: str, n_questions: int, n_contexts: int) -> list[str]:
    """XQuAD questions and contexts of one language, in file order."""
    data = json.loads((shared / "data" / "xquad" / f"xquad.{lang}.json").read_text(encoding="utf-8"))
    questions, contexts = [], []
    for art in data["data"]:
        for para in art["paragraphs"]:
            if len(contexts) < n_contexts:
                contexts.append(para["context"])
            for qa in para["qas"]:
                if len(questions) < n_questions:
                    questions.append(qa["question"])
    return questions + contexts


def faithfulness_texts(shared: Path) -> list[str]:
    """>= 200 mixed Arabic/English texts: news sentences and paragraphs, XQuAD questions and contexts."""
    return (
        saudinewsnet_sentences(shared, 130)
        + xquad_texts(shared, "ar", 40, 20)
        + xquad_texts(shared, "en", 40, 20)
    )


def saudinewsnet_chunks(shared: Path, count_tokens, n: int, lo: int = 128, hi: int = 256) -> list[str]:
    """Word-boundary chunks of SaudiNewsNet articles holding lo..hi tokens each (for the benchmark)."""
    out: list[str] = []
    for art in saudinewsnet_articles(shared, 3000):
        words = (art.get("content") or "").split()
        start = 0
        while start < len(words) and len(out) < n:
            end = min(len(words), start + 120)
            chunk = " ".join(words[start:end])
            k = count_tokens([chunk])[0]
            while k > hi and end - start > 10:
                end -= 10
                chunk = " ".join(words[start:end])
                k = count_tokens([chunk])[0]
            if lo <= k <= hi:
                out.append(chunk)
            start = end
        if len(out) >= n:
            break
    return out
