"""Likely duplicates: is the person being registered or imported already in the registry?

One scoring rule (`score`) serves both doors. Registration through the form looks candidates up by number,
by exact name key and by trigram similarity (`find_duplicates`); an import of thousands of rows looks them
up set-wise by exact name key only (`find_duplicates_bulk`), a few queries for the whole file.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q

from core.errors import DomainError, Reason
from people import choices, names
from people.models import CompactNumber, IdentityDocument, Person, Registration

LIKELY = 60  # a score from which a caseworker must confirm "this is a different person" before saving
NAME_TRIGRAM_THRESHOLD = 0.5
CANDIDATE_LIMIT = 20
GIN_PROBES = 2000  # up to this many name keys are looked up one index probe each; more, by one hash join

POSSIBLE_DUPLICATE = "This person may already be registered. Check the records below; if this is a different person, tick “This is a different person” and save again."


@dataclass
class Facts:
    """What duplicate scoring compares: the names, date of birth, nationality and numbers of one record."""

    names: list[str]
    birth_date: datetime.date | None = None
    birth_date_precision: str = choices.DatePrecision.DAY
    nationality: str = ""
    registrations: set[tuple[str, str]] = field(default_factory=set)  # (issuer, compact number)
    documents: set[tuple[str, str, str]] = field(default_factory=set)  # (kind, country, compact number)
    external_id: str = ""
    pk: int | None = None

    @classmethod
    def of_person(cls, person: Person) -> Facts:
        """Facts of a saved person; uses prefetched other_names, registrations and documents if present."""
        return cls(
            names=[person.full_name_latin, person.full_name_original, *(n.name for n in person.other_names.all())],
            birth_date=person.birth_date,
            birth_date_precision=person.birth_date_precision,
            nationality=str(person.nationality or ""),
            registrations={(r.issuer, names.compact_number(r.number)) for r in person.registrations.all()},
            documents={(d.kind, str(d.issuing_country), names.compact_number(d.number)) for d in person.documents.all()},
            external_id=person.external_id,
            pk=person.pk,
        )

    @functools.cached_property
    def keys(self) -> list[str]:
        return names.name_keys(self.names)


@dataclass
class Match:
    person: Person
    score: int
    reasons: list[Reason]

    @property
    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def as_json(self) -> dict:
        return {"person": self.person.pk, "score": self.score, "reasons": [r.code for r in self.reasons]}


class PossibleDuplicates(DomainError):
    code = "possible_duplicate"

    def __init__(self, matches: list[Match]):
        self.matches = matches
        super().__init__(POSSIBLE_DUPLICATE)


def _best_name_similarity(a: Facts, b: Facts) -> float:
    best = 0.0
    keys_b = set(b.keys)
    for name_a in filter(None, a.names):
        if names.name_key(name_a) in keys_b:
            return 1.0
        for name_b in filter(None, b.names):
            best = max(best, names.name_similarity(name_a, name_b))
    return best


def _year_gap(a: Facts, b: Facts) -> int | None:
    if a.birth_date is None or b.birth_date is None:
        return None
    return abs(a.birth_date.year - b.birth_date.year)


def score(candidate: Facts, existing: Facts) -> tuple[int, list[Reason]]:
    """How likely `candidate` and `existing` are the same person (0-100), with the reasons in plain words."""
    points, reasons = 0, []
    same_registration = candidate.registrations & existing.registrations
    if same_registration:
        points += 100
        reasons.append(Reason("same_registration", "Same registration number."))
    if candidate.documents & existing.documents:
        points += 100
        reasons.append(Reason("same_document", "Same identity document number."))
    if candidate.external_id and candidate.external_id == existing.external_id:
        points += 100
        reasons.append(Reason("same_external_id", "Same external record id."))
    similarity = _best_name_similarity(candidate, existing)
    if similarity >= 0.999:
        points += 50
        reasons.append(Reason("same_name", "Same name once spelling and script variants are folded."))
    elif similarity >= 0.6:
        points += round(50 * similarity)
        reasons.append(Reason("similar_name", f"Similar name ({round(100 * similarity)}% alike)."))
    gap = _year_gap(candidate, existing)
    if gap is not None:
        exact = candidate.birth_date_precision == existing.birth_date_precision == choices.DatePrecision.DAY
        if exact and candidate.birth_date == existing.birth_date:
            points += 30
            reasons.append(Reason("same_birth_date", "Same date of birth."))
        elif gap == 0:
            points += 20
            reasons.append(Reason("same_birth_year", "Born the same year."))
        elif gap == 1:
            points += 10
            reasons.append(Reason("close_birth_date", "Born within a year of each other."))
        elif gap > 2:
            points -= 30
            reasons.append(Reason("different_birth_date", f"Born {gap} years apart."))
    if candidate.nationality and existing.nationality:
        if candidate.nationality == existing.nationality:
            points += 10
            reasons.append(Reason("same_nationality", "Same nationality."))
        else:
            points -= 20
            reasons.append(Reason("different_nationality", "Different nationality."))
    return max(0, min(100, points)), reasons


def _candidate_ids(candidate: Facts) -> set[int]:
    """Ids of saved people that share a number or a name key with `candidate`, or have a similar name."""
    from people.selectors import person_search, search_threshold, word_match

    ids: set[int] = set()
    number_filter = Q(pk__in=[])
    for issuer, number in candidate.registrations:
        number_filter |= Q(issuer=issuer, compact=number)
    if candidate.registrations:
        found = Registration.objects.annotate(compact=CompactNumber("number")).filter(number_filter)
        ids.update(found.values_list("person_id", flat=True))
    document_filter = Q(pk__in=[])
    for kind, country, number in candidate.documents:
        document_filter |= Q(kind=kind, issuing_country=country, compact=number)
    if candidate.documents:
        found = IdentityDocument.objects.annotate(compact=CompactNumber("number")).filter(document_filter)
        ids.update(found.values_list("person_id", flat=True))
    if candidate.external_id:
        ids.update(Person.objects.filter(external_id=candidate.external_id).values_list("pk", flat=True))
    keys = candidate.keys
    if keys:
        ids.update(Person.objects.filter(name_keys__overlap=keys).values_list("pk", flat=True)[:CANDIDATE_LIMIT])
    for name in filter(None, candidate.names[:2]):
        ids.update(word_match(Person.objects.all(), name).order_by().values_list("pk", flat=True)[:CANDIDATE_LIMIT])
        with search_threshold(NAME_TRIGRAM_THRESHOLD):
            ids.update(person_search(Person.objects.all(), name).values_list("pk", flat=True)[:CANDIDATE_LIMIT])
    ids.discard(candidate.pk)
    return ids


def find_duplicates(candidate: Facts, *, minimum: int = LIKELY, limit: int = 10) -> list[Match]:
    """Saved people likely to be `candidate`, most likely first (every team: the caller decides what to show)."""
    ids = _candidate_ids(candidate)
    if not ids:
        return []
    people = Person.objects.filter(pk__in=ids).select_related("owning_team").prefetch_related(
        "other_names", "registrations", "documents"
    )
    matches = []
    for person in people:
        points, reasons = score(candidate, Facts.of_person(person))
        if points >= minimum:
            matches.append(Match(person, points, reasons))
    matches.sort(key=lambda m: (-m.score, m.person.pk))
    return matches[:limit]


@contextlib.contextmanager
def lookup_table(name: str, values: Iterable[str]):
    """A temporary one-column table (`v`) holding `values`, for set-wise lookups by join.

    Sending 100,000 values as one array parameter costs seconds of client-side quoting; COPY costs a
    fraction of that. Yields a cursor; the table is dropped on leaving.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {name} (v text NOT NULL)")
        with cursor.cursor.copy(f"COPY {name} (v) FROM STDIN") as copy:
            for value in values:
                copy.write_row((value,))
        cursor.execute(f"ANALYZE {name}")
        try:
            yield cursor
        finally:
            cursor.execute(f"DROP TABLE {name}")


