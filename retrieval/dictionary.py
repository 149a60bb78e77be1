"""English-Arabic and Arabic-English dictionaries (FreeDict's dictd files) for translating a question's words.

The term vectors translate an English word into the Arabic terms the embedding model puts nearest it, and
for many words those are sound-alikes ("Sudan" → «سويد», "many" → «عديد»). A dictionary gives the word's
meaning instead. It is optional: where it has no entry for a word, or there is no dictionary, the term vectors
translate it (README "A dictionary first" has the measured effect). The Arabic-English one translates an
Arabic question's words for the English articles of a mixed corpus.

FreeDict's dictionaries (GPL) are not shipped with Khabar; `scripts/get-dictionary.sh` fetches Debian's
packages `dict-freedict-eng-ara` and `dict-freedict-ara-eng` where apt is available.
"""

from __future__ import annotations

import gzip
import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path

from corpus.normalize import normalize_arabic

log = logging.getLogger(__name__)

_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_SPLIT = re.compile(r"[،,;؛\n]")
_SENSE = re.compile(r"^\d+\.\s*")  # "1. ممتاز" in an entry of numbered senses
MAX_WORDS = 3  # longer "translations" are glosses ("ISIS" → «إيزيس - الرّبّة الرّئيسيّة المعبودة من»)


def _b64(text: str) -> int:
    n = 0
    for c in text:
        n = n * 64 + _B64[c]
    return n


def base_forms(word: str) -> list[str]:
    """`word` and the forms it may be inflected from, most likely first ("cities" → "city", "founded" → "found")."""
    out = [word]
    if len(word) > 4 and word.endswith("ies"):
        out.append(word[:-3] + "y")
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        out.append(word[:-1])
        if word.endswith("es"):
            out.append(word[:-2])
    if len(word) > 4 and word.endswith("ed"):
        out += [word[:-1], word[:-2]]
    if len(word) > 5 and word.endswith("ing"):
        out += [word[:-3] + "e", word[:-3]]
    return out


def arabic_stems(word: str) -> list[str]:
    """A normalised Arabic word without «ال» and its clitics, most likely first: FreeDict's Arabic headwords
    mostly carry «ال», a question's words carry clitics («والنفط», «للملك»), and each of these is looked up
    with and without «ال» («فيلم» stays whole: a one-letter clitic comes off only with four letters left)."""
    n = normalize_arabic(word)
    out = [n]
    for prefix in ("وال", "بال", "فال", "كال", "لل", "ال"):
        if n.startswith(prefix) and len(n) >= len(prefix) + 3:
            out.append(n[len(prefix):])
            break
    else:
        if n[:1] in ("و", "ب", "ف", "ل") and len(n) >= 5:
            out.append(n[1:])
    return list(dict.fromkeys(f[2:] if f.startswith("ال") and len(f) >= 5 else f for f in out))


def parse_entry(entry: str) -> list[str]:
    """The translations of one dictd entry: the lines after its headword line, split at commas, unnumbered, glosses
    dropped (on XQuAD en→ar dropping them changed no question's rank)."""
    _, _, body = entry.partition("\n")
    parts = (_SENSE.sub("", part.strip()) for part in _SPLIT.split(body))
    return [t for t in parts if t and len(t.split()) <= MAX_WORDS and " - " not in t]


class Dictionary:
    """Headword → translations, read from a dictd `.index` and the `.dict.dz` (or `.dict`) beside it.

    `source` is the headwords' language: "en" keys them lower-cased and looks words up by `base_forms`, "ar"
    keys them normalised (`normalize_arabic`) and looks words up by `arabic_stems`.
    """

    def __init__(self, entries: dict[str, tuple[str, ...]] | None = None, *, path: Path | None = None,
                 source: str = "en") -> None:
        if source not in ("en", "ar"):
            raise ValueError(f"source must be en or ar, not {source!r}")
        self.path = Path(path) if path else None
        self.source = source
        self._key: Callable[[str], str] = str.lower if source == "en" else normalize_arabic
        self._entries = None if entries is None else self._keyed(entries.items())
        self._lock = threading.Lock()

    def _keyed(self, pairs) -> dict[str, tuple[str, ...]]:
        """Headwords that are one key once case or spelling is folded pool their translations."""
        out: dict[str, list[str]] = {}
        for head, translations in pairs:
            out.setdefault(self._key(head), []).extend(translations)
        return {head: tuple(dict.fromkeys(t)) for head, t in out.items() if t}

    @classmethod
    def open(cls, index_path: str | Path, *, source: str = "en") -> "Dictionary":
        """A dictionary read on first use, so questions that need no translation never pay for it."""
        return cls(path=Path(index_path), source=source)

    @property
    def entries(self) -> dict[str, tuple[str, ...]]:
        if self._entries is None:
            with self._lock:
                if self._entries is None:
                    self._entries = self._read()
        return self._entries

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, word: str, *, inflected: bool = True) -> tuple[str, ...]:
        """Translations of `word`, case and spelling aside: of the first of its base forms the dictionary has
        (English; only the word itself when not `inflected`), or of the first of its stems written with or
        without «ال», both pooled (Arabic: «مدينة» alone is "Polis", «المدينة» is "City")."""
        entries = self.entries
        if self.source == "en":
            for form in base_forms(word.lower()) if inflected else (word.lower(),):
                if form in entries:
                    return entries[form]
            return ()
        for stem in arabic_stems(word):
            found = entries.get(stem, ()) + entries.get("ال" + stem, ())
            if found:
                return tuple(dict.fromkeys(found))
        return ()

    def _read(self) -> dict[str, tuple[str, ...]]:
        index = self.path
        base = str(index)[: -len(".index")] if str(index).endswith(".index") else str(index)
        try:
            dz, plain = Path(base + ".dict.dz"), Path(base + ".dict")
            data = gzip.decompress(dz.read_bytes()) if dz.exists() else plain.read_bytes()
            lines = index.read_text(encoding="utf-8").split("\n")
        except Exception as exc:  # noqa: BLE001 - optional data: the search goes on without it
            log.warning("dictionary %s cannot be read (%s); words are translated without it", index, exc)
            return {}
        pairs, bad = [], 0
        for line in lines:
            fields = line.split("\t")
            if len(fields) < 3 or not fields[0] or fields[0].startswith(("00-database", "00database")):
                continue
            try:
                start = _b64(fields[1])
                entry = data[start : start + _b64(fields[2])].decode("utf-8", errors="replace")
            except KeyError:  # not base64: a damaged line costs its own entry only
                bad += 1
                continue
            pairs.append((fields[0], parse_entry(entry)))
        entries = self._keyed(pairs)
        if bad:
            log.warning("dictionary %s: %d damaged index lines skipped", index, bad)
        log.info("dictionary %s: %d headwords", index, len(entries))
        return entries
