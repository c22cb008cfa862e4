"""core.sqljson: several querysets in one statement, read back in their order into light instances."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import F

from core.sqljson import compiled, light, merged, run, statement
from people.models import Person, Residence
from tests.factories import PersonFactory, ResidenceFactory

pytestmark = pytest.mark.django_db


def test_parts_come_back_in_their_order_in_one_statement(team, django_assert_num_queries):
    for name in ("Fictional Cara", "Fictional Abe", "Fictional Bob"):
        PersonFactory(owning_team=team, full_name_latin=name)
    by_name = Person.objects.order_by("full_name_latin").values("id", "full_name_latin")
    with django_assert_num_queries(1):
        rows = run(statement({
            "up": compiled(by_name),
            "down": compiled(by_name.order_by("-full_name_latin")[:2]),
            "none": compiled(by_name.filter(full_name_latin="nobody")),
            "both": merged([compiled(by_name[:2]), compiled(by_name.order_by("-full_name_latin")[:2])],
                           order_by=["-full_name_latin"], limit=3, distinct=True),
        }))
    assert [r["full_name_latin"] for r in rows["up"]] == ["Fictional Abe", "Fictional Bob", "Fictional Cara"]
    assert [r["full_name_latin"] for r in rows["down"]] == ["Fictional Cara", "Fictional Bob"]
    assert rows["none"] == []
    assert [r["full_name_latin"] for r in rows["both"]] == ["Fictional Cara", "Fictional Bob", "Fictional Abe"]


def test_light_instances_read_dates_moments_and_related_rows_without_queries(person, django_assert_num_queries):
    ResidenceFactory(person=person, started_on=datetime.date(2012, 3, 4))
    residences = Residence.objects.values("id", "started_on", "created_at", "person_id", name=F("person__full_name_latin"))
    row = run(statement({"r": compiled(residences)}))["r"][0]
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


def test_list_data_is_what_djangos_prefetch_gives_for_any_page(team, django_assert_num_queries):
    """Person.objects.with_list_data() reads the open residence and current statuses of a page of people in
    one kept statement (KeptPrefetchQuerySet): each person must get their own, whatever page came before."""
    from django.db.models import Prefetch, prefetch_related_objects

    from people.models import LegalStatus
    from tests.factories import CampFactory, LegalStatusFactory

    camps = [CampFactory(name=f"Fictional Camp {i}") for i in range(3)]
    people = [PersonFactory(owning_team=team, full_name_latin=f"Fictional {i:02d}") for i in range(7)]
    for i, p in enumerate(people):
        if i % 3:
            ResidenceFactory(person=p, camp=camps[i % 3])
        for k in range(i % 3):
            LegalStatusFactory(person=p, started_on=datetime.date(2010 + k, 1, 1))

    def shown(persons):
        return [([r.where for r in p.open_residences], [(s.kind, s.started_on) for s in p.current_statuses]) for p in persons]

    def expected(persons):
        fresh = [Person.objects.get(pk=p.pk) for p in persons]
        prefetch_related_objects(
            fresh,
            Prefetch("residences", queryset=Residence.objects.filter(ended_on__isnull=True).select_related("camp"), to_attr="open_residences"),
            Prefetch("legal_statuses", queryset=LegalStatus.objects.filter(ended_on__isnull=True).order_by("-started_on"), to_attr="current_statuses"),
        )
        return shown(fresh)

    listed = Person.objects.with_list_data().order_by("full_name_latin")
    for page in (listed[:3], listed[3:6], listed.reverse()[:3], listed[6:]):
        with django_assert_num_queries(2):  # the people, then their residences and statuses together
            persons = list(page)
            got = shown(persons)
        assert got == expected(persons)
    assert [len(s) for _, s in shown(list(listed))] == [i % 3 for i in range(7)]


def test_merged_lists_follow_the_ordering_terms_of_their_parts_nulls_included(team):
    born = {"Fictional Unknown": None, "Fictional Older": datetime.date(1970, 1, 1), "Fictional Younger": datetime.date(1990, 1, 1)}
    for name, day in born.items():
        PersonFactory(owning_team=team, full_name_latin=name, birth_date=day)
    terms = (F("birth_date").asc(nulls_last=True), "-full_name_latin")
    part = Person.objects.order_by(*terms).values("id", "full_name_latin", "birth_date")
    rows = run(statement({"m": merged([compiled(part[:2]), compiled(part.reverse()[:2])], order_by=terms, limit=3, distinct=True)}))
    assert [r["full_name_latin"] for r in rows["m"]] == [r["full_name_latin"] for r in part]
    assert [r["full_name_latin"] for r in rows["m"]] == ["Fictional Older", "Fictional Younger", "Fictional Unknown"]
