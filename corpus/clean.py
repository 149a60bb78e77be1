"""Remove page furniture (share buttons, "read also" links, stray controls) and derive titles."""

from __future__ import annotations

import re

_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_LEADING_SPACE = re.compile(r"\n[ \t]+")

_SHARE_WORDS = (
    r"مشاركة|شارك|شارك الخبر|شارك هذا الخبر|شارك المقال|طباعة|أرسل لصديق|ارسل لصديق|تغريد|"
    r"Share|Share this|Share this article|Print|Tweet|Email"
)
# A furniture line: a share/print label alone on its line, optionally with a colon; or several of them.
_FURNITURE_LINE = re.compile(rf"^\s*(?:(?:{_SHARE_WORDS})\s*[:：]?\s*[|/,،]?\s*)+$", re.I)
# The same label glued to the end of the last paragraph, only when followed by a colon ("... الجديد. مشاركة :").
_FURNITURE_TAIL = re.compile(rf"(?<=[.!؟?»\")])\s*(?:{_SHARE_WORDS})\s*[:：]\s*$", re.I)
_MORE_LINE = re.compile(r"^\s*(?:\.{2,}|…)?\s*(?:المزيد|للمزيد|اقرأ المزيد|Read more|More)\s*(?:\.{2,}|…)?\s*$", re.I)
_LEADING = re.compile(
    r"^\s*(?:(?:(?:Next|Previous|السابق|التالي)\s+){1,2}"
    r"|شارك من خلال(?:\s+(?:تويتر|فيسبوك|فيس بوك|جوجل بلس|واتساب|واتس اب|اكتب رأيك|اكتب رايك))+\s+)(?=\S)",
    re.I,
)
# Outlet boilerplate glued to the end of the last paragraph.
_CONTACT_TAIL = re.compile(r"\s*للتواصل(?: مع الكاتب)?\s+(?:ارسل|أرسل|إرسل)[\s\S]{0,300}$", re.I)
_TAGS_TAIL = re.compile(r"(?<=[.!؟?»\"”)])[ \t]*سمات(?:[ \t]+[^\s.!؟?]+){1,12}[ \t]*$")
_READ_ALSO = re.compile(r"^\s*(?:[-*•]\s*)?(?:اقرأ|إقرأ|اقرا|إقرا)\s+(?:أيضا|أيضاً|ايضا|ايضاً|المزيد)|^\s*(?:Read\s+(?:also|more)|See\s+also)\b", re.I)


def clean_text(text: str) -> str:
    """Display text without page furniture or invisible controls; words and punctuation otherwise untouched."""
    text = _NEWLINES.sub("\n", text)
    text = _CONTROLS.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _TRAILING_SPACE.sub("\n", text)
    text = _LEADING_SPACE.sub("\n", text)
    lines = [ln for ln in text.split("\n") if not _READ_ALSO.match(ln)]
    while lines and (not lines[-1].strip() or _FURNITURE_LINE.match(lines[-1]) or _MORE_LINE.match(lines[-1])):
        lines.pop()
    text = "\n".join(lines)
    text = _LEADING.sub("", text, count=1)
    for tail in (_CONTACT_TAIL, _TAGS_TAIL, _FURNITURE_TAIL):
        text = tail.sub("", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


_SENTENCE_END = re.compile(r"[.!?؟\n](?=\s|$)|[\n]")


def derive_title(text: str, limit: int = 100) -> str:
    """First sentence of `text`, cut at a word boundary to at most `limit` characters (… when cut)."""
    head = text[: limit * 4].strip()
    m = _SENTENCE_END.search(head)
    sentence = (head[: m.start()] if m else head).strip()
    sentence = " ".join(sentence.split())
    if len(sentence) <= limit:
        return sentence
    cut = sentence.rfind(" ", 0, limit)
    if cut < limit // 2:
        cut = limit - 1
    return sentence[:cut].rstrip(" ،,؛;:-") + "…"
