"""Every role against every person list and profile page: seen, or 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from people.models import Person

ROLES = ["caseworker", "supervisor", "administrator", "other_caseworker", "other_supervisor", "no_role_user"]

# Which of the two people each user may see: (person of team A, person of team B).
EXPECTED = {
    "caseworker": (True, False),
    "supervisor": (True, False),
    "administrator": (True, True),
    "other_caseworker": (False, True),
    "other_supervisor": (False, True),
    "no_role_user": (False, False),
}

PERSON_PAGES = ["people:person_detail", "people:person_update"]
RECORD_KINDS = ["name", "document", "registration", "residence", "status", "affiliation", "family", "vulnerability"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_visible_to_is_the_one_rule(role, request, person, other_person):
    user = request.getfixturevalue(role)
    seen = set(Person.objects.visible_to(user).values_list("pk", flat=True))
    assert (person.pk in seen, other_person.pk in seen) == EXPECTED[role]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_person_list_shows_only_the_scope(role, request, client, person, other_person):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(reverse("people:person_list"))
    if role == "no_role_user":
        assert response.status_code == 403
        return
    body = response.content.decode()
    assert (person.full_name_latin in body, other_person.full_name_latin in body) == EXPECTED[role]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in ROLES if r != "no_role_user"])
@pytest.mark.parametrize("page", PERSON_PAGES + [f"add:{k}" for k in RECORD_KINDS])
def test_person_pages_are_404_outside_scope(role, page, request, client, person, other_person):
    user = request.getfixturevalue(role)
    client.force_login(user)
    for target, expected_visible in zip((person, other_person), EXPECTED[role]):
        if page.startswith("add:"):
            url = reverse("people:person_record_add", args=[target.pk, page.split(":")[1]])
        else:
            url = reverse(page, args=[target.pk])
        response = client.get(url)
        assert response.status_code == (200 if expected_visible else 404), url


@pytest.mark.django_db
def test_post_to_a_person_outside_scope_is_404_and_writes_nothing(client, other_caseworker, person):
    client.force_login(other_caseworker)
    response = client.post(
        reverse("people:person_record_add", args=[person.pk, "status"]),
        {"kind": "refugee", "started_on": "2020-01-01"},
    )
    assert response.status_code == 404
    assert not person.legal_statuses.exists()


@pytest.mark.django_db
def test_camp_page_lists_only_residents_in_scope(client, caseworker, person, other_person):
    from tests.factories import CampFactory, ResidenceFactory

    camp = CampFactory(name="Shared Fictional Camp")
    ResidenceFactory(person=person, camp=camp)
    ResidenceFactory(person=other_person, camp=camp)
    client.force_login(caseworker)
    body = client.get(reverse("people:camp_detail", args=[camp.pk])).content.decode()
    assert person.full_name_latin in body
    assert other_person.full_name_latin not in body
    assert "2 of 100" in body  # occupancy counts everyone, names only what the user may see


@pytest.mark.django_db
def test_inactive_user_sees_no_one(caseworker, person):
    caseworker.is_active = False
    caseworker.save()
    assert not Person.objects.visible_to(caseworker).exists()


@pytest.mark.django_db
def test_admin_changelist_uses_the_same_scope(client, other_supervisor, person, other_person):
    other_supervisor.is_staff = True
    other_supervisor.save()
    client.force_login(other_supervisor)
    response = client.get(reverse("admin:people_person_changelist"))
    # A staff supervisor has view permission on persons; the admin list is scoped like every page.
    assert response.status_code == 200
    body = response.content.decode()
    assert other_person.full_name_latin in body
    assert person.full_name_latin not in body
    assert client.get(reverse("admin:people_person_change", args=[person.pk])).status_code in (302, 404)
