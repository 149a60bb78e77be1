"""Load articles from text files, JSON/JSONL/CSV records, zip archives and directories, chosen by content.

Every problem becomes a `LoadError(path, reason)` and iteration continues; nothing raises.

Record field mapping (JSON arrays, JSON objects, JSONL lines, CSV rows). Each article field is taken from
the first of its candidate keys present in the record (keys match case-insensitively); `field_map`
replaces the candidates for a field, e.g. `field_map={"text": "article_body", "date": ["published", "pubdate"]}`:

    article field  default record keys
    -------------  -------------------------------------------
    id             id
    title          title, headline
    text           text, content, body        (required; empty → LoadError "empty content")
    source         source, outlet, publisher
    url            url, link
    date           date, date_extracted, published, published_at   (first YYYY-MM-DD / DD-MM-YYYY or a
                                                                  dated phrase like "31 ديسمبر 2020")
    author         author, byline
    agency         agency
    city           city

Ids: the record's `id` when present, else derived from its URL (`u` + 16 hex of sha256 of the normalised
URL, identical across outlets and http/https), else from the record's path and index (`r` + 16 hex).
Plain-text files use their stem. City, date and agency missing from a record are filled from a dateline on
the first line of the text (`بكين 31 ديسمبر 2020 (شينخوا)`), then from a byline in its author field
(`لندن: رنيم حنوش`, `واس - الرياض`); a missing title is the first sentence.

Record paths look like `day.zip!day.json#12` (archive member, then record index; JSONL/CSV use the
line/row index). SaudiNewsNet archives are JSON arrays with `source, url, date_extracted, title, author,
content`, so they load with the defaults.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import stat
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from corpus.chunking import has_content
from corpus.clean import clean_text, derive_title
from corpus.normalize import strip_invisible
from corpus.dateline import parse_byline_field, parse_dateline
from corpus.outlets import outlet_id
from corpus.dates import iso_date, month_number, to_int
from corpus.encoding import decode_bytes
from corpus.errors import CorpusFileError
from corpus.ids import (article_id_for_path, article_id_for_record, article_id_for_url, content_hash,
                        is_file_stem_id, with_path_id)
from corpus.models import Article, LoadError

log = logging.getLogger(__name__)

MiB = 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 64 * MiB
DEFAULT_MAX_ZIP_RATIO = 100
MAX_ZIP_MEMBERS = 10_000
MAX_ID_CHARS = 128
MIN_BODY_WORDS = 8  # a record text shorter than this is a caption: its title is put in front of it

DEFAULT_FIELD_MAP: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "title": ("title", "headline"),
    "text": ("text", "content", "body"),
    "source": ("source", "outlet", "publisher"),
    "url": ("url", "link"),
    "date": ("date", "date_extracted", "published", "published_at"),
    "author": ("author", "byline"),
    "agency": ("agency",),
    "city": ("city",),
}

# Stable prefixes of LoadError reasons, for callers that count skipped records by kind.
EMPTY_CONTENT = "empty content"
NO_READABLE_TEXT = "no readable text"
DUPLICATE_ID = "duplicate article id"

_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
_NOT_ARTICLES = re.compile(r"(?i)(readme|licen[cs]e|copying|changelog|contributing|notice|authors)(\.[a-z]{1,4})?$")


def iter_articles(
    paths: Iterable[str | Path],
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_zip_ratio: float = DEFAULT_MAX_ZIP_RATIO,
    field_map: Mapping[str, str | Sequence[str]] | None = None,
) -> Iterator[Article | LoadError]:
    """Articles from files, directories and archives in a deterministic order; problems as LoadError."""
    loader = _Loader(max_file_bytes, max_zip_ratio, _field_map(field_map))
    for path in paths:
        # absolute, so ids derived from paths and the paths citations show do not depend on the working directory
        yield from loader.load_path(Path(os.path.abspath(path)))


def _field_map(overrides: Mapping[str, str | Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    fmap = dict(DEFAULT_FIELD_MAP)
    for key, value in (overrides or {}).items():
        if key not in fmap:
            raise ValueError(f"unknown article field {key!r} in field_map; known: {', '.join(fmap)}")
        fmap[key] = (value,) if isinstance(value, str) else tuple(value)
    return fmap


class _Loader:
    def __init__(self, max_file_bytes: int, max_zip_ratio: float, fmap: dict[str, tuple[str, ...]]) -> None:
        self.max_file_bytes = max_file_bytes
        self.max_zip_ratio = max_zip_ratio
        self.fmap = fmap
        self.seen_ids: dict[str, str] = {}
        self.seen_dirs: set[tuple[int, int]] = set()

    # ---- walking -------------------------------------------------------------------------------
    def load_path(self, path: Path) -> Iterator[Article | LoadError]:
        try:
            st = path.stat()
        except FileNotFoundError:
            if path.is_symlink():
                yield LoadError(str(path), "broken symlink: its target does not exist")
            else:
                yield LoadError(str(path), "no such file or directory (it may have been removed while loading)")
            return
        except OSError as exc:
            yield LoadError(str(path), _os_reason(exc))
            return
        if stat.S_ISDIR(st.st_mode):
            yield from self._load_dir(path, st)
        elif stat.S_ISREG(st.st_mode):
            yield from self._load_file(path, st.st_size)
        else:
            yield LoadError(str(path), "not a regular file or directory (device, socket or pipe)")

    def _load_dir(self, path: Path, st: os.stat_result) -> Iterator[Article | LoadError]:
        key = (st.st_dev, st.st_ino)
        if key in self.seen_dirs:
            yield LoadError(str(path), "directory already visited (symlink loop or second link to it); skipped")
            return
        self.seen_dirs.add(key)
        try:
            with os.scandir(path) as it:
                names = sorted(entry.name for entry in it)
        except OSError as exc:
            yield LoadError(str(path), _os_reason(exc))
            return
        for name in names:
            if name.startswith(".") or name == "__MACOSX":
                continue
            if _NOT_ARTICLES.match(name):  # a dataset's own README or LICENSE is not news (named files still load)
                log.info("not an article, skipped: %s", path / name)
                continue
            yield from self.load_path(path / name)

    def _load_file(self, path: Path, size: int) -> Iterator[Article | LoadError]:
        where = str(path)
        try:
            with open(path, "rb") as f:
                head = f.read(4)
                if head in _ARCHIVE_MAGIC or (path.suffix.lower() == ".zip" and size > 0):
                    f.seek(0)
                    yield from self._load_zip(f, where)
                    return
                if size > self.max_file_bytes:
                    yield LoadError(where, _too_big(size, self.max_file_bytes))
                    return
                data = head + f.read(self.max_file_bytes + 1 - len(head))
        except FileNotFoundError:
            yield LoadError(where, "file vanished while loading")
            return
        except OSError as exc:
            yield LoadError(where, _os_reason(exc))
            return
        if len(data) > self.max_file_bytes:  # grew after stat
            yield LoadError(where, _too_big(len(data), self.max_file_bytes))
            return
        yield from self._load_bytes(data, where, path.name)

    # ---- archives ------------------------------------------------------------------------------
    def _load_zip(self, f: io.BufferedReader, where: str) -> Iterator[Article | LoadError]:
        try:
            archive = zipfile.ZipFile(f)
            infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            yield LoadError(where, f"truncated or corrupt zip archive: {exc}")
            return
        if len(infos) > MAX_ZIP_MEMBERS:
            yield LoadError(where, f"zip archive has {len(infos)} members, more than {MAX_ZIP_MEMBERS}")
            return
        for info in sorted(infos, key=lambda i: i.filename):
            name = info.filename
            if info.is_dir() or any(part.startswith(".") or part == "__MACOSX" for part in name.split("/")):
                continue
            member = f"{where}!{name}"
            if info.file_size > self.max_file_bytes:
                yield LoadError(member, _too_big(info.file_size, self.max_file_bytes) + " (uncompressed)")
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > self.max_zip_ratio and info.file_size > 1 * MiB:
                yield LoadError(
                    member,
                    f"compression ratio {ratio:.0f}:1 exceeds max_zip_ratio {self.max_zip_ratio:g}:1 (possible zip bomb)",
                )
                continue
            try:
                with archive.open(info) as m:
                    data = m.read(self.max_file_bytes + 1)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
                yield LoadError(member, f"cannot read archive member (truncated or corrupt zip?): {exc}")
                continue
            except Exception as exc:  # zlib.error and friends from a damaged stream
                yield LoadError(member, f"cannot decompress archive member: {exc}")
                continue
            if len(data) > self.max_file_bytes:
                yield LoadError(member, "member expands past max_file_bytes; its declared size is wrong (zip bomb?)")
                continue
            if data[:4] in _ARCHIVE_MAGIC:
                yield LoadError(member, "nested archives are not supported; unpack it first")
                continue
            yield from self._load_bytes(data, member, name.rsplit("/", 1)[-1])

    # ---- content sniffing ----------------------------------------------------------------------
    def _load_bytes(self, data: bytes, where: str, name: str) -> Iterator[Article | LoadError]:
        try:
            text = decode_bytes(data, where)
        except CorpusFileError as exc:
            yield LoadError(where, exc.reason)
            return
        suffix = os.path.splitext(name)[1].lower()
        start = text.lstrip()[:1]
        if suffix == ".jsonl" or suffix == ".ndjson":
            yield from self._load_jsonl(text, where)
        elif start in "[{" and suffix not in _TEXT_SUFFIXES | {".csv", ".tsv"}:
            yield from self._load_json(text, where)
        elif start in "[{":
            # A .txt file may hold JSON; if it does not parse, it is prose that starts with a bracket.
            records = _try_json(text)
            if records is None:
                yield from self._load_text(text, where, name)
            else:
                yield from self._load_json(text, where)
        elif suffix in (".csv", ".tsv") or _looks_like_csv_header(text, self.fmap):
            yield from self._load_csv(text, where, "\t" if suffix == ".tsv" else None)
        elif suffix == ".json":
            yield LoadError(where, "invalid JSON: does not start with '[' or '{'")
        else:
            yield from self._load_text(text, where, name)

    def _load_text(self, text: str, where: str, name: str) -> Iterator[Article | LoadError]:
        yield from self._emit(self._article({"text": text}, where, article_id_for_path(name), text_file=True), where)

    def _load_json(self, text: str, where: str) -> Iterator[Article | LoadError]:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            if "\n" in text.strip() and text.lstrip().startswith("{"):
                yield from self._load_jsonl(text, where)
                return
            yield LoadError(where, f"truncated or invalid JSON: {exc.msg.removesuffix(' at')} at line {exc.lineno} column {exc.colno}")
            return
        except RecursionError:
            yield LoadError(where, "invalid JSON: nested too deeply")
            return
        if isinstance(value, dict):
            nested = next((v for k, v in value.items() if k.lower() in ("articles", "data", "items", "records")
                           and isinstance(v, list)), None)
            records = nested if nested is not None else [value]
        elif isinstance(value, list):
            records = value
        else:
            yield LoadError(where, f"JSON holds a {type(value).__name__}, not an article or a list of articles")
            return
        if not records:
            yield LoadError(where, "JSON array is empty: no articles")
            return
        for index, record in enumerate(records):
            yield from self._record(record, f"{where}#{index}")

    def _load_jsonl(self, text: str, where: str) -> Iterator[Article | LoadError]:
        any_line = False
        for index, line in enumerate(text.splitlines()):
            if not line.strip():
                continue
            any_line = True
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                yield LoadError(f"{where}#{index}", f"invalid JSON line: {getattr(exc, 'msg', exc)}")
                continue
            yield from self._record(record, f"{where}#{index}")
        if not any_line:
            yield LoadError(where, "empty file")

    def _load_csv(self, text: str, where: str, delimiter: str | None) -> Iterator[Article | LoadError]:
        if csv.field_size_limit() < self.max_file_bytes:
            csv.field_size_limit(self.max_file_bytes)  # process-wide, only ever raised
        if delimiter is None:
            first = text.split("\n", 1)[0]
            delimiter = max(",;\t", key=first.count)
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            if not reader.fieldnames:
                yield LoadError(where, "CSV has no header row")
                return
            for index, row in enumerate(reader):
                if None in row:  # more cells than header columns
                    row.pop(None)
                yield from self._record(row, f"{where}#{index}")
        except csv.Error as exc:
            yield LoadError(where, f"malformed CSV at line {reader.line_num}: {exc}")

    # ---- records -------------------------------------------------------------------------------
    def _record(self, record: object, where: str) -> Iterator[Article | LoadError]:
        if not isinstance(record, dict):
            yield LoadError(where, f"record is a {type(record).__name__}, not an object with article fields")
            return
        yield from self._emit(self._article(record, where, None, text_file=False), where)

    def _article(self, record: dict, where: str, file_id: str | None, *, text_file: bool) -> Article | LoadError:
        fields = _mapped(record, self.fmap)
        raw_text = fields["text"]
        if not raw_text.strip():
            return LoadError(where, f"{EMPTY_CONTENT}: the record has no article text")
        text = clean_text(raw_text)
        if not has_content(text):
            return LoadError(where, f"{NO_READABLE_TEXT}: only whitespace, punctuation or diacritics")
        date = _record_date(fields["date"])
        year = int(date[:4]) if date else None
        dateline = parse_dateline(text, year=year)
        city, agency = fields["city"], fields["agency"]
        body_start = 0
        if dateline is not None:
            city = city or dateline.city
            agency = agency or dateline.agency
            date = date or dateline.date
            body_start = dateline.end
        if fields["author"].strip() and not (city and agency):  # the byline a record keeps apart from its text
            byline = parse_byline_field(fields["author"])
            if byline is not None:
                city, agency = city or byline.city, agency or byline.agency
        title = " ".join(fields["title"].split()) or derive_title(text[body_start:]) or derive_title(text)
        body_words = len(text[body_start:].split())
        headline = " ".join(strip_invisible(clean_text(fields["title"])).split())
        if (headline and body_words < MIN_BODY_WORDS < len(headline.split()) + body_words
                and headline not in " ".join(strip_invisible(text).split())):
            # a record whose text is only a caption or a name ("شديد الحربي"; 6 of SaudiNewsNet's 1,302 on
            # 2015-07-23) under a real headline: the headline is what it says, and a two-word chunk otherwise
            # tops short searches
            text = f"{headline}\n\n{text}"
        if file_id is not None:
            article_id = file_id
        elif fields["id"].strip():
            article_id = _safe_id(fields["id"])
        elif fields["url"].strip():
            article_id = article_id_for_url(fields["url"])
        else:
            article_id = article_id_for_record(where.split("!", 1)[-1] if "!" in where else where, _index(where))
        article = Article(
            article_id=article_id,
            text=text,
            title=title,
            source=fields["source"].strip() or outlet_id(dateline.extra.get("outlet", "") if dateline else ""),
            agency=agency.strip(),
            city=city.strip(),
            date=date,
            url=fields["url"].strip(),
            author=fields["author"].strip(),
            path=where,
        )
        return replace(article, content_hash=content_hash(article))

    def _emit(self, item: Article | LoadError, where: str) -> Iterator[Article | LoadError]:
        if isinstance(item, Article):
            first = self.seen_ids.get(item.article_id)
            if first is not None and first != where and is_file_stem_id(item):
                item = with_path_id(item)  # 2015/article.txt and 2016/article.txt: two articles
                first = self.seen_ids.get(item.article_id)
            if first is not None:
                yield LoadError(where, f"{DUPLICATE_ID} {item.article_id}: already loaded from {first}; skipped")
                return
            self.seen_ids[item.article_id] = where
        yield item


def _mapped(record: dict, fmap: dict[str, tuple[str, ...]]) -> dict[str, str]:
    lowered = {str(k).strip().lower(): v for k, v in record.items()}
    out: dict[str, str] = {}
    for field, keys in fmap.items():
        value: object = None
        for key in keys:
            value = lowered.get(key.lower())
            if value not in (None, ""):
                break
        out[field] = _as_text(value)
    return out


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_as_text(v) for v in value)
    if isinstance(value, (int, float, bool)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?!\d)")
_WORDY = re.compile(r"(\d{1,2})\s+(\S+(?:\s+\S+)?)\s+(\d{4})")


def _record_date(value: str) -> str:
    """ISO date from `2015-07-23 19:28:17`, `2015/7/23`, `23-07-2015` or `31 ديسمبر 2020`; "" otherwise."""
    value = value.strip()
    if not value:
        return ""
    from corpus.normalize import normalize_arabic  # digits → ASCII

    value = normalize_arabic(value)
    if m := _ISO.search(value):
        return iso_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.search(value):
        return iso_date(int(m[3]), int(m[2]), int(m[1]))
    if m := _WORDY.search(value):
        for month_raw in (m[2], m[2].split()[0]):
            month = month_number(month_raw)
            if month:
                return iso_date(to_int(m[3]), month, to_int(m[1]))
    return ""


def _safe_id(raw: str) -> str:
    cleaned = re.sub(r"[^\w.\-]+", "_", raw.strip())[:MAX_ID_CHARS].strip("_")
    return cleaned or article_id_for_url(raw)


def _index(where: str) -> int:
    try:
        return int(where.rsplit("#", 1)[1])
    except (IndexError, ValueError):
        return 0


def _try_json(text: str) -> object | None:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None


def _looks_like_csv_header(text: str, fmap: dict[str, tuple[str, ...]]) -> bool:
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip().lower()
    if not first or len(first) > 2000:
        return False
    text_keys = {k.lower() for k in fmap["text"]}
    for delimiter in (",", "\t", ";"):
        cells = [c.strip().strip('"') for c in first.split(delimiter)]
        if len(cells) >= 2 and text_keys & set(cells):
            return True
    return False


def _too_big(size: int, limit: int) -> str:
    return f"file is {size / MiB:.1f} MiB, larger than max_file_bytes ({limit / MiB:.1f} MiB)"


def _os_reason(exc: OSError) -> str:
    return f"cannot read: {exc.strerror or exc}"
