"""Outlets under their source ids and display names, so `--source الرياض` or "Asharq Al-Awsat" finds "alriyadh"
and "aawsat", and answers name an outlet in the reader's language."""

from __future__ import annotations

from corpus.normalize import name_key

OUTLETS = {  # source id (SaudiNewsNet's) -> (Arabic, English) display names
    "aawsat": ("الشرق الأوسط", "Asharq Al-Awsat"),
    "aleqtisadiya": ("الاقتصادية", "Al-Eqtisadiya"),
    "aljazirah": ("الجزيرة", "Al-Jazirah"),
    "almadina": ("المدينة", "Al-Madina"),
    "alriyadh": ("الرياض", "Al-Riyadh"),
    "alwatan": ("الوطن", "Al-Watan"),
    "alweeam": ("الوئام", "Al-Weeam"),
    "alyaum": ("اليوم", "Al-Yaum"),
    "arreyadi": ("الرياضي", "Arreyadi"),
    "arriyadiyah": ("الرياضية", "Arriyadiyah"),
    "okaz": ("عكاظ", "Okaz"),
    "sabq": ("سبق", "Sabq"),
    "was": ("واس", "Saudi Press Agency"),
    "3alyoum": ("عين اليوم", "Ain Alyoum"),
}

_SOURCE_OF = {name_key(name): sid for sid, names in OUTLETS.items() for name in (sid, *names)}


def source_key(value: str) -> str:
    """One key for an outlet's id and its display names (`Okaz`, `عكاظ`, `okaz`); otherwise the name's own key."""
    key = name_key(value)
    return name_key(_SOURCE_OF.get(key, key))


def outlet_id(name: str) -> str:
    """The source id of an outlet named in a byline (`سبق` -> "sabq"), else the name as written."""
    return _SOURCE_OF.get(name_key(name), name.strip())
