"""Parse news datelines such as `بكين 31 ديسمبر 2020 (شينخوا)` or `BEIJING, Dec. 31 (Xinhua) --`, and the
bylines Arabic outlets open their own stories with, such as `عبدالله البرقاوي - سبق - الرياض:`."""

from __future__ import annotations

import html
import re

from corpus.agencies import AGENCY_NAMES
from corpus.dates import MONTH_TOKEN, iso_date, month_number, to_int
from corpus.models import Dateline
from corpus.normalize import normalize_arabic, strip_invisible
from corpus.outlets import OUTLETS

_HEAD_CHARS = 300  # a dateline lives at the very start; never scan a whole article

# Wire agencies recognised without parentheses (`الرياض - واس`); in parentheses anything short is accepted.
_AGENCY_ALT = "|".join(sorted((re.escape(a).replace(r"\ ", r"\s+").replace(r"\.", r"\.\s*") for a in AGENCY_NAMES),
                             key=len, reverse=True))  # `د.ب.أ` also as `د. ب. أ`

_D = r"[0-9\u0660-\u0669\u06f0-\u06f9]"
# City: 1-3 words of letters (Arabic or Latin; Arabic diacritics as in عمّان), no digits.
_CITY = r"(?P<city>[^\W\d_](?:[^\W\d_]|['’\-\.\u064b-\u065f\u0670])*(?:[ \t]+[^\W\d_](?:[^\W\d_]|['’\-\.\u064b-\u065f\u0670])*){0,2}?)"
_DASH = r"[-–—ـ]{1,2}"
_SEP = rf"(?:[ \t]*(?:[,،:]|{_DASH})?[ \t]*)"
_DATE_AR = rf"(?P<day>{_D}{{1,2}})[ \t]+(?P<month>{MONTH_TOKEN})(?:[ \t]*[/\\][ \t]*(?P<month2>{MONTH_TOKEN}))?(?:[ \t]*[,،]?[ \t]*(?P<year>{_D}{{4}}))?"
_DATE_EN = r"(?P<month_en>[A-Za-z]{3,9}\.?)[ \t]+(?P<day_en>\d{1,2})(?:[ \t]*,?[ \t]*(?P<year_en>\d{4}))?"
_KNOWN_RE = re.compile(rf"(?:{_AGENCY_ALT})", re.I)
_PAREN_AGENCY = r"\((?P<agency>[^()\n]{1,40})\)"
_BARE_AGENCY = rf"(?<![\w\u0600-\u06ff])(?P<agency2>{_AGENCY_ALT})(?![\w\u0600-\u06ff])"
_TAIL = rf"(?:[ \t]*(?:{_DASH}|:)+)?[ \t]*"

_PATTERNS = [
    # CITY [sep] DATE [sep] (AGENCY) | CITY [sep] DATE [sep] AGENCY-known | CITY [sep] DATE :|-|newline
    re.compile(rf"^\s*{_CITY}{_SEP}(?:{_DATE_AR}|{_DATE_EN}){_SEP}(?:{_PAREN_AGENCY}|{_BARE_AGENCY})?{_TAIL}"),
    # AGENCY-known - CITY (COUNTRY):   e.g. `رويترز- بنغازي (ليبيا):`
    re.compile(rf"^\s*{_BARE_AGENCY}[ \t]*{_DASH}[ \t]*{_CITY}(?:[ \t]*\((?P<country>[^()\n:/]{{1,30}})\))?[ \t]*(?::|{_DASH})[ \t]*"),
    # CITY (AGENCY) | CITY - AGENCY-known
    re.compile(rf"^\s*{_CITY}(?:{_SEP}{_PAREN_AGENCY}|[ \t]*{_DASH}[ \t]*{_BARE_AGENCY}){_TAIL}"),
]

# Outlets that name themselves in a byline (`سبق - جدة:`, `عين اليوم – واس`, `REPORTER - سبق - أبها:`): the
# segment after the outlet is the city (or an agency), the one before it the reporter; the outlet is neither.
# Only names that are not also ordinary words (الخليج, العربية, اليوم would turn `الخليج - إيران` headlines into
# datelines) or cities (الرياض, المدينة, مكة: there the name is the city).
_OUTLETS = ["سبق", "عين اليوم", "عكاظ", "الوئام", "الاقتصادية", "الشرق الأوسط", "الأهرام", "الرياضية"]
_WEEKDAYS = ["السبت", "الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة"]
# Dateline places that are not places: "follow-ups", "agencies", "world capitals", "exclusive", a weekday...
_NOT_PLACE = ["متابعات", "متابعة", "وكالات", "الوكالات", "عواصم", "خاص", "تقرير", "ترجمة", "إعداد", "تصوير", "مكتب",
              "بروفايل", *_WEEKDAYS]
