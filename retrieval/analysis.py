"""Turn Arabic and English text into lexical terms: normalise, tokenise, drop stopwords, stem.

Stemmer choice (measured with `khabar eval squad --mode lexical`, see README): Snowball's Arabic stemmer
is applied to the word as written (it needs ة, أ, ى to find suffixes and prefixes) and the stem is then
normalised, with one leading conjunction و/ف stripped before ال-words (Snowball keeps "والمدرس").
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import Stemmer

from corpus.normalize import normalize_arabic, strip_diacritics

_TOKEN = re.compile(r"[\u0621-\u064a\u0660-\u0669\u066e-\u06d3\u06fa-\u06ff]+|[^\W_]+", re.UNICODE)
_ARABIC_CHAR = re.compile(r"[\u0600-\u06ff]")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff]")
_LATIN = re.compile(r"[A-Za-z]")
# Letters as written (no NFKC first): Arabic with its supplements and presentation forms, Latin with accents.
_ANY_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\u08a0-\u08c9"
                                r"\ufb50-\ufdff\ufe70-\ufefc]")
_ANY_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]")
_LETTERS = re.compile(r"(?:[^\W\d_]|[\u0640\u064b-\u065f\u0670])+")  # words: letters, Arabic marks inside

STEMMERS = ("snowball", "snowball-normalized", "light", "none")
# Bump when `terms()` changes: a BM25 index built by another analyzer is rebuilt, not reused.
ANALYZER_VERSION = 2
DEFAULT_STEMMER = "snowball"

# Function words that carry no topical signal; BM25's idf handles the rest.
AR_STOP = frozenset(normalize_arabic(w) for w in """
في من على الى إلى عن مع هذا هذه ذلك تلك التي الذي الذين ان أن إن كان كانت قد لم لن ما لا او أو ثم كما بعد قبل عند
بين حتى اذا إذا كل هو هي هم انه أنه إنه وقد وفي ومن وعلى وان وأن التى الذى اي أي ايضا أيضا منذ خلال حيث الا إلا
ماذا متى كيف لماذا هل كم اين أين
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


_CONJ_AL = re.compile(r"^[وف](?=ال..)")
_LIGHT_PREFIX = re.compile(r"^(?:وال|فال|بال|كال|لل|ال|و(?=...))")
_LIGHT_SUFFIX = re.compile(r"(?:ها|ات|ون|ين|ان|ية|يه|ه|ة|ي)$")


@lru_cache(maxsize=300_000)
def _stem_ar(word: str, stemmer: str) -> str:
    """Stem one Arabic token (diacritics already stripped, letters as written) and normalise the result."""
    if stemmer == "snowball":
        return normalize_arabic(_stemmers()[0].stemWord(_CONJ_AL.sub("", word)))
    norm = normalize_arabic(word)
    if stemmer == "snowball-normalized":
        return _stemmers()[0].stemWord(norm)
    if stemmer == "light":
        w = _LIGHT_PREFIX.sub("", norm)
        stripped = _LIGHT_SUFFIX.sub("", w)
        return stripped if len(stripped) >= 2 else w
    return norm


@lru_cache(maxsize=100_000)
def _stem_en(word: str) -> str:
    return _stemmers()[1].stemWord(word)


def terms(text: str, *, stem: bool = True, stemmer: str = DEFAULT_STEMMER) -> list[str]:
    """Lexical terms of `text`: Arabic-normalised, stopwords dropped, stemmed per script."""
    if stemmer not in STEMMERS:
        raise ValueError(f"stemmer must be one of {', '.join(STEMMERS)}")
    if not stem:
        stemmer = "none"
    return [term for tok in _tokens(text) if (term := _term(tok, stemmer))]


def _term(tok: str, stemmer: str) -> str:
    """The index term of one token ("" for a stopword or a single Arabic letter)."""
    if _ARABIC_CHAR.match(tok):
        return _ar_term(tok, stemmer)
    tok = normalize_arabic(tok)
    if tok in EN_STOP:
        return ""
    return _stem_en(tok) if stemmer != "none" and not tok.isdigit() else tok


def arabic_term_words(text: str) -> list[tuple[str, str]]:
    """(term, word as written) for each Arabic token `terms` indexes: which word a stem stands for."""
    return [(term, tok) for tok in _tokens(text) if _ARABIC_CHAR.match(tok) and (term := _term(tok, DEFAULT_STEMMER))]


