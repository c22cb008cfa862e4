"""Every write to the registry. Each takes the acting user, checks permission and scope, validates,
and writes inside one transaction with history context attached."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError

from core.errors import OutOfScope
from core.services import acting, require_perm, save_validated
from people import duplicates, names, signals
from people.models import (
    Affiliation,
    Camp,
    DistinctPersonConfirmation,
    FamilyLink,
    IdentityDocument,
    LegalStatus,
    Organisation,
    OrganisationAlias,
    Person,
    PersonName,
    Registration,
    Residence,
    Team,
    Vulnerability,
)
from people.scoping import visible_team_ids

OUT_OF_SCOPE = "No such person in your caseload."
TEAM_NOT_YOURS = "You can only register people for a team you belong to or supervise."
CASEWORKER_NOT_IN_TEAM = "The assigned caseworker must be a member of the owning team."

PERSON_FIELDS = (
    "full_name_latin",
    "full_name_original",
    "original_script",
    "sex",
    "birth_date",
    "birth_date_precision",
    "nationality",
    "stateless",
    "languages",
    "interpreter_needed",
    "contact_notes",
    "external_id",
    "owning_team",
    "assigned_caseworker",
)


def _check_team(actor, team: Team | None) -> None:
    ids = visible_team_ids(actor)
    if team is None or (ids is not None and team.pk not in ids):
        raise ValidationError({"owning_team": TEAM_NOT_YOURS}, code="team_not_yours")


def _check_caseworker(person: Person) -> None:
    if person.assigned_caseworker_id and not person.owning_team.members.filter(pk=person.assigned_caseworker_id).exists():
        raise ValidationError({"assigned_caseworker": CASEWORKER_NOT_IN_TEAM}, code="caseworker_not_in_team")


def _check_in_scope(actor, person: Person) -> None:
    """A person outside the actor's scope does not exist for them (the views turn this into a 404)."""
    ids = visible_team_ids(actor)
    if ids is not None and person.owning_team_id not in ids:
        raise OutOfScope(OUT_OF_SCOPE)


def search_text_for(person: Person, *, other_names: list[str], numbers: list[str]) -> str:
    """The normalised search text of a person from their names, aliases and numbers (see people.names)."""
    return names.build_search_text(
        names=[person.full_name_latin, person.full_name_original, *other_names],
        numbers=[*numbers, person.reference, person.external_id],
    )


def name_keys_for(person: Person, *, other_names: list[str]) -> list[str]:
    """The exact name keys of a person (see people.names.name_keys), for set-based duplicate checks."""
    return names.name_keys([person.full_name_latin, person.full_name_original, *other_names])


def search_words_for(person: Person, *, other_names: list[str]) -> list[str]:
    """The exact search words of a person's names (see people.names.search_words)."""
    return names.search_words([person.full_name_latin, person.full_name_original, *other_names])


def person_reindex(*, person: Person) -> None:
    """Recompute the search text, name keys and search words from every name, alias and number of the person."""
    numbers = list(person.registrations.values_list("number", flat=True))
    numbers += list(person.documents.values_list("number", flat=True))
    other_names = list(person.other_names.values_list("name", flat=True))
    text = search_text_for(person, other_names=other_names, numbers=numbers)
    keys = name_keys_for(person, other_names=other_names)
    words = search_words_for(person, other_names=other_names)
    if text != person.search_text or keys != person.name_keys or words != person.search_words:
        Person.objects.filter(pk=person.pk).update(search_text=text, name_keys=keys, search_words=words)
        person.search_text, person.name_keys, person.search_words = text, keys, words


def person_create(
    *,
    actor,
    data: dict[str, Any],
    other_names: list[str] | None = None,
    confirmed_distinct_from: Collection[int] = (),
    check_duplicates: bool = True,
) -> Person:
    """Register a person. `data` holds Person fields by name; `other_names` are aliases in any script.

    Likely duplicates (people.duplicates) refuse the registration with `PossibleDuplicates` unless the
    actor confirmed, for each of them, that this is a different person (`confirmed_distinct_from`: their
    ids); each confirmation is recorded with the score and reasons that were shown.
    """
    require_perm(actor, "people.add_person")
    person = Person(**{k: v for k, v in data.items() if k in PERSON_FIELDS}, created_by=actor)
    if person.owning_team_id is None:
        person.owning_team = Team.objects.visible_to(actor).filter(members=actor).first()
    _check_team(actor, person.owning_team)
    aliases = [alias.strip() for alias in other_names or [] if alias.strip()]
    with acting(actor, "person_create"):
        _check_caseworker(person)
        matches = []
        if check_duplicates:
            matches = duplicates.find_duplicates(duplicates.facts_from_form(data, other_names=aliases))
            unconfirmed = [m for m in matches if m.person.pk not in set(confirmed_distinct_from)]
            if unconfirmed:
                raise duplicates.PossibleDuplicates(matches)
        save_validated(person)
        for alias in aliases:
            save_validated(PersonName(person=person, name=alias))
        person_reindex(person=person)
        DistinctPersonConfirmation.objects.bulk_create(
            DistinctPersonConfirmation(
                person=person, other=m.person, score=m.score, reasons=m.reason_codes, confirmed_by=actor
            )
            for m in matches
        )
    return person


def person_update(*, actor, person: Person, data: dict[str, Any]) -> Person:
    """Change a person's identity fields; moving them to another team needs scope over both teams."""
    require_perm(actor, "people.change_person")
    with acting(actor, "person_update"):
        locked = Person.objects.select_for_update(no_key=True).get(pk=person.pk)
        _check_in_scope(actor, locked)
        for field, value in data.items():
            if field in PERSON_FIELDS:
                setattr(locked, field, value)
        if locked.owning_team_id != person.owning_team_id or "owning_team" in data:
            _check_team(actor, locked.owning_team)
        _check_caseworker(locked)
        save_validated(locked)
        person_reindex(person=locked)
    return locked


