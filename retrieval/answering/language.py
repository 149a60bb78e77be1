"""Arabic-vs-English detection, so answers are framed in the language the question was asked in."""

from __future__ import annotations

import re

from retrieval.analysis import letter_counts

_ARABIC_MARK = re.compile(r"[\u0600-\u06ff]")  # Arabic punctuation and digits: ؟ ، ٢٠١٥
SHORT_TEXT_LETTERS = 40  # below this many letters a tie goes to Arabic (a name in Latin script inside an Arabic question)


def detect_language(text: str) -> str:
    """Return "ar" or "en" by majority of letters; ties in short text go to Arabic, letterless text to Arabic only
    when it has Arabic punctuation or digits ("؟؟"), else to English."""
    arabic, latin = letter_counts(text or "")
    if not arabic and not latin:
        return "ar" if _ARABIC_MARK.search(text or "") else "en"
    if arabic > latin:
        return "ar"
    if arabic == latin and arabic > 0 and arabic + latin <= 2 * SHORT_TEXT_LETTERS:
        return "ar"
    return "en"
