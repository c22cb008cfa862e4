"""Every registry constraint is held by the database itself, and every one says what is wrong."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from core.errors import validation_error_from_integrity
from people import choices, models
from tests.factories import CampFactory, OrganisationFactory, PersonFactory, ResidenceFactory

D = datetime.date


def _trip(make):
    """Write bypassing all Python validation; return the database's complaint as the user would read it."""
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        make()
    return validation_error_from_integrity(info.value)


CASES = {
    "camp_capacity_positive": (lambda p: models.Camp.objects.create(name="Zero", country="IQ", capacity=0), "Capacity must be at least 1."),
    "person_latin_name_required": (
        lambda p: models.Person.objects.create(full_name_latin="", owning_team=p.owning_team),
        "A person needs at least a name in Latin script.",
    ),
    "person_stateless_has_no_nationality": (
        lambda p: models.Person.objects.create(full_name_latin="X", stateless=True, nationality="IR", owning_team=p.owning_team),
        "A stateless person cannot also have a nationality",
    ),
    "person_birth_date_matches_precision": (
        lambda p: models.Person.objects.create(
            full_name_latin="X", birth_date=D(1980, 5, 17), birth_date_precision="year", owning_team=p.owning_team
        ),
        "approximate date of birth",
    ),
    "person_external_id_unique": (
        lambda p: [models.Person.objects.create(full_name_latin=f"X{i}", external_id="R-1", owning_team=p.owning_team) for i in range(2)],
        "Another person already has this external record id.",
    ),
    "residence_one_open_per_person": (
        # Two open stays also overlap, and PostgreSQL reports the overlap first; the application's role cannot
        # drop that rule to isolate this one, so its index is checked below (test_one_open_residence_index).
        lambda p: [models.Residence.objects.create(person=p, place=f"Place {i}", started_on=D(2010 + i, 1, 1)) for i in range(2)],
        "overlaps another residence",
    ),
    "residence_dates_in_order": (
        lambda p: models.Residence.objects.create(person=p, place="A", started_on=D(2010, 1, 1), ended_on=D(2009, 1, 1)),
        "end date cannot be before its start date",
    ),
    "residence_camp_or_place": (
        lambda p: models.Residence.objects.create(person=p, started_on=D(2010, 1, 1)),
        "Choose a camp or describe the other place.",
    ),
    "residence_no_overlap": (
        lambda p: [
            models.Residence.objects.create(person=p, place="A", started_on=D(2010, 1, 1), ended_on=D(2012, 1, 1)),
            models.Residence.objects.create(person=p, place="B", started_on=D(2011, 1, 1), ended_on=D(2013, 1, 1)),
        ],
        "overlaps another residence",
    ),
    "legal_status_dates_in_order": (
        lambda p: models.LegalStatus.objects.create(person=p, kind="refugee", started_on=D(2010, 1, 1), ended_on=D(2009, 1, 1)),
        "end date cannot be before its start date",
    ),
    "affiliation_dates_in_order": (
        lambda p: models.Affiliation.objects.create(
            person=p, organisation=OrganisationFactory(), started_on=D(2010, 1, 1), ended_on=D(2009, 1, 1)
        ),
        "end date cannot be before its start date",
    ),
    "vulnerability_dates_in_order": (
        lambda p: models.Vulnerability.objects.create(
            person=p, kind="minor", established_on=D(2010, 1, 1), established_by="x", relevant_until=D(2009, 1, 1)
        ),
        "end date cannot be before its start date",
    ),
    "family_link_not_self": (
        lambda p: models.FamilyLink.objects.create(person=p, relative=p, relationship="sibling"),
        "A person cannot be their own relative.",
    ),
    "family_link_once_per_pair": (
        lambda p: [
            (other := PersonFactory(owning_team=p.owning_team)),
            models.FamilyLink.objects.create(person=p, relative=other, relationship="sibling"),
            models.FamilyLink.objects.create(person=other, relative=p, relationship="sibling"),
        ],
        "already linked as family",
    ),
    "registration_number_unique_per_issuer": (
        lambda p: [
            models.Registration.objects.create(person=p, issuer="unhcr", number="123-45"),
            models.Registration.objects.create(person=PersonFactory(owning_team=p.owning_team), issuer="unhcr", number="123-45"),
        ],
        "already used by another record from the same issuer",
    ),
    "identity_document_unique": (
        lambda p: [models.IdentityDocument.objects.create(person=p, kind="passport", number="P1", issuing_country="IR") for _ in range(2)],
        "already registered",
    ),
    "identity_document_dates_in_order": (
        lambda p: models.IdentityDocument.objects.create(
            person=p, kind="passport", number="P2", issuing_country="IR", issued_on=D(2010, 1, 1), expires_on=D(2009, 1, 1)
        ),
        "cannot expire before it was issued",
    ),
    "person_name_unique": (
        lambda p: [models.PersonName.objects.create(person=p, name="Alias") for _ in range(2)],
        "already recorded for this person",
    ),
    "organisation_alias_unique": (
        lambda p: [models.OrganisationAlias.objects.create(organisation=(o := OrganisationFactory()), name="A"),
                   models.OrganisationAlias.objects.create(organisation=o, name="A")],
        "already has that alias",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("constraint_name", sorted(CASES))
def test_database_refuses_and_explains(constraint_name, person):
    make, expected = CASES[constraint_name]
    error = _trip(lambda: make(person))
    assert expected in " ".join(error.messages)


@pytest.mark.django_db
def test_every_declared_constraint_is_tripped_by_a_case():
    declared = {c.name for m in (
        models.Camp, models.Person, models.Residence, models.LegalStatus, models.Affiliation, models.Vulnerability,
        models.FamilyLink, models.Registration, models.IdentityDocument, models.PersonName, models.OrganisationAlias,
    ) for c in m._meta.constraints}
    assert declared == set(CASES)


@pytest.mark.django_db
def test_model_validation_reports_the_same_message_before_the_database_is_asked(person):
    ResidenceFactory(person=person, camp=CampFactory(), started_on=D(2010, 1, 1))
    second = models.Residence(person=person, place="Elsewhere", started_on=D(2012, 1, 1))
    with pytest.raises(ValidationError) as info:
        second.full_clean()
    assert "already has a current residence" in " ".join(info.value.messages)


@pytest.mark.django_db
def test_raw_sql_cannot_add_a_second_open_residence(person):
    ResidenceFactory(person=person, started_on=D(2010, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO people_residence (person_id, place, country, started_on, notes, created_at, updated_at)"
            " VALUES (%s, 'Raw', '', '2015-01-01', '', now(), now())",
            [person.pk],
        )
    assert models.Residence.objects.filter(person=person).count() == 1


def test_choices_cover_the_issue_vocabulary():
    assert {c.value for c in choices.LegalStatusKind} >= {"asylum_seeker", "refugee", "poc", "gc4_art27", "stateless", "excluded_1f", "other"}
    assert len(choices.VulnerabilityKind) == 10


@pytest.mark.django_db
def test_one_open_residence_index():
    """The rule behind residence_one_open_per_person: a unique index on the person over open stays only."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'residence_one_open_per_person'")
        (definition,) = cursor.fetchone()
    assert "UNIQUE INDEX" in definition and "(person_id)" in definition and "ended_on IS NULL" in definition