def _add_record(*, actor, person: Person, record, perm: str, action: str, reindex: bool = False):
    """Add one dated record (residence, status, document …) to a person the actor can see."""
    require_perm(actor, perm)
    with acting(actor, action):
        locked = Person.objects.select_for_update(no_key=True).get(pk=person.pk)
        _check_in_scope(actor, locked)
        record.person = locked
        save_validated(record)
        if reindex:
            person_reindex(person=locked)
    return record


def person_name_add(*, actor, person: Person, name: str, script: str = "", kind: str = "alias") -> PersonName:
    record = PersonName(name=name.strip(), script=script, kind=kind)
    return _add_record(actor=actor, person=person, record=record, perm="people.add_personname", action="person_name_add", reindex=True)


def identity_document_add(*, actor, person: Person, **fields) -> IdentityDocument:
    return _add_record(
        actor=actor, person=person, record=IdentityDocument(**fields), perm="people.add_identitydocument",
        action="identity_document_add", reindex=True,
    )


def registration_add(*, actor, person: Person, **fields) -> Registration:
    return _add_record(
        actor=actor, person=person, record=Registration(**fields), perm="people.add_registration",
        action="registration_add", reindex=True,
    )


def residence_add(*, actor, person: Person, close_current: bool = True, **fields) -> Residence:
    """Record a stay. A new open stay ends the current one on the day the new one starts."""
    record = Residence(**fields)
    require_perm(actor, "people.add_residence")
    with acting(actor, "residence_add"):
        locked = Person.objects.select_for_update(no_key=True).get(pk=person.pk)
        _check_in_scope(actor, locked)
        if close_current and record.ended_on is None:
            current = locked.residences.filter(ended_on__isnull=True).first()
            if current is not None and record.started_on and current.started_on < record.started_on:
                current.ended_on = record.started_on
                save_validated(current)
        record.person = locked
        save_validated(record)
    return record


def _end_record(*, actor, record, ended_on: datetime.date, perm: str, action: str):
    """Give a dated record (residence, legal status) its end date, locking the person first."""
    require_perm(actor, perm)
    with acting(actor, action):
        locked_person = Person.objects.select_for_update(no_key=True).get(pk=record.person_id)
        _check_in_scope(actor, locked_person)
        locked = type(record).objects.select_for_update(no_key=True).get(pk=record.pk)
        locked.ended_on = ended_on
        save_validated(locked)
    return locked


def residence_end(*, actor, residence: Residence, ended_on: datetime.date) -> Residence:
    return _end_record(actor=actor, record=residence, ended_on=ended_on, perm="people.change_residence", action="residence_end")


def legal_status_add(*, actor, person: Person, **fields) -> LegalStatus:
    return _add_record(actor=actor, person=person, record=LegalStatus(**fields), perm="people.add_legalstatus", action="legal_status_add")


def legal_status_end(*, actor, status: LegalStatus, ended_on: datetime.date) -> LegalStatus:
    return _end_record(actor=actor, record=status, ended_on=ended_on, perm="people.change_legalstatus", action="legal_status_end")


def affiliation_add(*, actor, person: Person, **fields) -> Affiliation:
    return _add_record(actor=actor, person=person, record=Affiliation(**fields), perm="people.add_affiliation", action="affiliation_add")


def vulnerability_add(*, actor, person: Person, **fields) -> Vulnerability:
    with acting(actor, "vulnerability_add"):
        record = _add_record(
            actor=actor, person=person, record=Vulnerability(**fields), perm="people.add_vulnerability", action="vulnerability_add"
        )
        signals.vulnerability_recorded.send(sender=Vulnerability, person=record.person, vulnerability=record)
    return record


def family_link_add(*, actor, person: Person, relative: Person, **fields) -> FamilyLink:
    """Link two people as family; the actor must be able to see both."""
    require_perm(actor, "people.add_familylink")
    _check_in_scope(actor, relative)
    return _add_record(
        actor=actor, person=person, record=FamilyLink(relative=relative, **fields), perm="people.add_familylink",
        action="family_link_add",
    )


# ---------------------------------------------------------------------------------------------------------
# Camps and organisations


CAMP_FIELDS = ("name", "country", "region", "managing_authority", "capacity", "is_open", "notes")


def camp_create(*, actor, data: dict[str, Any]) -> Camp:
    require_perm(actor, "people.add_camp")
    with acting(actor, "camp_create"):
        return save_validated(Camp(**{k: v for k, v in data.items() if k in CAMP_FIELDS}))


def camp_update(*, actor, camp: Camp, data: dict[str, Any]) -> Camp:
    require_perm(actor, "people.change_camp")
    with acting(actor, "camp_update"):
        locked = Camp.objects.select_for_update(no_key=True).get(pk=camp.pk)
        for field, value in data.items():
            if field in CAMP_FIELDS:
                setattr(locked, field, value)
        return save_validated(locked)


def organisation_create(*, actor, name: str, description: str = "", aliases: list[str] | None = None) -> Organisation:
    require_perm(actor, "people.add_organisation")
    with acting(actor, "organisation_create"):
        organisation = save_validated(Organisation(name=name.strip(), description=description))
        for alias in aliases or []:
            if alias.strip():
                save_validated(OrganisationAlias(organisation=organisation, name=alias.strip()))
    return organisation


def team_create(*, actor, name: str, description: str = "", members=(), supervisors=()) -> Team:
    require_perm(actor, "people.add_team")
    with acting(actor, "team_create"):
        team = save_validated(Team(name=name, description=description))
        team.members.set(members)
        team.supervisors.set(supervisors)
    return team

