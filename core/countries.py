"""Country names in the active language, for pages that show dozens of them and menus that list them all.

django-countries resolves and sorts every name through the translation machinery; the menu for one language
is built once and kept in the cache framework under a key naming what it depends on (the language and the
django-countries settings it is built with), so every server process shares the same answer and nothing can
make it stale short of a deployment (which clears the cache)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language
from django_countries import countries


def _key(what: str) -> str:
    shape = repr([getattr(settings, name, None) for name in ("COUNTRIES_FIRST", "COUNTRIES_FIRST_BREAK", "COUNTRIES_ONLY", "COUNTRIES_OVERRIDE")])
    return f"countries:{get_language()}:{hashlib.sha256(shape.encode()).hexdigest()[:12]}:{what}"


def country_choices() -> tuple[tuple[str, str], ...]:
    """Every country as (code, name) in menu order, in the active language (the countries in use first, a
    separator with value "", then every country)."""
    key = _key("menu")
    found = cache.get(key)
    if found is None:
        found = tuple((str(code), str(name)) for code, name in countries)
        cache.set(key, found, None)
    return found


def country_name(code) -> str:
    """The country's name in the active language, or the code itself if unknown: one small cache entry per
    country and language, as pages look names up one at a time."""
    code = str(code or "")
    if not code:
        return code
    key = _key(f"name:{code}")
    name = cache.get(key)
    if name is None:
        name = dict(country_choices()).get(code, code)
        cache.set(key, name, None)
    return name


def is_country(code: str) -> bool:
    return bool(code) and any(code == value for value, _ in country_choices())
