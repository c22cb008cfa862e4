"""Reads of the registry. Each starts from the scoped queryset, so no caller can forget the scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from people import names
from people.choices import INVERSE_RELATIONSHIP, Relationship
from people.scoping import visible_team_ids
from people.models import Affiliation, Camp, FamilyLink, Organisation, Person, Residence


def person_search(queryset: QuerySet, query: str) -> QuerySet:
    """Narrow `queryset` to people matching every word of `query` in any script, spelling or number."""
    words = names.normalize(query).split()
    for word in words:
        alternatives = Q(search_text__icontains=word)
        if word.isascii():
            folded = names.phonetic_word(word)
            if folded and folded != word:
                alternatives |= Q(search_text__icontains=folded)
        queryset = queryset.filter(alternatives)
    return queryset


def person_for_user(*, user, pk: int) -> Person:
    """The person with every part of their profile loaded in a fixed number of queries, or 404 if out of scope."""
    queryset = (
        Person.objects.visible_to(user)
        .select_related("owning_team", "assigned_caseworker", "created_by")
        .prefetch_related(
            "other_names",
            "documents",
            "registrations",
            Prefetch("residences", queryset=Residence.objects.select_related("camp")),
            "legal_statuses",
            Prefetch(
                "affiliations",
                queryset=Affiliation.objects.select_related("organisation").prefetch_related("organisation__aliases"),
            ),
            Prefetch("family_links", queryset=FamilyLink.objects.select_related("relative")),
            Prefetch("family_links_as_relative", queryset=FamilyLink.objects.select_related("person")),
            "vulnerabilities",
        )
    )
    person = queryset.filter(pk=pk).first()
    if person is None:
        raise Http404("No such person in your caseload.")
    return person


@dataclass(frozen=True)
class Relative:
    person: Person
    relationship: str
    same_household: bool
    visible: bool


def family_of(person: Person, *, user) -> list[Relative]:
    """Both directions of the family links, each read as "this relative is the person's …"."""
    rows: list[tuple[Person, str, bool]] = []
    for link in person.family_links.all():
        rows.append((link.relative, Relationship(link.relationship).label, link.same_household))
    for link in person.family_links_as_relative.all():
        inverse = INVERSE_RELATIONSHIP[Relationship(link.relationship)]
        rows.append((link.person, inverse.label, link.same_household))
    ids = visible_team_ids(user)
    return [
        Relative(other, label, household, ids is None or other.owning_team_id in ids) for other, label, household in rows
    ]


def camp_list() -> QuerySet:
    return Camp.objects.with_population().order_by("name")


def camp_residents(camp: Camp, *, user) -> QuerySet:
    """The camp's current residents that `user` may see, with what a list row shows."""
    return Person.objects.visible_to(user).in_camp(camp.pk).with_list_data()


def organisations_with_aliases() -> QuerySet:
    return Organisation.objects.prefetch_related("aliases")
