"""Month names (Arabic Gulf/Egyptian and Levantine, English) and date windows mentioned in questions."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from corpus.normalize import normalize_arabic

# Keys are normalize_arabic() forms, so hamza/alef/ya/ta-marbuta/diacritic variants all match.
_ARABIC_MONTHS = {
    "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6,
    "يوليو": 7, "يوليه": 7, "اغسطس": 8, "سبتمبر": 9, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    "كانون الثاني": 1, "شباط": 2, "اذار": 3, "نيسان": 4, "ايار": 5, "حزيران": 6, "تموز": 7, "اب": 8,
    "ايلول": 9, "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الاول": 12,
    "كانون الثانى": 1, "تشرين الثانى": 11,  # ى already folds to ي; kept for readers
}
_ENGLISH_MONTHS = {
    name.lower(): i for i, name in enumerate(calendar.month_name) if name
} | {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}

# A month-name token as it may appear in raw text: Levantine two-word names first, then any word.
_AR_WORD = r"[\u0621-\u064a\u0660-\u0669\u0670-\u06d3\u064b-\u065f\u0640]+"
MONTH_TOKEN = rf"(?:(?:[وبلف])?(?:كانون|تشرين)\s+{_AR_WORD}|{_AR_WORD}|[A-Za-z]{{3,9}}\.?)"
_DIGITS = r"[0-9\u0660-\u0669\u06f0-\u06f9]"


def month_number(token: str) -> int | None:
    """Month 1-12 for an Arabic (either tradition) or English month name, tolerant of spelling variants."""
    raw = token.strip().rstrip(".")
    if raw.isascii():
        return _ENGLISH_MONTHS.get(raw.lower())
    key = " ".join(normalize_arabic(raw).split())
    if key in _ARABIC_MONTHS:
        return _ARABIC_MONTHS[key]
    if len(key) > 3 and key[0] in "وبلف" and key[1:] in _ARABIC_MONTHS:  # وديسمبر، بديسمبر
        return _ARABIC_MONTHS[key[1:]]
    return None


def to_int(digits: str) -> int:
    """int() of ASCII, Arabic-Indic or Persian digits."""
    return int(normalize_arabic(digits))


def iso_date(year: int, month: int, day: int) -> str:
    """YYYY-MM-DD, or "" when the date does not exist."""
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""


@dataclass(frozen=True, slots=True)
class DateWindow:
    """A closed ISO date window a question asked about, and where it was said (to strip it from the query)."""

    since: str
    until: str
    start: int
    end: int
    granularity: str  # "day" | "month" | "year"


_PREP = r"(?:(?:in|during|on|since|from|throughout)\s+(?:the\s+)?(?:month\s+of\s+|year\s+(?:of\s+)?)?|(?:في|خلال|منذ|عام|العام|سنة|شهر|بتاريخ|يوم|في\s+عام|في\s+شهر|في\s+سنة|خلال\s+عام|خلال\s+شهر)\s+)"
_YEAR = rf"(?P<year>(?:1[89]|20){_DIGITS}{{2}}|[\u0661][\u0669][\u0660-\u0669]{{2}}|[\u0662][\u0660][\u0660-\u0669]{{2}}|[\u06f1][\u06f9][\u06f0-\u06f9]{{2}}|[\u06f2][\u06f0][\u06f0-\u06f9]{{2}})"
_DAY = rf"(?P<day>{_DIGITS}{{1,2}})"
_MONTH = rf"(?P<month>{MONTH_TOKEN})(?:\s*[/\\]\s*(?P<month2>{MONTH_TOKEN}))?"
# Word boundaries that treat Arabic tatweel and diacritics as part of a word, and Arabic punctuation (؟ ، ؛) not.
_B = r"(?<![\w\u0640\u064b-\u065f\u0670])"
_E = r"(?![\w\u0640\u064b-\u065f\u0670])"
_SEP = r"\s*[,،]?\s*"
_MONTH_YEAR_SEP = rf"(?:\s+(?:من\s+)?(?:عام|العام|سنة)\s+|\s+of\s+|{_SEP})"  # "يوليو من عام 2015", "July of 2015"
_MNUM = r"(?P<mnum>0?[1-9]|1[0-2])"

_WINDOW_PATTERNS = [
    ("day", re.compile(rf"{_B}(?:{_PREP})?(?P<year>(?:19|20)\d\d)-(?P<mnum>0[1-9]|1[0-2])-(?P<day>[0-3]\d){_E}", re.I)),
    ("day", re.compile(rf"{_B}(?:{_PREP})?{_DAY}\s*/\s*{_MNUM}\s*/\s*{_YEAR}{_E}", re.I)),  # 23/7/2015, day first
    ("day", re.compile(rf"{_B}(?:{_PREP})?{_DAY}(?:st|nd|rd|th)?\s*(?:of\s+)?{_MONTH}{_SEP}{_YEAR}{_E}", re.I)),
    ("day", re.compile(rf"{_B}(?:{_PREP})?{_MONTH}\s+{_DAY}(?:st|nd|rd|th)?{_SEP}{_YEAR}{_E}", re.I)),
    ("month", re.compile(rf"{_B}(?:{_PREP})?{_MONTH}{_MONTH_YEAR_SEP}{_YEAR}{_E}", re.I)),
    ("month", re.compile(rf"{_B}(?:{_PREP})?(?P<year>(?:19|20)\d\d)-(?P<mnum>0[1-9]|1[0-2]){_E}", re.I)),
    ("month", re.compile(rf"{_B}{_PREP}{_MNUM}\s*/\s*{_YEAR}{_E}", re.I)),  # "في 07/2015" (a bare 7/2015 may be a number)
    ("year", re.compile(rf"{_B}{_PREP}{_YEAR}{_E}", re.I)),
]


def parse_date_window(text: str) -> DateWindow | None:
    """Find the first day/month/year a question restricts itself to ("in December 2020", "في ٢٠٢٠")."""
    best: DateWindow | None = None
    for granularity, pattern in _WINDOW_PATTERNS:
        for m in pattern.finditer(text):
            window = _window_from_match(m, granularity)
            if window is None:
                continue
            if best is None or window.start < best.start:
                best = window
            break
    return best


def parse_month_window(text: str) -> DateWindow | None:
    """Alias kept for callers that think in months; days and whole years are also recognised."""
    return parse_date_window(text)


def _window_from_match(m: re.Match[str], granularity: str) -> DateWindow | None:
    groups = m.groupdict()
    year = to_int(groups["year"])
    if groups.get("mnum"):
        month: int | None = int(groups["mnum"])
    elif groups.get("month"):
        month = month_number(groups["month"])
        if month is None:
            return None
        if groups.get("month2") and month_number(groups["month2"]) not in (None, month):
            return None
    else:
        month = None
    if granularity == "year":
        return DateWindow(f"{year:04d}-01-01", f"{year:04d}-12-31", m.start(), m.end(), "year")
    assert month is not None
    if granularity == "day":
        day = iso_date(year, month, to_int(groups["day"]))
        return DateWindow(day, day, m.start(), m.end(), "day") if day else None
    last = calendar.monthrange(year, month)[1]
    return DateWindow(f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}", m.start(), m.end(), "month")
