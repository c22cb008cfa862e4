"""Passwords: at least 12 characters, not common, not like the user's name; no composition rules."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import CommonPasswordValidator, validate_password
from django.core.exceptions import ValidationError


def _codes(password, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


@pytest.mark.django_db
def test_eleven_characters_are_too_few_twelve_are_enough(caseworker):
    assert "password_too_short" in _codes("tulip-river", caseworker)  # 11
    assert _codes("tulip-rivers", caseworker) == set()  # 12


@pytest.mark.django_db
def test_a_common_password_is_refused_even_when_long(caseworker):
    common = sorted(p for p in CommonPasswordValidator().passwords if len(p) >= 12)[0]
    assert "password_too_common" in _codes(common, caseworker)


@pytest.mark.django_db
def test_a_password_like_the_username_or_name_is_refused(caseworker):
    caseworker.username, caseworker.first_name = "mariam.karimi", "Mariam"
    assert "password_too_similar" in _codes("mariam.karimi1", caseworker)


@pytest.mark.django_db
def test_no_composition_rules_a_long_lowercase_passphrase_is_fine(caseworker):
    assert _codes("quiet cedar river lantern", caseworker) == set()
    assert "password_entirely_numeric" in _codes("739182736451827364", caseworker)
