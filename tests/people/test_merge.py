"""Merging duplicates: every link moves, conflicts are handled explicitly, the merge is recorded and traceable,
approved assessments are reopened, and the removal gate still holds afterwards."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from assessments import choices as a_choices
from assessments import services as a_services
from assessments.models import Assessment, Flag, RemovalDecision, RemovalProposal
from core import clock
from core.errors import PermissionDenied
from people import merge, selectors
from people.models import (
    Affiliation,
    DistinctPersonConfirmation,
    FamilyLink,
    IdentityDocument,
    LegalStatus,
    Person,
    PersonMerge,
    PersonName,
    Registration,
    Residence,
    Vulnerability,
)
from tests.assessments import builders
from tests.factories import CampFactory, OrganisationFactory, PersonFactory

D = datetime.date


@pytest.fixture
def pair(team, caseworker):
    survivor = PersonFactory(owning_team=team, full_name_latin="Fictional Mohammad Rezaei", external_id="EXT-S", assigned_caseworker=caseworker)
    merged = PersonFactory(
        owning_team=team, full_name_latin="Fictional Muhammad Rezai", full_name_original="محمد رضائي", external_id="EXT-M",
        languages=["fa", "ar"], contact_notes="Fictional note on the duplicate.",
    )
    return survivor, merged


def _populate(survivor, merged, team):
    camp_a, camp_b = CampFactory(), CampFactory()
    Residence.objects.create(person=survivor, camp=camp_a, started_on=D(2010, 1, 1))
    Residence.objects.create(person=merged, camp=camp_b, started_on=D(2003, 5, 1), ended_on=D(2009, 12, 31))  # moves
    Residence.objects.create(person=merged, camp=camp_b, started_on=D(2012, 1, 1))  # overlaps the survivor's: dropped
    PersonName.objects.create(person=merged, name="Mohamed Rezaee")
    PersonName.objects.create(person=survivor, name="Mohamed Rezaee")  # same alias: dropped
    IdentityDocument.objects.create(person=merged, kind="passport", number="FX-1", issuing_country="IR")
    Registration.objects.create(person=merged, issuer="unhcr", number="FX-UN-9")
    status = dict(kind="gc4_art27", legal_basis="GC IV Art. 27", source="Fictional letter", started_on=D(2004, 7, 2))
    LegalStatus.objects.create(person=survivor, **status)
    LegalStatus.objects.create(person=merged, **status)  # identical: dropped
    LegalStatus.objects.create(person=merged, kind="poc", started_on=D(2011, 9, 13))  # moves
    Affiliation.objects.create(person=merged, organisation=OrganisationFactory(), role="member")
    Vulnerability.objects.create(person=merged, kind="torture_survivor", established_on=D(2012, 1, 1), established_by="Fictional clinic")
    relative, shared = PersonFactory(owning_team=team), PersonFactory(owning_team=team)
    FamilyLink.objects.create(person=merged, relative=relative, relationship="child")  # moves
    FamilyLink.objects.create(person=survivor, relative=merged, relationship="sibling")  # between the two: dropped
    FamilyLink.objects.create(person=shared, relative=survivor, relationship="spouse")
    FamilyLink.objects.create(person=shared, relative=merged, relationship="spouse")  # survivor already linked: dropped
    return relative


@pytest.mark.django_db
def test_merge_moves_every_link_records_the_merge_and_removes_the_duplicate(administrator, caseworker, supervisor, decider, team, pair):
    survivor, merged = pair
    relative = _populate(survivor, merged, team)
    confirmation = DistinctPersonConfirmation.objects.create(person=merged, other=survivor, score=70, reasons=["same_name"], confirmed_by=caseworker)
    today = clock.today()
    approved_m = builders.approved(assessor=caseworker, reviewer=supervisor, person=merged, destination="IR", transit=("TR",), today=today)
    approved_s = builders.approved(assessor=caseworker, reviewer=supervisor, person=survivor, destination="AF", transit=(), today=today)
    decision = a_services.removal_decision_record(
        actor=decider, person=merged, measure="deportation", destination="IR", transit_countries=["TR"],
        outcome=a_choices.DecisionOutcome.AUTHORISED, reasons="Fictional reasons.", today=today,
    )
    proposal = a_services.proposal_create(
        actor=caseworker, person=merged, measure="deportation", destination="IR", transit_countries=["TR"], proposed_by="Fictional office"
    )
    flag = a_services.flag_raise(actor=caseworker, person=merged, reason="Fictional concern.")
    merged_pk, merged_ref = merged.pk, merged.reference

    record = merge.person_merge(actor=administrator, survivor=survivor, merged=merged, reason="Same UNHCR file, two spellings.")

    assert not Person.objects.filter(pk=merged_pk).exists()
    assert (record.survivor, record.merged_person_id, record.merged_reference, record.merged_by) == (survivor, merged_pk, merged_ref, administrator)
    assert record.snapshot["full_name_latin"] == "Fictional Muhammad Rezai" and len(record.snapshot["residences"]) == 2
    assert {a["id"] for a in record.snapshot["assessments"]} == {approved_m.pk}
    assert IdentityDocument.objects.get(number="FX-1").person == survivor
    assert Registration.objects.get(number="FX-UN-9").person == survivor
    assert Residence.objects.filter(person=survivor).count() == 2  # the overlapping stay is kept in the record only
    assert LegalStatus.objects.filter(person=survivor).count() == 2
    assert Affiliation.objects.get().person == survivor and Vulnerability.objects.get().person == survivor
    assert FamilyLink.objects.get(relative=relative).person == survivor
    assert not FamilyLink.objects.filter(person=survivor, relative=survivor).exists()
    assert FamilyLink.objects.filter(person__in=[survivor, relative]).count() + FamilyLink.objects.filter(relative=survivor).count() == 2
    assert not DistinctPersonConfirmation.objects.filter(pk=confirmation.pk).exists()
    names = set(PersonName.objects.filter(person=survivor).values_list("name", flat=True))
    assert names == {"Mohamed Rezaee", "Fictional Muhammad Rezai", "محمد رضائي"}
    assert RemovalProposal.objects.get(pk=proposal.pk).person == survivor and Flag.objects.get(pk=flag.pk).person == survivor
    assert RemovalDecision.objects.get(pk=decision.pk).person == survivor
    survivor.refresh_from_db()
    assert survivor.external_id == "EXT-S" and record.merged_external_id == "EXT-M"
    assert survivor.languages == ["fa", "ar"] and "Fictional note on the duplicate." in survivor.contact_notes
    dropped = " ".join(record.outcome["dropped"])
    assert "overlaps the survivor's stay" in dropped and "between the two records" in dropped and "already linked" in dropped
    assert record.outcome["moved"]["registrations"] == 1

    for assessment in (approved_m, approved_s):  # both rest on a record that changed: review again
        assessment.refresh_from_db()
        assert assessment.person == survivor and assessment.status == "draft" and assessment.reopened_at is not None
    assert merged_ref in approved_m.status_reason

    results = selectors.person_search_ranked(Person.objects.all(), "محمد رضائي", limit=3)
    assert results[0].person == survivor


@pytest.mark.django_db
def test_the_removal_gate_still_holds_after_a_merge(administrator, caseworker, supervisor, decider, team, pair):
    survivor, merged = pair
    today = clock.today()
    builders.approved(assessor=caseworker, reviewer=supervisor, person=merged, destination="IR", transit=("TR",), today=today)
    merge.person_merge(actor=administrator, survivor=survivor, merged=merged, reason="Same person.")
    with pytest.raises(a_services.RemovalBlocked) as caught:
        a_services.removal_decision_record(
            actor=decider, person=survivor, measure="deportation", destination="IR", transit_countries=["TR"],
            outcome=a_choices.DecisionOutcome.AUTHORISED, reasons="Fictional reasons.", today=today,
        )
    assert "assessment_reopened" in [r.code for r in caught.value.reasons]
    assert not RemovalDecision.objects.filter(person=survivor).exists()


@pytest.mark.django_db
def test_the_database_still_refuses_moving_an_approved_assessment_without_a_merge(caseworker, supervisor, team, pair):
    survivor, merged = pair
    approved = builders.approved(assessor=caseworker, reviewer=supervisor, person=merged, today=clock.today())
    with pytest.raises(IntegrityError, match="cannot be moved to another person"), transaction.atomic():
        Assessment.objects.filter(pk=approved.pk).update(person=survivor)


@pytest.mark.django_db
def test_an_authorised_decision_cannot_be_moved_to_another_person_without_a_merge(caseworker, supervisor, decider, team, pair):
    survivor, merged = pair
    today = clock.today()
    builders.approved(assessor=caseworker, reviewer=supervisor, person=merged, today=today)
    decision = a_services.removal_decision_record(
        actor=decider, person=merged, measure="deportation", destination="IR", transit_countries=["TR"],
        outcome=a_choices.DecisionOutcome.AUTHORISED, reasons="Fictional reasons.", today=today,
    )
    with pytest.raises(IntegrityError, match="never changed"), transaction.atomic():
        RemovalDecision.objects.filter(pk=decision.pk).update(person=survivor)


@pytest.mark.django_db
def test_two_assessments_in_progress_for_the_same_route_refuse_the_merge(administrator, caseworker, team, pair):
    survivor, merged = pair
    builders.start(assessor=caseworker, person=survivor)
    builders.start(assessor=caseworker, person=merged)
    with pytest.raises(merge.MergeRefused) as caught:
        merge.person_merge(actor=administrator, survivor=survivor, merged=merged, reason="Same person.")
    assert "assessment in progress for the same route" in caught.value.message
    assert Person.objects.filter(pk=merged.pk).exists() and not PersonMerge.objects.exists()


@pytest.mark.django_db
def test_only_administrators_merge(caseworker, supervisor, pair):
    survivor, merged = pair
    for user in (caseworker, supervisor):
        with pytest.raises(PermissionDenied):
            merge.person_merge(actor=user, survivor=survivor, merged=merged, reason="Same person.")


@pytest.mark.django_db
def test_a_reimport_of_the_merged_record_is_skipped(tmp_path, administrator, caseworker, team, pair):
    from people import imports

    survivor, merged = pair
    merge.person_merge(actor=administrator, survivor=survivor, merged=merged, reason="Same person.")
    path = tmp_path / "roster.csv"
    path.write_text("Roster ID,Name\nEXT-M,Fictional Muhammad Rezai\n", encoding="utf-8")
    job = imports.import_upload(actor=caseworker, data=path.read_bytes(), label="roster.csv", team=team)
    job = imports.import_preview(actor=caseworker, job=job)
    assert (job.rows_accepted, job.rows_skipped) == (0, 1)
    assert survivor.reference in job.report["skipped"][0]["reason"]


@pytest.mark.django_db
def test_merge_pages_preview_then_merge_and_the_old_address_leads_to_the_survivor(client, administrator, team, pair):
    survivor, merged = pair
    client.force_login(administrator)
    url = reverse("people:person_merge", args=[survivor.pk])
    data = {"merged_reference": merged.reference, "reason": "Same person, two registrations."}
    body = client.post(url, {**data, "action": "preview"}).content.decode()
    assert f"What the merge of {merged.reference}" in body and Person.objects.filter(pk=merged.pk).exists()
    response = client.post(url, {**data, "action": "merge"}, follow=True)
    body = response.content.decode()
    assert f"{merged.reference} was merged into {survivor.reference}" in body
    assert f"Merged from</dt><dd class=\"col-sm-7\">{merged.reference}" in body
    response = client.get(reverse("people:person_detail", args=[merged.pk]), follow=True)
    assert response.redirect_chain[-1][0] == survivor.get_absolute_url()
    assert f"{merged.reference} was merged into {survivor.reference}; this is the record now." in response.content.decode()


@pytest.mark.django_db
def test_merge_page_is_refused_to_caseworkers(client, caseworker, pair):
    client.force_login(caseworker)
    assert client.get(reverse("people:person_merge", args=[pair[0].pk])).status_code == 403
