"""Text that reaches the database through a form is safe to show, export and print."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.forms import TEXT_MAX_LENGTH, safe_text
from people.models import Camp, Person
from tests.factories import CampFactory
from tests.people.test_views import _person_post


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("Fictional\x0b Name\x1b", "Fictional Name"),
        ("Fictional \u202eReza\u202c Hosseini", "Fictional Reza Hosseini"),  # right-to-left override
        ("\u2067مریم\u2069 Karimi", "مریم Karimi"),  # isolates
        ("مریم\u200f Karimi", "مریم\u200f Karimi"),  # a right-to-left mark is legitimate Persian text
        ("line one\nline two\ttabbed", "line one\nline two\ttabbed"),
        ("nul\x00byte\x7f\x85", "nulbyte"),
    ],
)
def test_safe_text(typed, stored):
    assert safe_text(typed) == stored


@pytest.mark.django_db
def test_a_name_with_control_and_override_characters_is_stored_clean(client, caseworker, team):
    client.force_login(caseworker)
    data = _person_post(team, full_name_latin="Fictional\x0b \u202eReza\u202c Hosseini\x1b")
    response = client.post(reverse("people:person_create"), data, follow=True)
    assert response.status_code == 200
    person = Person.objects.get()
    assert person.full_name_latin == "Fictional Reza Hosseini"
    # …and the export that once answered 500 on such a name downloads.
    assert client.get(reverse("people:person_export", args=["xlsx"])).status_code == 200


@pytest.mark.django_db
def test_a_megabyte_of_notes_is_refused_with_the_limit(client, caseworker, team):
    client.force_login(caseworker)
    response = client.post(reverse("people:person_create"), _person_post(team, contact_notes="x" * 1_000_000))
    assert response.status_code == 200
    assert f"at most {TEXT_MAX_LENGTH:,}".replace(",", "") in response.content.decode().replace(",", "")
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_only_administrators_edit_a_camp(client, caseworker, supervisor, administrator):
    camp = CampFactory(name="Fictional Camp Shared")
    url = reverse("people:camp_update", args=[camp.pk])
    for user in (caseworker, supervisor):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "Renamed", "country": "IQ", "capacity": "10"}).status_code == 403
    assert Camp.objects.get(pk=camp.pk).name == "Fictional Camp Shared"
    client.force_login(administrator)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_a_name_is_isolated_in_the_heading_so_it_cannot_reverse_the_reference(client, caseworker, person):
    client.force_login(caseworker)
    body = client.get(reverse("people:person_detail", args=[person.pk])).content.decode()
    assert f"<bdi>{person.full_name_latin}</bdi> <small" in body
