"""Sentence spans for Arabic and English: hard ends (. ! ? ؟ line breaks), soft ends (، ؛ ; ,) on request."""

from __future__ import annotations

import re

# A hard end: terminator run (with closing quotes/brackets) followed by whitespace or the end, or a line break.
_HARD = re.compile(r"(?:[.!?؟۔…]+[\"'”’»)\]]*)(?=\s|$)|\n")
_SOFT = re.compile(r"[،؛;,](?=\s|$)")
# Tokens after which "." does not end a sentence.
_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "no", "vs", "etc", "inc", "ltd", "co", "corp", "jr", "sr", "gen",
    "sen", "rep", "gov", "lt", "col", "capt", "sgt", "mt", "fig", "approx", "dept", "est", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "a.m", "p.m", "e.g", "i.e", "u.s", "u.k",
    "u.n",
}


def split_sentences(text: str, start: int = 0, end: int | None = None, *, soft: bool = False) -> list[tuple[int, int]]:
    """(start, end) offsets into `text` of the whitespace-trimmed sentences of text[start:end]."""
    end = len(text) if end is None else min(end, len(text))
    start = max(0, min(start, end))
    pattern = _SOFT if soft else _HARD
    spans: list[tuple[int, int]] = []
    pos = start
    for m in pattern.finditer(text, start, end):
        if not soft and m.group(0) != "\n" and _is_abbreviation(text, m.start(), start):
            continue
        _append_trimmed(text, pos, m.end(), spans)
        pos = m.end()
    _append_trimmed(text, pos, end, spans)
    return spans


def _is_abbreviation(text: str, dot: int, floor: int) -> bool:
    """'Dec.' / 'U.S.' / 'J. Smith': a single period after a known abbreviation or a lone capital letter."""
    if text[dot] != "." or (dot + 1 < len(text) and text[dot + 1] in ".!?"):
        return False
    i = dot
    while i > floor and i - dot < 12 and (text[i - 1].isalpha() or text[i - 1] == "."):
        i -= 1
    word = text[i:dot]
    if not word or not word.isascii():
        return False
    return word.lower() in _ABBREV or (len(word) == 1 and word.isupper())


def _append_trimmed(text: str, s: int, e: int, spans: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if s < e:
        spans.append((s, e))
