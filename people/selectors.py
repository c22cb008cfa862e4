"""Reads of the registry. Each starts from the scoped queryset, so no caller can forget the scope."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from people import names
from people.choices import INVERSE_RELATIONSHIP, Relationship
from people.scoping import visible_team_ids
from people.models import (
    Affiliation,
    Camp,
    CompactNumber,
    FamilyLink,
    IdentityDocument,
    Organisation,
    Person,
    PersonMerge,
    Registration,
    Residence,
    SEARCH_COLUMNS,
)


# Trigram search. A candidate must reach SEARCH_THRESHOLD (pg_trgm word similarity, answered from the GIN
# index `person_search_trgm`); if fewer than `limit` people do, the search is widened once to
# SEARCH_WIDE_THRESHOLD so that a badly misspelt query still finds someone. Tuned on the labelled set in
# tests/people/search_labelled_set.csv and on the 1,000,000-person benchmark (docs/performance.md).
SEARCH_THRESHOLD = 0.45
SEARCH_WIDE_THRESHOLD = 0.3
SEARCH_LIMIT = 50
# A query as common as one given name matches a large share of a big registry, and every matching row would be
# scored and sorted. At most this many matching rows (in index order) are ranked: a specific query has fewer
# candidates, so its ranking is exact; a very common one ranks a sample of equally good matches, and the page
# asks for a narrower search.
SEARCH_CANDIDATES = 1000
SEARCH_WORDS = 4
# The exact-word step is enough when it finds anyone; if it finds no one (a name written as one word or two,
# Mohammadreza or Mohammad Reza; a badly misspelt word) the trigram step takes over.
SEARCH_ENOUGH = 1
_REFERENCE = re.compile(r"^\s*p\s*-?\s*0*(\d{1,12})\s*$", re.IGNORECASE)


def person_search(queryset: QuerySet, query: str) -> QuerySet:
    """Narrow `queryset` to people whose names or numbers resemble every word of `query` (unranked).

    One condition per word (at most SEARCH_WORDS), each answered by the GIN trigram index: PostgreSQL ANDs
    the bitmaps, so a common word (Mohammad) narrowed by a rarer one (Abbasipour) leaves few rows to
    check. Run it inside `search_threshold()`; outside it pg_trgm's default (0.6) applies.
    """
    words = names.normalize(query).split()
    words = [w for w in words if len(w) > 1] or words
    for word in words[:SEARCH_WORDS]:
        queryset = queryset.filter(search_text__trigram_word_similar=names.search_forms(word))
    return queryset


def word_match(queryset: QuerySet, query: str) -> QuerySet:
    """Narrow `queryset` to people having, for every word of `query`, one of its exact search words
    (phonetic form or skeleton; see people.names.search_words)."""
    for group in names.query_words(query)[:SEARCH_WORDS]:
        queryset = queryset.filter(search_words__overlap=group)
    return queryset


@contextlib.contextmanager
def search_threshold(value: float):
    """Set pg_trgm's word-similarity threshold for the queries run inside (one transaction, then reset)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(value)])
        yield


