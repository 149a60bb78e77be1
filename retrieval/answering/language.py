"""Arabic-vs-English detection, so answers are framed in the language the question was asked in."""

from __future__ import annotations

import re

from retrieval.analysis import word_counts

_ARABIC_MARK = re.compile(r"[\u0600-\u06ff]")  # Arabic punctuation and digits: ؟ ، ٢٠١٥
SHORT_TEXT_WORDS = 8  # up to this many words a tie goes to Arabic (a name in Latin script inside an Arabic question)


def detect_language(text: str) -> str:
    """Return "ar" or "en" by majority of words; ties in short text go to Arabic, letterless text to Arabic only
    when it has Arabic punctuation or digits ("؟؟"), else to English."""
    arabic, latin = word_counts(text or "")
    if not arabic and not latin:
        return "ar" if _ARABIC_MARK.search(text or "") else "en"
    if arabic > latin:
        return "ar"
    if arabic == latin and arabic + latin <= 2 * SHORT_TEXT_WORDS:
        return "ar"
    return "en"