_WORD = r"[^\W\d_](?:[^\W\d_]|['’\.\u064b-\u065f\u0670])*"
_SEGMENT = rf"{_WORD}(?:(?:[ \t]+|[ \t]*/[ \t]*){_WORD}){{0,3}}"  # `نيويورك/لندن`: two places in one segment
_BYLINE_SEP = r"(?:[ \t]*[-–—][ \t]*|[ \t]+ـ+[ \t]+)"  # a tatweel dash only between spaces (أبهــا is one word)
_BYLINE = re.compile(
    rf"^\s*(?P<segs>{_SEGMENT}(?:{_BYLINE_SEP}{_SEGMENT}){{1,2}})"
    rf"(?:{_BYLINE_SEP}?[ \t]*\((?P<credit>[^()\n]{{1,60}})\))?[ \t]*(?P<stop>:|\n|$)"
)

# Words that start ordinary sentences and must never be taken for a city.
_NOT_CITY = {
    normalize_arabic(w)
    for w in (
        "في", "من", "منذ", "يوم", "حتى", "قبل", "بعد", "خلال", "على", "إلى", "عن", "مع", "وفي", "ومن", "أكد", "قال",
        "أعلن", "ذكرت", "ذكر", "أفادت", "أفاد", "اليوم", "أمس", "غدا", "هذا", "هذه", "تم", "كان", "كانت",
        "On", "In", "At", "By", "The", "From", "Since", "Until", "On", "As", "Of",
    )
}


_OUTLET_KEYS = {normalize_arabic(o) for o in _OUTLETS}
_NOT_PLACE_KEYS = {normalize_arabic(w) for w in _NOT_PLACE}
_WEEKDAY_KEYS = {normalize_arabic(w) for w in _WEEKDAYS}
_BYLINE_DASH = re.compile(_BYLINE_SEP)


def parse_dateline(text: str, *, year: int | None = None) -> Dateline | None:
    """City, ISO date and agency of a leading dateline; `year` fills in datelines that omit it."""
    head = text[:_HEAD_CHARS]
    byline = _byline(head)
    if byline is not None:
        return byline
    for pattern in _PATTERNS:
        m = pattern.match(head)
        if m is None:
            continue
        dateline = _from_match(m, year)
        if dateline is not None:
            return dateline
    return None


def _byline(head: str) -> Dateline | None:
    """`[REPORTER -] OUTLET - CITY|AGENCY:` or `REPORTER - OUTLET`; None unless a known outlet names itself.

    The outlet and reporter go to `extra`; a byline naming neither city nor agency still reports where the
    story starts (`end`).
    """
    m = _BYLINE.match(head)
    if m is None:
        return None
    segs = _BYLINE_DASH.split(m.group("segs").strip())
    keys = [normalize_arabic(s) for s in segs]
    outlet = next((i for i, k in enumerate(keys) if k in _OUTLET_KEYS), None)
    if outlet is None or outlet > 1 or len(segs) - outlet > 2:
        return None
    city = ""
    credit = (m.group("credit") or "").strip()
    agency = credit if _KNOWN_RE.fullmatch(credit) else ""  # `الوئام - القاهرة (أ ف ب):`
    if outlet + 1 < len(segs):
        seg, first = segs[outlet + 1], keys[outlet + 1].split()[0]
        if _KNOWN_RE.fullmatch(seg):
            agency = seg
        elif first in _NOT_CITY or any(len(place.split()) > 3 for place in seg.split("/")):
            return None
        elif first not in _NOT_PLACE_KEYS and keys[outlet + 1] not in _OUTLET_KEYS:
            city = seg.split("/")[0].strip()  # `مكة المكرمة / جدة`: the first place (a filter names one city)
    extra = {"outlet": segs[outlet], **({"reporter": segs[0]} if outlet == 1 else {})}
    end = m.start("stop") if m.group("stop") in ("\n", "") else m.end() + len(head[m.end():]) - len(
        head[m.end():].lstrip(" \t"))
    return Dateline(city=city, agency=agency, end=end, extra=extra)


