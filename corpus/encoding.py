"""Decode article bytes: UTF-8 (with or without BOM), UTF-16/32 with BOM, or Windows-1256 Arabic; refuse binaries."""

from __future__ import annotations

import codecs
import logging
import unicodedata

from corpus.errors import CorpusFileError

log = logging.getLogger(__name__)

_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"%PDF-", "a PDF document"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"RIFF", "a RIFF (WebP/WAV/AVI) file"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "a Windows executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"ID3", "an MP3 file"),
    (b"OggS", "an Ogg file"),
    (b"\x00\x00\x00\x18ftyp", "an MP4 video"),
    (b"\x00\x00\x00\x20ftyp", "an MP4 video"),
]
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
_MAX_CONTROL_RATIO = 0.05
_MIN_ARABIC_RATIO = 0.6  # share of Arabic letters among non-ASCII characters for a cp1256 guess


def decode_bytes(data: bytes, path: str) -> str:
    """Text of `data`, or CorpusFileError saying why `path` is not a readable text file."""
    if not data.strip():
        raise CorpusFileError("empty file" if not data else "file contains only whitespace")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise CorpusFileError(f"binary file: looks like {what}, not text")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise CorpusFileError(f"invalid {encoding.upper()} after its byte-order mark at byte {exc.start + len(bom)}") from None
            return _check_text(text, encoding)
    if b"\x00" in data:
        guess = _bomless_utf16(data)
        if guess is None:
            raise CorpusFileError("binary file: contains NUL bytes")
        return _check_text(guess, "utf-16 (no BOM)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    else:
        return _check_text(text, "utf-8")
    text = data.decode("cp1256", errors="replace")
    if _looks_arabic(text):
        log.debug("%s: not UTF-8, decoded as Windows-1256", path)
        return _check_text(text, "windows-1256")
    raise CorpusFileError(
        f"invalid UTF-8 at byte {utf8_error.start} and not Windows-1256 Arabic either; "
        "re-save the file as UTF-8"
    )


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM shows NULs in every other byte (for Latin and Arabic alike)."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for nuls, encoding in ((odd, "utf-16-le"), (even, "utf-16-be")):
        other = even if nuls is odd else odd
        if nuls.count(0) + nuls.count(6) >= 0.9 * len(nuls) and other.count(0) < 0.1 * len(other):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def _looks_arabic(text: str) -> bool:
    non_ascii = [ch for ch in text if ord(ch) > 127 and not ch.isspace()]
    if not non_ascii:
        return False
    # Core Arabic letters, harakat and punctuation; cp1256's Persian/Urdu extras (پ چ ڈ...) do not count.
    arabic = sum(1 for ch in non_ascii if "\u0621" <= ch <= "\u0652" or ch in "\u060c\u061b\u061f")
    return arabic / len(non_ascii) >= _MIN_ARABIC_RATIO


def _check_text(text: str, encoding: str) -> str:
    """Reject decodings that are mostly control characters (binary data that happened to decode)."""
    if not text.strip():
        raise CorpusFileError("file contains only whitespace")
    sample = text[:65536]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    if controls > _MAX_CONTROL_RATIO * len(sample):
        raise CorpusFileError(f"binary file: {controls} control characters in the first {len(sample)} ({encoding})")
    return text
