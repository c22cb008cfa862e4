"""A profile loads only the kinds of records the person has (core.prefetch), and loads them as a plain prefetch
would: same rows, same order, nothing missing for a person with every kind."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import prefetch_related_objects
from django.urls import reverse

from accounts.backends import AuthorisationBackend
from assessments import selectors as case_selectors
from assessments import services
from assessments.models import Flag
from people import selectors
from people.models import (
    Affiliation,
    FamilyLink,
    IdentityDocument,
    PersonMerge,
    PersonName,
    Registration,
    Vulnerability,
)
from tests.assessments.builders import TODAY, approved
from tests.factories import LegalStatusFactory, OrganisationFactory, PersonFactory, ResidenceFactory

pytestmark = pytest.mark.django_db

RELATIONS = [
    "other_names", "documents", "registrations", "residences", "legal_statuses", "affiliations", "family_links",
    "family_links_as_relative", "vulnerabilities", "merges_received",
    "removal_proposals", "assessments", "flags", "removal_decisions", "return_consents",
]


def _rows(person) -> dict[str, list[int]]:
    return {name: [r.pk for r in getattr(person, name).all()] for name in RELATIONS}


def _load(user, person):
    user = AuthorisationBackend().get_user(user.pk)  # as a request's user: roles and teams already known
    return selectors.person_for_user(user=user, pk=person.pk, also=case_selectors.case_prefetches())


def test_a_person_with_no_other_records_is_one_query(caseworker, person, django_assert_num_queries):
    user = AuthorisationBackend().get_user(caseworker.pk)
    with django_assert_num_queries(1):
        loaded = selectors.person_for_user(user=user, pk=person.pk, also=case_selectors.case_prefetches())
        rows = _rows(loaded)
        assert loaded.documents.count() == 0 and not loaded.flags.exists()
    assert rows == {name: [] for name in RELATIONS}


def test_every_kind_a_person_has_is_loaded_as_a_prefetch_would(person, caseworker, supervisor, team, django_assert_num_queries):
    relative = PersonFactory(owning_team=team, full_name_latin="Fictional Relative")
    PersonName.objects.create(person=person, name="Fictional Alias B")
    PersonName.objects.create(person=person, name="Fictional Alias A")
    IdentityDocument.objects.create(person=person, kind="passport", number="X1", issuing_country="IR")
    Registration.objects.create(person=person, issuer="camp", number="N-1")
    ResidenceFactory(person=person)
    LegalStatusFactory(person=person)
    Affiliation.objects.create(person=person, organisation=OrganisationFactory(), role="member", started_on="2000-01-01")
    FamilyLink.objects.create(person=person, relative=relative, relationship="sibling")
    FamilyLink.objects.create(person=PersonFactory(owning_team=team), relative=person, relationship="parent")
    Vulnerability.objects.create(person=person, kind="other", established_on="2020-01-01", established_by="Fictional")
    PersonMerge.objects.create(survivor=person, merged_person_id=10**6, merged_reference="P-1000000", merged_by=supervisor,
                               snapshot={}, reason="Fictional: the same person")
    services.proposal_create(
        actor=caseworker, person=person, measure="deportation", destination="IR", transit_countries=["TR"],
        proposed_by="Fictional ministry", planned_date=TODAY + datetime.timedelta(days=60), today=TODAY,
    )
    approved(assessor=caseworker, reviewer=supervisor, person=person)
    Flag.objects.create(person=person, reason="Fictional flag", severity=2, raised_by=caseworker)

    loaded = _load(caseworker, person)
    got = _rows(loaded)
    expected_person = type(person).objects.get(pk=person.pk)
    prefetch_related_objects([expected_person], *selectors.profile_prefetches(), *case_selectors.case_prefetches())
    assert got == _rows(expected_person)
    assert all(got[name] for name in RELATIONS if name not in ("removal_decisions", "return_consents"))
    assert [n.name for n in loaded.other_names.all()] == ["Fictional Alias A", "Fictional Alias B"]
    with django_assert_num_queries(0):  # select_related of the prefetched rows came with them
        [link.relative.full_name_latin for link in loaded.family_links.all()]
        [a.organisation.name for a in loaded.affiliations.all()]
        [r.reviewer.username for a in loaded.assessments.all() for r in a.reviews.all()]


def test_the_profile_page_shows_what_was_loaded(client, caseworker, person):
    PersonName.objects.create(person=person, name="Fictional Alias Shown")
    client.force_login(caseworker)
    page = client.get(reverse("people:person_detail", args=[person.pk])).content.decode()
    assert "Fictional Alias Shown" in page


def test_a_kept_statement_reads_each_persons_own_records(caseworker, supervisor, team, django_assert_num_queries):
    """The profile's statement is built once per set of kinds and kept (core.sqljson.load_related, kept_as):
    each person must still get their own rows, whoever was loaded before."""
    people = [PersonFactory(owning_team=team, full_name_latin=f"Fictional Kept {i}") for i in range(3)]
    for i, p in enumerate(people):
        for j in range(i + 1):
            PersonName.objects.create(person=p, name=f"Fictional alias {i}.{j}")
        if i:  # the first has no residence: another set of kinds, another statement
            ResidenceFactory(person=p)
        approved(assessor=caseworker, reviewer=supervisor, person=p)
    user = AuthorisationBackend().get_user(caseworker.pk)
    for _ in range(2):  # the second time round, every statement is a kept one
        for p in people:
            with django_assert_num_queries(2):  # the person, then every kind they have in one statement
                loaded = selectors.person_for_user(user=user, pk=p.pk, also=case_selectors.case_prefetches(), also_named="case")
                got = _rows(loaded)
                [r.reviewer.username for a in loaded.assessments.all() for r in a.reviews.all()]
            expected = type(p).objects.get(pk=p.pk)
            prefetch_related_objects([expected], *selectors.profile_prefetches(), *case_selectors.case_prefetches())
            assert got == _rows(expected)
            assert len(got["other_names"]) == people.index(p) + 1 and len(got["assessments"]) == 1
            assert loaded.assessments.all()[0].person is loaded  # each row knows its parent, as after a prefetch


def test_the_assessment_pages_kept_statement_reads_each_assessments_own_parts(caseworker, supervisor, team):
    from assessments.selectors import assessment_for_user
    from tests.assessments import builders

    user = AuthorisationBackend().get_user(supervisor.pk)
    first = builders.fill(builders.start(assessor=caseworker, person=PersonFactory(owning_team=team)), assessor=caseworker)
    second = builders.start(assessor=caseworker, person=PersonFactory(owning_team=team), transit=())
    for _ in range(2):
        a, b = assessment_for_user(user=user, pk=first.pk), assessment_for_user(user=user, pk=second.pk)
        assert [i.pk for i in a.interviews.all()] == list(first.interviews.values_list("pk", flat=True))
        assert sorted(f.pk for f in a.findings.all()) == sorted(first.findings.values_list("pk", flat=True))
        assert all(f.assessment is a and f.risk_type.name for f in a.findings.all())
        assert list(b.interviews.all()) == [] and list(b.findings.all()) == []
