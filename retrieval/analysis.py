"""Turn Arabic and English text into lexical terms: normalise, tokenise, drop stopwords, stem."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import Stemmer

from corpus.normalize import normalize_arabic

_TOKEN = re.compile(r"[\u0621-\u064a\u0660-\u0669\u066e-\u06d3\u06fa-\u06ff]+|[a-z0-9]+")
_ARABIC_CHAR = re.compile(r"[\u0600-\u06ff]")

# Function words that carry no topical signal; BM25's idf handles the rest.
AR_STOP = frozenset(normalize_arabic(w) for w in """
في من على الى إلى عن مع هذا هذه ذلك تلك التي الذي الذين ان أن إن كان كانت قد لم لن ما لا او أو ثم كما بعد قبل عند
بين حتى اذا إذا كل هو هي هم انه أنه إنه وقد وفي ومن وعلى وان وأن التى الذى اي أي ايضا أيضا منذ خلال حيث الا إلا
""".split())
EN_STOP = frozenset("""
a an the of to in on at for by with from and or but is are was were be been being it its this that these those
as into than then there their they them he she his her we you i do does did what which who whom whose when where
why how not no yes so if about over under after before also has have had will would can could should may might
""".split())

_local = threading.local()


def _stemmers() -> tuple[Stemmer.Stemmer, Stemmer.Stemmer]:
    # PyStemmer objects are not thread-safe; keep one pair per thread.
    pair = getattr(_local, "pair", None)
    if pair is None:
        pair = (Stemmer.Stemmer("arabic"), Stemmer.Stemmer("english"))
        _local.pair = pair
    return pair


@lru_cache(maxsize=200_000)
def _stem_ar(word: str) -> str:
    return _stemmers()[0].stemWord(word)


@lru_cache(maxsize=100_000)
def _stem_en(word: str) -> str:
    return _stemmers()[1].stemWord(word)


def terms(text: str, *, stem: bool = True) -> list[str]:
    """Lexical terms of `text`: Arabic-normalised, stopwords dropped, Snowball-stemmed per script."""
    out: list[str] = []
    for tok in _TOKEN.findall(normalize_arabic(text)):
        if _ARABIC_CHAR.match(tok):
            if tok in AR_STOP or len(tok) < 2:
                continue
            out.append(_stem_ar(tok) if stem else tok)
        else:
            if tok in EN_STOP:
                continue
            out.append(_stem_en(tok) if stem and not tok.isdigit() else tok)
    return out


def is_arabic(text: str) -> bool:
    """True when Arabic letters outnumber Latin ones."""
    ar = len(_ARABIC_CHAR.findall(text))
    lat = len(re.findall(r"[A-Za-z]", text))
    return ar >= lat and ar > 0