def exact_number_matches(queryset: QuerySet, query: str) -> list[int]:
    """Ids in `queryset` whose reference, external id, registration or document number is exactly `query`
    (ignoring case, spaces and punctuation), best first."""
    text = (query or "").strip()
    if not text or not any(ch.isdigit() for ch in names.normalize(text)):
        return []
    compact = names.compact_number(text)
    found: list[int] = []
    reference = _REFERENCE.match(text)
    if reference:
        found += list(queryset.filter(pk=int(reference.group(1))).values_list("pk", flat=True))
    found += list(queryset.filter(external_id=text).values_list("pk", flat=True))
    if compact:
        # Ids first, each through its compact-number index; then one scoped lookup by primary key.
        ids = list(Registration.objects.annotate(compact=CompactNumber("number")).filter(compact=compact).values_list("person_id", flat=True)[:50])
        ids += list(IdentityDocument.objects.annotate(compact=CompactNumber("number")).filter(compact=compact).values_list("person_id", flat=True)[:50])
        if ids:
            found += list(queryset.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    return list(dict.fromkeys(found))


@dataclass
class SearchResult:
    person: Person
    score: float
    exact: bool

    @property
    def percent(self) -> int:
        return round(100 * self.score)


def person_search_ranked(queryset: QuerySet, query: str, *, limit: int = SEARCH_LIMIT) -> list[SearchResult]:
    """The people of `queryset` best matching `query`, most similar first; an exact reference, external id,
    registration or document number ranks before every name match. At most `limit` results."""
    forms = names.search_forms(query)
    if not forms:
        return []
    exact_ids = exact_number_matches(queryset, query)[:limit]
    scored: list[tuple[int, float]] = []
    wanted = limit - len(exact_ids)
    if wanted > 0:
        # First the exact-word step (GIN on search_words: no false positives to recheck), then, if it finds
        # too few, the trigram step (GIN on search_text), at a strict then a wider threshold.
        steps = [(word_match(queryset, query), None)] if names.query_words(query) else []
        steps += [(person_search(queryset, query), SEARCH_THRESHOLD), (person_search(queryset, query), SEARCH_WIDE_THRESHOLD)]
        for candidates, threshold in steps:
            candidates = candidates.order_by().exclude(pk__in=exact_ids).values("pk")[:SEARCH_CANDIDATES]
            ranked = (
                queryset.model._base_manager.filter(pk__in=candidates)
                .annotate(search_score=TrigramWordSimilarity(forms, "search_text"))
                .order_by("-search_score", "full_name_latin", "pk")
                .values_list("pk", "search_score")[:wanted]
            )
            if threshold is None:
                scored = list(ranked)
            else:
                with search_threshold(threshold):
                    scored = list(ranked)
            if len(scored) >= min(wanted, SEARCH_ENOUGH):
                break
    ids = [*exact_ids, *(pk for pk, _ in scored)]
    if not ids:
        return []
    by_id = queryset.filter(pk__in=ids).in_bulk()  # one query (and the queryset's prefetches) for the page
    scores = {pk: 1.0 for pk in exact_ids} | dict(scored)
    return [SearchResult(by_id[pk], float(scores[pk]), pk in exact_ids) for pk in ids if pk in by_id]


@dataclass
class PersonListResults:
    """What the person list and its exports show: the bound filter, and either ranked matches for a query
    or the filtered queryset (paged by name)."""

    filter: object
    queryset: QuerySet
    query: str
    ranked: list[SearchResult] | None


def person_list_results(*, user, params, limit: int = SEARCH_LIMIT) -> PersonListResults:
    """The person list for `user` with the filters in `params` (a QueryDict); ranked when `q` is given."""
    from people.filters import PersonFilter

    person_filter = PersonFilter(params or None, queryset=Person.objects.visible_to(user), user=user)
    queryset = person_filter.qs if person_filter.is_bound else person_filter.queryset
    query = ""
    if person_filter.is_bound and person_filter.form.is_valid():
        query = (person_filter.form.cleaned_data.get("q") or "").strip()
    ranked = person_search_ranked(queryset.with_list_data(), query, limit=limit) if query else None
    return PersonListResults(filter=person_filter, queryset=queryset, query=query, ranked=ranked)


def profile_prefetches() -> tuple:
    """The registry records a profile shows, loaded with the person."""
    return (
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
        Prefetch("merges_received", queryset=PersonMerge.objects.select_related("merged_by")),
    )


def person_for_user(*, user, pk: int, also: tuple = ()) -> Person:
    """The person with every part of their profile loaded (and the related rows `also` names), or 404 if out
    of scope: one query for the person and one per kind of related record."""
    person = (
        Person.objects.visible_to(user)
        .select_related("owning_team", "assigned_caseworker", "created_by")
        .defer(*SEARCH_COLUMNS)  # wide, derived from the names, never shown
        .prefetch_related(*profile_prefetches(), *also)
        .filter(pk=pk)
        .first()
    )
    if person is None:
        raise Http404("No such person in your caseload.")
    return person


def merged_into(*, user, merged_id: int) -> Person | None:
    """The record a merged (removed) record was folded into, if `user` may see it; follows chains of merges."""
    record = PersonMerge.objects.filter(merged_person_id=merged_id).select_related("survivor").first()
    if record is None:
        return None
    return Person.objects.visible_to(user).filter(pk=record.survivor_id).first()


@dataclass
class CaseFile:
    person: Person
    assessments: list = field(default_factory=list)
    proposals: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    shows_assessments: bool = False
    hidden_evidence: int = 0


def case_file_for(*, user, pk: int) -> CaseFile:
    """Everything the printable case file shows, in a fixed number of queries; restricted evidence only for
    those allowed to see it (Evidence.visible_to), or 404 if the person is out of scope."""
    person = person_for_user(user=user, pk=pk)
    case = CaseFile(person=person)
    if not user.has_perm("assessments.view_assessment"):
        return case
    from assessments.models import Assessment, Evidence, Finding, RemovalDecision, RemovalProposal, Review
    from assessments.selectors import visible_evidence

    case.shows_assessments = True
    case.assessments = list(
        Assessment.objects.filter(person=person)
        .select_related("assessor", "approved_by", "proposal")
        .prefetch_related(
            Prefetch("findings", queryset=Finding.objects.select_related("risk_type").prefetch_related("indicators")),
            Prefetch("evidence", queryset=Evidence.objects.order_by("created_at", "id")),
            Prefetch("reviews", queryset=Review.objects.select_related("reviewer").order_by("created_at", "id")),
            "interviews",
        )
        .order_by("-created_at", "-id")
    )
    for assessment in case.assessments:
        assessment.person = person  # who may see restricted evidence depends on the person's team
        assessment.visible_evidence = visible_evidence(assessment, user)
        case.hidden_evidence += len(assessment.evidence.all()) - len(assessment.visible_evidence)
    case.proposals = list(RemovalProposal.objects.filter(person=person).select_related("recorded_by").order_by("-created_at", "-id"))
    case.decisions = list(
        RemovalDecision.objects.filter(person=person).select_related("decided_by", "assessment").order_by("-decided_on", "-id")
    )
    return case


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