def term_words(text: str) -> list[tuple[str, str]]:
    """(term, word as written) for each Arabic or Latin-script token `terms` indexes (numbers left out)."""
    return [(term, tok) for tok in _tokens(text)
            if (_ARABIC_CHAR.match(tok) or _LATIN.search(tok)) and (term := _term(tok, DEFAULT_STEMMER))]


def arabic_words(text: str) -> list[str]:
    """Distinct Arabic words of `text` as written (stopwords and single letters dropped), in order."""
    return list(dict.fromkeys(tok for term, tok in arabic_term_words(text)))


def latin_words(text: str, *, cased: bool = False) -> list[str]:
    """Distinct lower-cased Latin-script words and numbers of `text` (English stopwords dropped), in order;
    `cased`: each as first written instead."""
    words = (w for w in _TOKEN.findall(unicodedata.normalize("NFKC", text))
             if _LATIN.search(w) or w.isascii() and w.isdigit())
    kept: dict[str, str] = {}
    for w in words:
        kept.setdefault(w.lower(), w)
    return [(w if cased else low) for low, w in kept.items() if len(low) > 1 and low not in EN_STOP]


def latin_names(text: str) -> set[str]:
    """Lower-cased Latin words written capitalised other than at a sentence's start: names, more likely than not
    ("Where is Wales?": a dictionary should not read it as "wale")."""
    text = unicodedata.normalize("NFKC", text)
    out = set()
    for m in _TOKEN.finditer(text):
        word, before = m.group(), text[: m.start()].rstrip()
        if word[:1].isupper() and _LATIN.search(word) and before and before[-1] not in ".?!؟":
            out.add(word.lower())
    return out


def _tokens(text: str) -> list[str]:
    # Tokenise the diacritic-free text as written; normalisation happens per token (after stemming).
    return _TOKEN.findall(strip_diacritics(unicodedata.normalize("NFKC", text)))


@lru_cache(maxsize=300_000)
def _ar_term(tok: str, stemmer: str) -> str:
    """The index term of one Arabic token, or "" for a stopword or a single letter."""
    norm = normalize_arabic(tok)
    if norm in AR_STOP or len(norm) < 2:
        return ""
    return _stem_ar(tok, stemmer)


def analyzer(stemmer: str = DEFAULT_STEMMER):
    """A `terms` function bound to one stemmer, for LexicalIndex(analyzer=...)."""
    if stemmer not in STEMMERS:
        raise ValueError(f"stemmer must be one of {', '.join(STEMMERS)}")

    def _terms(text: str) -> list[str]:
        return terms(text, stemmer=stemmer)

    _terms.__name__ = f"terms_{stemmer.replace('-', '_')}"
    return _terms


SCRIPTS = ("arabic", "latin")


def word_counts(text: str) -> tuple[int, int]:
    """(Arabic words, Latin-script words) in `text`, each word by its first letter: the one count behind every
    "which language is this question or passage" rule. Words, not letters, so that an Arabic question about
    "Xi Jinping" stays Arabic."""
    ar = lat = 0
    for word in _LETTERS.findall(text):
        if _ANY_ARABIC_LETTER.match(word):
            ar += 1
        elif _ANY_LATIN_LETTER.match(word):
            lat += 1
    return ar, lat


def text_script(text: str) -> str:
    """"arabic" or "latin", whichever words `text` has more of, ties to Arabic ("" with neither): a question's script."""
    ar, lat = word_counts(text)
    if not ar and not lat:
        return ""
    return "arabic" if ar >= lat else "latin"


def chunk_script(text: str) -> str:
    """"arabic" or "latin" by the majority of the chunk's index terms ("" with none): the lexical index's rule,
    so Chroma's script labels and the lexical index's per-language pools agree on every chunk."""
    ar = lat = 0
    for t in terms(text):
        sc = term_script(t)
        ar += sc == "arabic"
        lat += sc == "latin"
    return "arabic" if ar >= lat and ar else "latin" if lat else ""


def term_script(term: str) -> str:
    """The script of one index term ("" for numbers and other scripts)."""
    if _ARABIC_LETTER.match(term):
        return "arabic"
    return "latin" if _LATIN.search(term) else ""
