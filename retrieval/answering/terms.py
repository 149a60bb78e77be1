"""Content terms of a text (Arabic-normalised, lightly stemmed), so question/sentence overlap survives clitics and spelling."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import Stemmer

from corpus.normalize import normalize_arabic

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_ARABIC_CHAR = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

_AR_STOP = """
من في على الى إلى عن ما ماذا هل كيف متى اين أين لماذا لم لما كم اي أي هو هي هم هن انا أنا نحن انت أنت
التي الذي الذين اللذين اللذان اللتان ذلك هذا هذه هؤلاء تلك هناك هنا مع او أو ثم قد لقد كان كانت يكون تكون
ان أن إن لا لن بين حول بعد قبل عند عندما كل ايضا أيضا وما وماذا وهل وكيف ومتى واين وأين ولماذا ومن وكم
ماذا عن بشأن خلال منذ حتى اذا إذا لكن ولكن غير فقط به بها له لها لهم فيه فيها منه منها عليه عليها
قال قالت يقول تقول اضاف أضاف وقال وقالت ذكر ذكرت اكد أكد اعلن أعلن حسب وفق وفقا بحسب
"""
_EN_STOP = """
a an the of in on at to for from by with about as into over after before between during under and or but not no
is are was were be been being am do does did doing done have has had having will would shall should can could may might must
what which who whom whose when where why how whats that this these those there here it its it's they them their he him his she her
i me my we us our you your than then so such also too very just only any some all each more most other
say says said tell told report reported according state stated mention mentioned
"""

_EN_STEMMER = Stemmer.Stemmer("english")
_AR_PREFIXES = ("وبال", "وال", "بال", "كال", "فال", "لل", "ال", "و", "ف")
_AR_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "ية", "يه", "ة", "ه", "ي")


def _norm(token: str) -> str:
    return normalize_arabic(token).translate(_DIGITS).lower()


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    return frozenset(_norm(w) for w in (_AR_STOP + _EN_STOP).split())


def _stem_arabic(word: str) -> str:
    for p in _AR_PREFIXES:
        if word.startswith(p) and len(word) - len(p) >= 3:
            word = word[len(p):]
            break
    for s in _AR_SUFFIXES:
        if word.endswith(s) and len(word) - len(s) >= 3:
            word = word[: -len(s)]
            break
    return word


def tokens(text: str) -> list[str]:
    """Normalised word tokens (no stopword removal, no stemming)."""
    return _TOKEN.findall(normalize_arabic(text or "").translate(_DIGITS).lower())


def content_terms(text: str) -> list[str]:
    """Stemmed content terms in order of appearance, stopwords removed."""
    stop = _stopwords()
    out: list[str] = []
    for tok in tokens(text):
        if tok in stop or (len(tok) < 2 and not tok.isdigit()):
            continue
        out.append(_stem_arabic(tok) if _ARABIC_CHAR.search(tok) else _EN_STEMMER.stemWord(tok))
    return out


def term_set(text: str) -> frozenset[str]:
    return frozenset(content_terms(text))


def overlap(question_terms: Iterable[str], text_terms: Iterable[str]) -> float:
    """Fraction of the question's distinct content terms that occur in the text (0 when the question has none)."""
    q = set(question_terms)
    if not q:
        return 0.0
    return len(q & set(text_terms)) / len(q)


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)
