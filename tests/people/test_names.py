"""Name normalisation: letter variants and diacritics fold; spellings meet."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from people.names import build_search_text, normalize, phonetic


@pytest.mark.parametrize(
    "a, b",
    [
        ("علي", "علی"),  # Arabic yeh vs Persian yeh
        ("كريمي", "کریمی"),  # Arabic kaf vs keheh
        ("فاطمة", "فاطمه"),  # teh marbuta vs heh
        ("أحمد", "احمد"),  # hamza on alef
        ("مُحَمَّد", "محمد"),  # harakat removed
        ("رضائی", "رضایی"),  # yeh with hamza
        ("Hosséini", "hosseini"),
        ("ʿAbd al-ʿAziz", "abd al aziz"),
        ("۱۲۳٤", "1234"),  # Persian and Arabic-Indic digits
    ],
)
def test_normalize_folds_variants(a, b):
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize(
    "a, b", [("Mohammad", "Muhammad"), ("Mohammad", "Mohamad"), ("Reza", "Rezaa"), ("Hosseini", "Hoseyni"), ("Parvin", "Parwin")]
)
def test_phonetic_folds_latin_spellings(a, b):
    assert phonetic(a) == phonetic(b)


@given(st.text(max_size=60))
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


def test_search_text_holds_both_scripts_and_compact_numbers():
    text = build_search_text(names=["Mohammad Rezaei", "محمد رضایی"], numbers=["UN 123-456"])
    assert "mohammad" in text and "محمد" in text and "un123456" in text
