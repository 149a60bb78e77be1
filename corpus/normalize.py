"""Arabic/Latin text normalisation for lexical matching (never for display or offsets).

Choices (all one-way, applied in this order, idempotent):
  * NFKC: Arabic presentation forms (ﻻ, ﺑ ...) and other compatibility characters become base letters.
  * Invisible characters are dropped: zero-width (ZWSP/ZWNJ/ZWJ/word joiner), bidi marks, embeddings,
    overrides and isolates, the Arabic letter mark, soft hyphen, BOM.
  * Diacritics are dropped: harakat, tanween, shadda, sukun, superscript alef, hamza above/below marks,
    maddah, Quranic annotation signs; tatweel (ـ) is dropped.
  * Letters are unified: أ إ آ ٱ ٲ ٳ → ا ; ى ی → ي ; ة → ه ; ؤ → و ; ئ → ي ; ک → ك .
    Standalone hamza ء is kept (it is a letter in its own right, e.g. سماء).
  * Arabic-Indic (٠-٩) and Persian (۰-۹) digits → ASCII 0-9.
  * Latin (and any cased script) is lower-cased with str.lower (not casefold: ß stays ß).
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = (
    "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
# U+0610-061A Quranic signs, U+064B-065F harakat/tanween/shadda/sukun/hamza marks,
# U+0670 superscript alef, U+06D6-06ED Quranic annotation, U+08D3-08FF extended marks, U+0640 tatweel.
_DIACRITICS_RE = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u08d3-\u08ff\u0640]")
_LETTERS = str.maketrans(
    {
        "\u0623": "\u0627",  # أ
        "\u0625": "\u0627",  # إ
        "\u0622": "\u0627",  # آ
        "\u0671": "\u0627",  # ٱ
        "\u0672": "\u0627",  # ٲ
        "\u0673": "\u0627",  # ٳ
        "\u0649": "\u064a",  # ى
        "\u06cc": "\u064a",  # ی (Persian yeh)
        "\u0629": "\u0647",  # ة
        "\u0624": "\u0648",  # ؤ
        "\u0626": "\u064a",  # ئ
        "\u06a9": "\u0643",  # ک (keheh)
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
    }
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE_RE.sub("", text)
    text = _DIACRITICS_RE.sub("", text)
    text = text.translate(_LETTERS).lower()
    return unicodedata.normalize("NFKC", text)


def normalize_arabic(text: str) -> str:
    """Fold spelling variants so that lexical matching ignores diacritics, hamza forms and digits."""
    out = _once(text)
    # A few exotic sequences (case mappings that produce new compatibility characters) need a
    # second pass; loop to the fixed point so the function is idempotent. Plain text needs one pass.
    for _ in range(4):
        again = _once(out)
        if again == out:
            return out
        out = again
    return out


def strip_invisible(text: str) -> str:
    """Remove zero-width/bidi characters and turn control characters into spaces (for user questions)."""
    text = _INVISIBLE_RE.sub("", text)
    return _CONTROL_RE.sub(" ", text)


def strip_diacritics(text: str) -> str:
    """Drop harakat and tatweel only, keeping letters as written (e.g. for month-name lookup)."""
    return _DIACRITICS_RE.sub("", text)


def name_key(value: str) -> str:
    """How a typed name is compared with stored ones: case, spacing, dots, hyphens and Arabic spelling aside."""
    return re.sub(r"[\s_\-\.]+", "", normalize_arabic(value).casefold())
