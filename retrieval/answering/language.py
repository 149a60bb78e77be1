"""Arabic-vs-English detection, so answers are framed in the language the question was asked in."""

from __future__ import annotations

import unicodedata

SHORT_TEXT_LETTERS = 40  # below this many letters a tie goes to Arabic (a name in Latin script inside an Arabic question)


def _is_arabic_letter(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x0621 <= cp <= 0x064A  # core letters (diacritics 0x064B.. excluded)
        or 0x0671 <= cp <= 0x06D3
        or 0x06FA <= cp <= 0x06FC
        or 0x0750 <= cp <= 0x077F
        or 0x08A0 <= cp <= 0x08C9
        or 0xFB50 <= cp <= 0xFDFF
        or 0xFE70 <= cp <= 0xFEFC
    )


def script_counts(text: str) -> tuple[int, int]:
    """(Arabic letters, Latin letters) in `text`."""
    arabic = latin = 0
    for ch in text:
        if _is_arabic_letter(ch):
            arabic += 1
        elif ch.isalpha() and ("LATIN" in unicodedata.name(ch, "")):
            latin += 1
    return arabic, latin


def detect_language(text: str) -> str:
    """Return "ar" or "en" by majority of letters; ties in short text go to Arabic, letterless text to English."""
    arabic, latin = script_counts(text or "")
    if arabic > latin:
        return "ar"
    if arabic == latin and arabic > 0 and arabic + latin <= 2 * SHORT_TEXT_LETTERS:
        return "ar"
    return "en"
