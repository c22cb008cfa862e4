"""Keyset pagination walks every row once, forwards and backwards, whatever the page size."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from core.pagination import keyset_page
from people.models import Person, Team


class KeysetWalk(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        team = Team.objects.create(name="Paging Team")
        # Duplicate names on purpose: the id breaks ties.
        names = [f"Name {i % 7}" for i in range(23)] + ["Ärzte", "zz", "آرش", "Z"]
        Person.objects.bulk_create([Person(full_name_latin=n, owning_team=team) for n in names])

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(per_page=st.integers(min_value=1, max_value=30), descending=st.booleans())
    def test_forward_then_backward_covers_everything_once(self, per_page, descending):
        queryset = Person.objects.all()
        keys = ("full_name_latin", "id")
        order = ("-full_name_latin", "-id") if descending else keys
        expected = list(queryset.order_by(*order).values_list("pk", flat=True))
        seen, pages = [], []
        page = keyset_page(queryset, keys=keys, per_page=per_page, descending=descending)
        while True:
            pages.append(page)
            seen += [p.pk for p in page]
            if not page.has_next:
                break
            page = keyset_page(queryset, keys=keys, after=page.next_cursor, per_page=per_page, descending=descending)
        assert seen == expected
        back = pages[-1]
        for previous in reversed(pages[:-1]):
            back = keyset_page(queryset, keys=keys, before=back.previous_cursor, per_page=per_page, descending=descending)
            assert [p.pk for p in back] == [p.pk for p in previous]
        assert not back.has_previous


@pytest.mark.django_db
def test_a_mangled_cursor_shows_the_first_page_rather_than_an_error(client, caseworker, person):
    client.force_login(caseworker)
    response = client.get("/people/", {"after": "not-base64!!"})
    assert response.status_code == 200 and person.full_name_latin in response.content.decode()
