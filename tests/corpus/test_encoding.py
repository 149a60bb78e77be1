import codecs

import pytest

from corpus.encoding import decode_bytes
from corpus.errors import CorpusFileError
from retrieval.errors import KhabarError

ARABIC = "بكين 31 ديسمبر 2020 (شينخوا) قال الرئيس الصيني شي جين بينغ اليوم."


def test_seed_article_is_utf8(seed_path):
    text = decode_bytes(seed_path.read_bytes(), str(seed_path))
    assert text.startswith("بكين 31 ديسمبر 2020")


@pytest.mark.parametrize(
    "data",
    [
        ARABIC.encode("utf-8"),
        codecs.BOM_UTF8 + ARABIC.encode("utf-8"),
        codecs.BOM_UTF16_LE + ARABIC.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + ARABIC.encode("utf-16-be"),
        ARABIC.encode("utf-16"),
        ARABIC.encode("utf-32"),
        ARABIC.encode("cp1256"),
        ARABIC.encode("utf-16-le"),  # no BOM: NULs in every other byte
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16-native", "utf32", "cp1256", "utf16le-nobom"],
)
def test_supported_encodings_round_trip(data):
    assert decode_bytes(data, "x.txt") == ARABIC


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"", "empty"),
        (b"   \n\t ", "whitespace"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"abc\x00def\x00\x01\x02", "NUL"),
        (bytes(range(1, 32)) * 20, "control characters"),
    ],
)
def test_binary_and_empty_inputs_are_refused_with_a_reason(data, fragment):
    with pytest.raises(CorpusFileError) as info:
        decode_bytes(data, "bad.txt")
    assert fragment.lower() in info.value.reason.lower()
    assert isinstance(info.value, KhabarError)


def test_invalid_utf8_that_is_not_arabic_is_refused():
    data = "Ceci est un texte français très ordinaire.".encode("latin-1") + b"\x81\x8d\x8f"
    with pytest.raises(CorpusFileError) as info:
        decode_bytes(data, "fr.txt")
    assert "UTF-8" in info.value.reason


def test_mostly_arabic_cp1256_with_some_latin_is_accepted():
    text = "قال الوزير إن شركة Aramco ستعلن نتائجها. " * 5
    assert decode_bytes(text.encode("cp1256"), "x.txt") == text


def test_truncated_utf16_after_bom_is_refused():
    with pytest.raises(CorpusFileError):
        decode_bytes(codecs.BOM_UTF16_LE + "نص".encode("utf-16-le") + b"\x00\xd8", "x.txt")