def _from_match(m: re.Match[str], default_year: int | None) -> Dateline | None:
    g = m.groupdict()
    city = g["city"].strip(" \t-.'’")
    agency = (g.get("agency") or g.get("agency2") or "").strip()
    if not city or normalize_arabic(city.split()[0]) in {w.lower() for w in _NOT_CITY}:
        return None
    first = normalize_arabic(city.split()[0])
    if first in _NOT_PLACE_KEYS or normalize_arabic(city) in _OUTLET_KEYS:
        city = ""  # `عواصم العالم - رويترز`, `الخميس 31 ديسمبر 2020 (شينخوا)`, `سبق (واس):`: no place
    elif (lead := re.match(r"(.+?)[ \t]*[-–—][ \t]*(.+)$", city)) and normalize_arabic(lead[1]) in _OUTLET_KEYS:
        city = lead[2]  # `سبق- مكة المكرمة 5 يناير 2015:`
    extra: dict = {}
    date = ""
    has_date = bool(g.get("day") or g.get("day_en"))
    if has_date:
        month_raw = g.get("month") or g.get("month_en") or ""
        month = month_number(month_raw)
        if month is None:
            return None
        if g.get("month2") and month_number(g["month2"]) is None:
            return None
        day = to_int(g.get("day") or g.get("day_en") or "0")
        year_raw = g.get("year") or g.get("year_en")
        if year_raw:
            date = iso_date(to_int(year_raw), month, day)
        elif default_year is not None:
            date = iso_date(default_year, month, day)
        else:
            extra = {"month": month, "day": day}
    if not agency and not has_date:
        return None
    if not city and not (has_date and (date or extra)) and not _KNOWN_RE.fullmatch(agency):
        return None  # no place, and nothing but an aside in parentheses
    if not agency and has_date and not _ends_cleanly(m):
        return None
    if has_date and not date and not extra:
        return None  # e.g. 31 February
    if agency and not _plausible_agency(agency):
        return None
    if not has_date and not _KNOWN_RE.fullmatch(agency) and not _ends_with_separator(m):
        return None  # "Apple (AAPL) stock" is prose; "LONDON (Reuters) -" is a dateline
    if g.get("country"):
        extra = {**extra, "country": g["country"].strip()}
    return Dateline(city=city, date=date, agency=agency, end=m.end(), extra=extra)


def _ends_with_separator(m: re.Match[str]) -> bool:
    return m.group(0).rstrip(" \t").endswith((":", "-", "–", "—", "ـ"))


def _ends_cleanly(m: re.Match[str]) -> bool:
    """A dateline without an agency must be followed by a separator or a line break, not running prose."""
    matched = m.group(0).rstrip(" \t")
    rest = m.string[m.end():]
    return matched.endswith((":", "-", "–", "—", "ـ", ",", "،")) or rest.startswith("\n") or not rest.strip()


def _plausible_agency(agency: str) -> bool:
    """Parenthesised agencies are short names, not weekdays or asides like (الخميس)."""
    words = agency.split()
    if not 1 <= len(words) <= 4:
        return False
    if normalize_arabic(agency) in _WEEKDAY_KEYS or month_number(agency) is not None:
        return False
    return not any(ch.isdigit() or ch in ":/=@#" for ch in agency)


# -- a record's byline field ------------------------------------------------------------------------------------
# SaudiNewsNet's `author` and many CMS exports hold the byline apart from the text: `لندن: رنيم حنوش`,
# `حسين هزازي (جدة)`, `واس - الرياض`, `جنيف : (رويترز)`, `بريدة - عبدالرحمن التويجري:`, `علي ضباح ـ الحد الجنوبي`.
# There an outlet may be named like its city (`المدينة - جدة`; but `الرياض` stays a place, and واس is an agency)
# or be a channel (`الوئام - bbc`), and sections and credits stand where places do (`(خاص)`, `(زائر)`, `قراءة`).
_FIELD_OUTLETS = {normalize_arabic(o) for o in (
    *_OUTLETS, *(names[0] for sid, names in OUTLETS.items() if sid not in ("alriyadh", "was")),
    "الرياض الإلكتروني", "الشرق الأوسط أونلاين", "الحياة", "العربية", "الجزيرة نت", "سكاي", "سكاي نيوز", "روسيا اليوم",
    "rt", "sky", "bbc", "cnn", "dw")}
