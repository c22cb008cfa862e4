"""Likely duplicates at registration: shown with reasons and a score; saved only after confirmation."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from people import duplicates, services
from people.models import DistinctPersonConfirmation, Person, Registration
from tests.factories import PersonFactory

D = datetime.date


def _saved(team, **fields):
    person = PersonFactory(owning_team=team, **fields)
    services.person_reindex(person=person)
    return person


def _data(team, **overrides):
    data = {
        "full_name_latin": "Fictional Muhammad Rezai",
        "full_name_original": "محمد رضائي",
        "sex": "M",
        "birth_date": D(1971, 1, 1),
        "birth_date_precision": "year",
        "nationality": "IR",
        "owning_team": team,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "candidate, existing, expected_codes, likely",
    [
        (
            duplicates.Facts(["Muhammad Rezai"], D(1971, 1, 1), "year", "IR"),
            duplicates.Facts(["Mohammad Rezaei"], D(1971, 1, 1), "year", "IR"),
            ["same_name", "same_birth_year", "same_nationality"],
            True,
        ),
        (
            duplicates.Facts(["Muhammad Rezai"], D(1971, 3, 2), "day", "IR"),
            duplicates.Facts(["Mohammad Rezaei"], D(1990, 1, 1), "year", "IR"),
            ["same_name", "different_birth_date", "same_nationality"],
            False,
        ),
        (
            duplicates.Facts(["Fictional Other"], registrations={("unhcr", "x1")}),
            duplicates.Facts(["Fictional Someone"], registrations={("unhcr", "x1")}),
            ["same_registration"],
            True,
        ),
        (
            duplicates.Facts(["Zahra Karimi"], D(1980, 5, 5), "day", "IR"),
            duplicates.Facts(["Zahra Karimi"], D(1980, 5, 5), "day", "IQ"),
            ["same_name", "same_birth_date", "different_nationality"],
            True,
        ),
    ],
)
def test_score_gives_reasons_and_a_score(candidate, existing, expected_codes, likely):
    points, reasons = duplicates.score(candidate, existing)
    assert [r.code for r in reasons] == expected_codes
    assert (points >= duplicates.LIKELY) is likely
    assert 0 <= points <= 100


@pytest.mark.django_db
def test_registration_is_refused_with_the_likely_duplicates(caseworker, team):
    existing = _saved(team, full_name_latin="Fictional Mohammad Rezaei", full_name_original="محمد رضایی", birth_date=D(1971, 1, 1))
    before = Person.objects.count()
    with pytest.raises(duplicates.PossibleDuplicates) as caught:
        services.person_create(actor=caseworker, data=_data(team))
    match = caught.value.matches[0]
    assert caught.value.code == "possible_duplicate" and match.person == existing
    assert {"same_name", "same_birth_year", "same_nationality"} <= set(match.reason_codes)
    assert match.score >= duplicates.LIKELY
    assert Person.objects.count() == before


@pytest.mark.django_db
def test_a_confirmed_different_person_is_saved_and_the_confirmation_recorded(caseworker, team):
    existing = _saved(team, full_name_latin="Fictional Mohammad Rezaei", birth_date=D(1971, 1, 1))
    person = services.person_create(actor=caseworker, data=_data(team), confirmed_distinct_from=[existing.pk])
    confirmation = DistinctPersonConfirmation.objects.get()
    assert (confirmation.person, confirmation.other, confirmation.confirmed_by) == (person, existing, caseworker)
    assert confirmation.score >= duplicates.LIKELY and "same_name" in confirmation.reasons


@pytest.mark.django_db
def test_confirming_one_record_does_not_cover_another_found_since(caseworker, team):
    first = _saved(team, full_name_latin="Fictional Mohammad Rezaei", birth_date=D(1971, 1, 1))
    _saved(team, full_name_latin="Fictional Mohamed Rezaee", birth_date=D(1971, 1, 1))
    with pytest.raises(duplicates.PossibleDuplicates) as caught:
        services.person_create(actor=caseworker, data=_data(team), confirmed_distinct_from=[first.pk])
    assert len(caught.value.matches) == 2


@pytest.mark.django_db
def test_same_registration_number_is_found_whatever_the_name(caseworker, team):
    existing = _saved(team, full_name_latin="Fictional Entirely Different")
    Registration.objects.create(person=existing, issuer="unhcr", number="DUP-77-12")
    facts = duplicates.Facts(["Fictional Nobody Alike"], registrations={("unhcr", "dup7712")})
    matches = duplicates.find_duplicates(facts)
    assert [m.person for m in matches] == [existing] and matches[0].reason_codes == ["same_registration"]


@pytest.mark.django_db
def test_the_form_shows_duplicates_then_saves_after_the_checkbox(client, caseworker, team, other_team):
    mine = _saved(team, full_name_latin="Fictional Mohammad Rezaei", full_name_original="محمد رضایی", birth_date=D(1971, 1, 1))
    theirs = _saved(other_team, full_name_latin="Fictional Mohamad Rezaie", birth_date=D(1971, 1, 1))
    client.force_login(caseworker)
    post = {
        "full_name_latin": "Fictional Muhammad Rezai", "full_name_original": "محمد رضائي", "original_script": "fa", "sex": "M",
        "birth_date_text": "1971", "nationality": "IR", "owning_team": str(team.pk), "other_names": "", "external_id": "",
        "contact_notes": "", "assigned_caseworker": "",
    }
    body = client.post(reverse("people:person_create"), post).content.decode()
    assert duplicates.POSSIBLE_DUPLICATE.split(".")[0] in body
    assert mine.reference in body and "Fictional Mohammad Rezaei" in body and "Born the same year." in body
    assert f"A person outside your caseload ({theirs.reference})" in body and "Fictional Mohamad Rezaie" not in body
    assert 'name="confirm_distinct"' in body and 'type="checkbox"' in body
    assert Person.objects.count() == 2
    post.update(confirm_distinct="on", distinct_from=f"{mine.pk},{theirs.pk}")
    response = client.post(reverse("people:person_create"), post, follow=True)
    assert "was recorded" in response.content.decode()
    assert DistinctPersonConfirmation.objects.filter(confirmed_by=caseworker).count() == 2


@pytest.mark.django_db
def test_the_form_hides_the_checkbox_when_there_is_nothing_to_confirm(client, caseworker):
    client.force_login(caseworker)
    body = client.get(reverse("people:person_create")).content.decode()
    assert 'name="confirm_distinct"' in body and 'type="hidden" name="confirm_distinct"' in body


@pytest.mark.django_db
@pytest.mark.parametrize("probes", [2000, 0])
def test_bulk_lookup_finds_the_same_people_by_index_probes_or_by_hash_join(team, monkeypatch, probes):
    monkeypatch.setattr(duplicates, "GIN_PROBES", probes)
    existing = _saved(team, full_name_latin="Fictional Mohammad Rezaei", birth_date=D(1971, 1, 1))
    _saved(team, full_name_latin="Fictional Zahra Karimi", birth_date=D(1971, 1, 1))
    candidates = [
        duplicates.Facts(["Fictional Muhammad Rezai"], D(1971, 1, 1), "year", "IR"),
        duplicates.Facts(["Fictional Nobody"], D(1971, 1, 1), "year", "IR"),
    ]
    found = duplicates.find_duplicates_bulk(candidates)
    assert list(found) == [0] and [m.person for m in found[0]] == [existing]
