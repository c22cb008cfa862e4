"""Country names, looked up once per language: a list page shows dozens of them, and django-countries
resolves each through the translation machinery."""

from __future__ import annotations

from functools import lru_cache

from django.utils.translation import get_language
from django_countries import countries


@lru_cache(maxsize=8)
def _names(language: str | None) -> dict[str, str]:
    return dict(countries)


def country_name(code) -> str:
    """The country's name in the active language, or the code itself if unknown."""
    code = str(code or "")
    return _names(get_language()).get(code, code)