_FIELD_NOT_PLACE = _NOT_PLACE_KEYS | {normalize_arabic(w) for w in (
    "المحليات", "المناطق", "العواصم", "هاتفيا", "حاوره", "حاورته", "حوار", "كتب", "كتبت", "بقلم", "رصد", "عرض",
    "زائر", "قراءة", "شعر", "نص", "فن", "تحليل", "استطلاع", "رأي", "أدار", "كتابة", "فريق")}


def _field_place(name: str) -> bool:
    """Could this byline segment be a place at all (not a credit, section, outlet, month or stray mark)?"""
    key = normalize_arabic(name)
    return (bool(re.search(r"[^\W\d_]{2}", name)) and key not in _FIELD_OUTLETS
            and key.split()[0] not in _FIELD_NOT_PLACE and month_number(name) is None
            and len(name.split()) <= 3 and not any(c.isdigit() for c in name))


def parse_byline_field(field: str) -> Dateline | None:
    """City and agency from a byline kept apart from the text (a record's author field); None if it names
    neither. A place is told from a reporter by its form (`PLACE: reporter`, `reporter (PLACE)`, beside an agency
    or outlet) or, failing that, by the gazetteer of `corpus.places`."""
    from corpus.places import is_place

    text = strip_invisible(html.unescape(field)).replace("\xa0", " ").split("|", 1)[0].strip()
    if not text or len(text) > 120:
        return None
    items: list[tuple[str, bool, str]] = []  # (text, in parentheses, the separator after it)
    for m in re.finditer(r"\(([^()\n]{1,40})\)|[^()\-–—:،,\n]+", text):
        in_parens = m.group(1) is not None
        seg = (m.group(1) if in_parens else m.group(0)).strip(" \t«»{}\"'.*")
        if in_parens:
            seg = re.split(r"\s*[،,]\s*", seg)[0]  # `واس (بيشة، الجوف)`: the first place
        after = text[m.end():].lstrip(" \t")[:1]
        pieces = [p.strip(" ـ") for p in re.split(r"\s+ـ+\s+|ـ{2,}", seg) if p.strip(" ـ")]  # `علي ضباح ـ الحد الجنوبي`
        items.extend((p, in_parens, after if i == len(pieces) - 1 else "ـ") for i, p in enumerate(pieces))
    agency = next((s for s, _, _ in items if _KNOWN_RE.fullmatch(s)), "")
    rest = [(s, paren, after) for s, paren, after in items
            if not _KNOWN_RE.fullmatch(s) and normalize_arabic(s) not in _FIELD_OUTLETS
            and normalize_arabic(s.split()[0]) not in _FIELD_NOT_PLACE]
    places = [(s, paren, after) for s, paren, after in rest if _field_place(s)]
    city = ""
    if len(items) >= 2 and items[1][1] and not items[0][1]:
        first, (inner, _, after) = items[0][0], items[1]
        if after in (":", "-", "–", "—") and not _KNOWN_RE.fullmatch(first):
            city = first  # `عرعر (شمال السعودية): «الشرق الأوسط»`: the place, then its region
        elif not _KNOWN_RE.fullmatch(inner):
            city = inner  # `حسين هزازي (جدة)`, `واس (جدة)`: a reporter or agency, then the place
    if not city and places and len(items) >= 2 and items[0][2] == ":" and places[0][0] == items[0][0]:
        city = places[0][0]  # `لندن: رنيم حنوش`, `بغداد: علاء حسن` (not a lone `خالد العبيوي :`)
    if not city:
        city = next((s for s, _, _ in places if is_place(s)), "")
    if not city and len(places) == 1 and len(rest) == 1 and len(items) > 1 and len(places[0][0].split()) == 1:
        city = places[0][0]  # `واس - السيح`, `سبق- تيماء:`: one word beside an agency or outlet (not a reporter's name)
    if city and (not _field_place(city) or _KNOWN_RE.fullmatch(city)):
        city = ""
    if not city and not agency:
        return None
    return Dateline(city=city, agency=agency, end=len(field))