def find_duplicates_bulk(candidates: list[Facts], *, minimum: int = LIKELY) -> dict[int, list[Match]]:
    """For each candidate (by index), the saved people sharing a name key that score as likely duplicates.

    A few statements for the whole list: the keys go into a temporary table and one query asks the GIN
    index on `Person.name_keys` for every person sharing any of them; only the fields scoring needs are loaded.
    """
    by_key: dict[str, list[int]] = {}
    for index, candidate in enumerate(candidates):
        for key in candidate.keys:
            by_key.setdefault(key, []).append(index)
    found: dict[int, list[Match]] = {}
    fields = ", ".join(f"p.{f}" for f in ("id", "full_name_latin", "full_name_original", "birth_date", "birth_date_precision", "nationality", "name_keys", "owning_team_id"))
    with lookup_table("import_name_keys", by_key):
        if len(by_key) <= GIN_PROBES:
            # Few keys: one GIN index probe each (an overlap with the whole set would compare arrays row by row).
            sql = f"SELECT DISTINCT ON (p.id) {fields} FROM import_name_keys t JOIN people_person p ON p.name_keys @> ARRAY[t.v]::varchar[] ORDER BY p.id"
        else:
            # Many keys (a large roster): one pass over the registry's keys, hash-joined with the file's.
            sql = f"SELECT DISTINCT ON (p.id) {fields} FROM people_person p CROSS JOIN LATERAL unnest(p.name_keys) AS k(v) JOIN import_name_keys t ON t.v = k.v ORDER BY p.id"
        people = list(Person.objects.raw(sql))
    seen = {person.pk: person for person in people}
    for person in seen.values():
        facts = Facts(
            names=[person.full_name_latin, person.full_name_original],
            birth_date=person.birth_date,
            birth_date_precision=person.birth_date_precision,
            nationality=str(person.nationality or ""),
            pk=person.pk,
        )
        indexes = {i for key in person.name_keys for i in by_key.get(key, [])}
        for index in indexes:
            points, reasons = score(candidates[index], facts)
            if points >= minimum:
                found.setdefault(index, []).append(Match(person, points, reasons))
    for matches in found.values():
        matches.sort(key=lambda m: (-m.score, m.person.pk))
    return found


def facts_from_form(data: dict, *, other_names: Iterable[str] = ()) -> Facts:
    """Facts of a person about to be registered, from the service's `data`."""
    return Facts(
        names=[data.get("full_name_latin") or "", data.get("full_name_original") or "", *other_names],
        birth_date=data.get("birth_date"),
        birth_date_precision=data.get("birth_date_precision") or choices.DatePrecision.DAY,
        nationality=str(data.get("nationality") or ""),
        external_id=(data.get("external_id") or "").strip(),
    )
