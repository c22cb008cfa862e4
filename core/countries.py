"""Country names in the active language, for pages that show dozens of them and menus that list them all.

django-countries resolves and sorts every name through the translation machinery; the menu for one language
is built once and kept in the cache framework under a key naming the language, so every server process
shares the same answer; the names change only with a deployment (which restarts the processes and their
local-memory cache) or a change of the COUNTRIES_* settings (tests: `setting_changed` clears the cache)."""

from __future__ import annotations

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.core.cache import cache
from django.utils.translation import get_language
from django_countries import countries


def _key(what: str) -> str:
    return f"countries:{get_language()}:{what}"


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    """The menu is built from the COUNTRIES_* settings: a change (in tests) drops what was kept."""
    if setting.startswith("COUNTRIES_"):
        cache.clear()


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
