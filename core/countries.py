"""Country names, looked up once per language: a list page shows dozens of them, and django-countries
resolves each through the translation machinery. A route form shows seven menus of 265 countries, so the
menus' choices and their rendered options are kept per language too."""

from __future__ import annotations

from functools import lru_cache

from django.utils.html import format_html
from django.utils.translation import get_language
from django_countries import countries


@lru_cache(maxsize=8)
def _choices(language: str | None) -> tuple[tuple[str, str], ...]:
    # In menu order: the countries in use first, a separator (value ""), then every country.
    return tuple((str(code), str(name)) for code, name in countries)


@lru_cache(maxsize=8)
def _names(language: str | None) -> dict[str, str]:
    return {code: name for code, name in _choices(language) if code}  # not the menu's separator


@lru_cache(maxsize=8)
def _options(language: str | None) -> tuple[tuple[str, str, str], ...]:
    """(code, the option's opening up to where " selected" would go, the rest) per menu entry."""
    return tuple(
        (code, format_html('<option value="{}"', code), format_html(">{}</option>", name)) for code, name in _choices(language)
    )


def country_name(code) -> str:
    """The country's name in the active language, or the code itself if unknown."""
    code = str(code or "")
    return _names(get_language()).get(code, code)


def is_country(code: str) -> bool:
    return bool(code) and code in _names(get_language())


def country_choices() -> tuple[tuple[str, str], ...]:
    """Every country as (code, name) in menu order, in the active language."""
    return _choices(get_language())


def country_options() -> tuple[tuple[str, str, str], ...]:
    """The menu's options, escaped once per language (see `core.widgets.CountrySelect`)."""
    return _options(get_language())
