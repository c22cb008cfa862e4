"""core.sqljson: several querysets in one statement, read back in their order into light instances."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import F

from core.sqljson import compiled, fetch, light, merged
from people.models import Person, Residence
from tests.factories import PersonFactory, ResidenceFactory

pytestmark = pytest.mark.django_db


def test_parts_come_back_in_their_order_in_one_statement(team, django_assert_num_queries):
    for name in ("Fictional Cara", "Fictional Abe", "Fictional Bob"):
        PersonFactory(owning_team=team, full_name_latin=name)
    by_name = Person.objects.order_by("full_name_latin").values("id", "full_name_latin")
    with django_assert_num_queries(1):
        rows = fetch({
            "up": compiled(by_name),
            "down": compiled(by_name.order_by("-full_name_latin")[:2]),
            "none": compiled(by_name.filter(full_name_latin="nobody")),
            "both": merged([compiled(by_name[:2]), compiled(by_name.order_by("-full_name_latin")[:2])],
                           order_by="full_name_latin DESC", limit=3, distinct=True),
        })
    assert [r["full_name_latin"] for r in rows["up"]] == ["Fictional Abe", "Fictional Bob", "Fictional Cara"]
    assert [r["full_name_latin"] for r in rows["down"]] == ["Fictional Cara", "Fictional Bob"]
    assert rows["none"] == []
    assert [r["full_name_latin"] for r in rows["both"]] == ["Fictional Cara", "Fictional Bob", "Fictional Abe"]


def test_light_instances_read_dates_moments_and_related_rows_without_queries(person, django_assert_num_queries):
    ResidenceFactory(person=person, started_on=datetime.date(2012, 3, 4))
    row = fetch({"r": compiled(Residence.objects.values("id", "started_on", "created_at", "person_id", name=F("person__full_name_latin")))})["r"][0]
    with django_assert_num_queries(0):
        residence = light(Residence, {k: row[k] for k in ("id", "started_on", "created_at")},
                          person=light(Person, {"id": row["person_id"], "full_name_latin": row["name"]}))
        assert residence.started_on == datetime.date(2012, 3, 4)
        assert residence.person.full_name_latin == person.full_name_latin and residence.person.reference == person.reference
        assert residence.person.get_absolute_url() == person.get_absolute_url()
    assert residence.created_at == Residence.objects.get().created_at


def test_the_statement_cache_builds_once_per_key_and_forgets_the_least_recently_used():
    from core.sqljson import StatementCache, statement

    built = []

    def build(key):
        built.append(key)
        return statement({"n": (f"SELECT {len(built)} AS n", [])})

    cache = StatementCache(size=2)
    for key in ("a", "b", "a", "c", "a", "b"):
        cache.get(key, lambda key=key: build(key))
    assert built == ["a", "b", "c", "b"]  # "b" was the least recently used when "c" came
