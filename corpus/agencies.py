"""Wire agencies under the names datelines give them, grouped so that a filter by one name finds the others.

Datelines write an agency as its own desk does (`رويترز`, `Reuters`; `أ ف ب`, `فرانس برس`, `AFP`), and
articles store it that way; `--agency Reuters` should still find `القاهرة - رويترز:`.
"""

from __future__ import annotations

from corpus.normalize import name_key

# Each group: the names one agency goes by in Arabic and Latin datelines. Every name here is also recognised
# without parentheses in a dateline (`الرياض - واس`), so only names that cannot be ordinary words are listed.
AGENCY_GROUPS: tuple[tuple[str, ...], ...] = (
    ("واس", "SPA", "وكالة الأنباء السعودية", "Saudi Press Agency"),
    ("رويترز", "Reuters"),
    ("أ ف ب", "ا ف ب", "أ.ف.ب", "ا.ف.ب", "فرانس برس", "الفرنسية", "AFP"),
    ("شينخوا", "Xinhua"),
    ("د ب أ", "د.ب.أ", "د ب ا", "د.ب.ا", "الألمانية", "dpa"),
    ("أ ب", "ا ب", "أسوشيتد برس", "اسوشيتد برس", "AP"),
    ("الأناضول", "الاناضول", "Anadolu"),
    ("وام", "WAM"),
    ("كونا", "KUNA"),
    ("يو بي آي", "UPI"),
    ("أ ش أ", "ا ش ا"),
    ("إرنا", "ارنا"),
    ("سبأ",), ("بنا",), ("قنا",), ("العمانية",), ("سانا",), ("بترا",), ("وفا",), ("يونا",), ("تاس",), ("سبوتنيك",),
)
AGENCY_NAMES: tuple[str, ...] = tuple(name for group in AGENCY_GROUPS for name in group)


_GROUP_OF = {name_key(name): name_key(group[0]) for group in AGENCY_GROUPS for name in group}


def agency_key(value: str) -> str:
    """One key for every name of a known agency (`Reuters` and `رويترز`); otherwise the name's own key."""
    key = name_key(value)
    return _GROUP_OF.get(key, key)
