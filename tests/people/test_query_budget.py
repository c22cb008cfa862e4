"""No page's query count grows with its rows: 5 rows and 50 rows cost the same."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CampFactory, LegalStatusFactory, PersonFactory, ResidenceFactory

BUDGET = 14
# The profile: identity, registry and case (proposals, assessments, flags, decisions); one figure for every test
# of the profile (tests/assessments/test_views.py fills its case, this file its registry).
PROFILE_BUDGET = BUDGET + 12


def _populate(team, camp, n):
    people = PersonFactory.create_batch(n, owning_team=team)
    for p in people:
        ResidenceFactory(person=p, camp=camp)
        LegalStatusFactory(person=p)
    return people


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["list", "camp", "camp_list"])
def test_list_pages_cost_the_same_for_5_and_50_rows(client, caseworker, team, page, django_assert_max_num_queries):
    camp = CampFactory()
    client.force_login(caseworker)
    urls = {"list": reverse("people:person_list"), "camp": reverse("people:camp_detail", args=[camp.pk]), "camp_list": reverse("people:camp_list")}
    _populate(team, camp, 5)
    small = _count(client, urls[page])
    _populate(team, camp, 45)
    with django_assert_max_num_queries(BUDGET):
        large = _count(client, urls[page])
    assert large == small


@pytest.mark.django_db
def test_profile_costs_the_same_with_5_and_50_records(client, caseworker, person, django_assert_max_num_queries):
    from people.models import FamilyLink, PersonName, Registration, Vulnerability

    def add(n, offset):
        for i in range(offset, offset + n):
            PersonName.objects.create(person=person, name=f"Alias {i}")
            Registration.objects.create(person=person, issuer="camp", number=f"N-{i}")
            Vulnerability.objects.create(person=person, kind="other", established_on="2020-01-01", established_by="x")
            LegalStatusFactory(person=person, started_on=f"{1950 + i}-01-01", ended_on=f"{1950 + i}-06-01")
            FamilyLink.objects.create(person=person, relative=PersonFactory(owning_team=person.owning_team), relationship="sibling")

    client.force_login(caseworker)
    url = reverse("people:person_detail", args=[person.pk])
    add(5, 0)
    small = _count(client, url)
    add(45, 5)
    with django_assert_max_num_queries(PROFILE_BUDGET):
        large = _count(client, url)
    assert large == small
