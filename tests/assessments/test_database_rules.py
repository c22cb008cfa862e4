"""The database holds the rules whatever writes to it: raw SQL, QuerySet.update(), bulk writes."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from assessments import choices, services
from assessments.models import Assessment, Flag, RemovalDecision, Review
from core.errors import validation_error_from_integrity
from tests.assessments import builders
from tests.assessments.builders import TODAY

D = datetime.date


def gate_codes(error: IntegrityError) -> list[str]:
    """The reason codes the database gate reported (JSON in the error's DETAIL)."""
    return [row["code"] for row in json.loads(error.__cause__.diag.message_detail)]


def _raw_decision(person, decider, assessment, outcome="authorised", measure="deportation", transit=("TR",)):
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO assessments_removaldecision
                 (person_id, measure, destination, transit_countries, outcome, decided_by_id, decided_on, reasons,
                  assessment_id, created_at)
               VALUES (%s, %s, 'IR', %s::varchar[], %s, %s, current_date, 'raw', %s, now())""",
            [person.pk, measure, list(transit), outcome, decider.pk, getattr(assessment, "pk", None)],
        )


@pytest.fixture
def draft(person, caseworker):
    return builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)


@pytest.mark.django_db
def test_raw_sql_cannot_authorise_without_any_assessment(person, decider):
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        _raw_decision(person, decider, None)
    assert gate_codes(info.value) == ["no_assessment"]


@pytest.mark.django_db
def test_raw_sql_cannot_authorise_on_a_draft(person, decider, draft):
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        _raw_decision(person, decider, draft)
    assert gate_codes(info.value) == ["assessment_not_approved"]
    assert not RemovalDecision.objects.exists()


@pytest.mark.django_db
def test_raw_sql_cannot_authorise_where_risk_was_found(person, caseworker, supervisor, decider):
    assessment = builders.approved(
        assessor=caseworker, reviewer=supervisor, person=person, outcomes={("IR", "torture"): "real_risk"}, today=timezone.localdate()
    )
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        _raw_decision(person, decider, assessment)
    assert "real_risk_found" in gate_codes(info.value)
    # …and the message the user reads is built from the database's structured reasons.
    messages = validation_error_from_integrity(info.value).messages
    assert messages[0] == "Removal cannot be authorised:"
    assert any("Iran: assessment A-" in m and "real risk of “Torture”" in m for m in messages)


@pytest.mark.django_db
def test_raw_sql_can_record_barred_on_anything(person, decider, draft):
    _raw_decision(person, decider, draft, outcome="barred")
    assert RemovalDecision.objects.get().outcome == "barred"


@pytest.mark.django_db
def test_queryset_update_cannot_turn_a_barred_decision_into_an_authorisation(person, caseworker, supervisor, decider):
    builders.approved(
        assessor=caseworker, reviewer=supervisor, person=person, outcomes={("TR", "onward_refoulement"): "real_risk"},
        today=timezone.localdate(),
    )
    decision = services.removal_decision_record(
        actor=decider, person=person, measure="deportation", destination="IR", transit_countries=["TR"],
        outcome="barred", reasons="Chain refoulement risk via Turkey (fictional).",
    )
    with pytest.raises(IntegrityError, match="never changed"), transaction.atomic():
        RemovalDecision.objects.filter(pk=decision.pk).update(outcome="authorised")
    decision.refresh_from_db()
    assert decision.outcome == "barred"


@pytest.mark.django_db
def test_the_database_gate_judges_expiry_by_the_day_it_is_asked(person, caseworker, supervisor, decider):
    assessment = builders.approved(assessor=caseworker, reviewer=supervisor, person=person, today=timezone.localdate())
    later = assessment.valid_until + datetime.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code FROM removal_gate_reasons(%s, 'deportation', 'IR', '{TR}', %s, %s, %s)", [person.pk, decider.pk, later, later]
        )
        assert [row[0] for row in cursor.fetchall()] == ["assessment_expired"]
    # Moving the validity forward by hand is refused: approval fields change only in the approval.
    with pytest.raises(IntegrityError, match="Approval fields"), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(valid_until=later + datetime.timedelta(days=365))


@pytest.mark.django_db
def test_raw_sql_passes_when_everything_qualifies(person, caseworker, supervisor, decider):
    assessment = builders.approved(assessor=caseworker, reviewer=supervisor, person=person, today=timezone.localdate())
    _raw_decision(person, decider, assessment)
    assert RemovalDecision.objects.get().gate_checked_at is not None


# ---------------------------------------------------------------------------------------------------------
# Four eyes


@pytest.mark.django_db
def test_an_assessor_cannot_approve_their_own_assessment(person, supervisor):
    # A supervisor may write assessments too, but never approve them.
    assessment = builders.fill(builders.start(assessor=supervisor, person=person), assessor=supervisor)
    services.assessment_submit(actor=supervisor, assessment=assessment)
    with pytest.raises(services.PermissionDenied) as refused:
        services.assessment_approve(actor=supervisor, assessment=assessment)
    assert refused.value.code == "self_review"
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"


@pytest.mark.django_db
def test_the_database_refuses_a_self_review_and_a_self_approval(person, supervisor):
    assessment = builders.fill(builders.start(assessor=supervisor, person=person), assessor=supervisor)
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        Review.objects.create(assessment=assessment, reviewer=supervisor, decision="approved")
    assert "review_four_eyes" in str(info.value) or "cannot review their own" in str(info.value)
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(approved_by=supervisor)
    assert info.value.__cause__.diag.constraint_name in {"assessment_approval_fields", "assessment_four_eyes"}


@pytest.mark.django_db
def test_an_assessor_cannot_decide_the_removal_their_assessment_supports(person, caseworker, supervisor, decider):
    assessment = builders.fill(builders.start(assessor=decider, person=person), assessor=decider)
    services.assessment_submit(actor=decider, assessment=assessment)
    services.assessment_approve(actor=supervisor, assessment=assessment, today=TODAY)
    with pytest.raises(services.RemovalBlocked) as refused:
        services.removal_decision_record(
            actor=decider, person=person, measure="deportation", destination="IR", transit_countries=["TR"],
            outcome="authorised", reasons="x", today=TODAY,
        )
    assert [r.code for r in refused.value.reasons] == ["decider_is_assessor"]


@pytest.mark.django_db
def test_supervisor_of_another_team_cannot_review(person, caseworker, draft, other_supervisor):
    services.assessment_submit(actor=caseworker, assessment=draft)
    from core.errors import OutOfScope

    with pytest.raises(OutOfScope):
        services.assessment_approve(actor=other_supervisor, assessment=draft)


# ---------------------------------------------------------------------------------------------------------
# Status transitions


TRANSITIONS = [
    ("draft", "approved"),
    ("draft", "returned"),
    ("draft", "superseded"),
    ("submitted", "draft"),
    ("returned", "approved"),
    ("withdrawn", "draft"),
    ("superseded", "approved"),
]


def _in_status(status, *, person, caseworker, supervisor) -> Assessment:
    """An assessment brought to `status` through the services (the runtime role cannot switch triggers off)."""
    if status == "superseded":
        first = builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
        builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
        return Assessment.objects.get(pk=first.pk)
    assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    if status in ("submitted", "returned"):
        services.assessment_submit(actor=caseworker, assessment=assessment)
    if status == "returned":
        services.assessment_return(actor=supervisor, assessment=assessment, comments="Fictional comments.")
    if status == "withdrawn":
        services.assessment_withdraw(actor=caseworker, assessment=assessment, reason="Fictional reason.")
    assessment.refresh_from_db()
    assert assessment.status == status
    return assessment


@pytest.mark.django_db
@pytest.mark.parametrize("before, after", TRANSITIONS)
def test_illegal_status_transitions_are_refused_by_the_database(person, caseworker, supervisor, before, after):
    assessment = _in_status(before, person=person, caseworker=caseworker, supervisor=supervisor)
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(status=after)
    assert info.value.__cause__.diag.constraint_name in {"assessment_status_transition", "assessment_incomplete"}
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(status=after, approved_by=supervisor, approved_at=timezone.now(), valid_until=TODAY)
    assert info.value.__cause__.diag.constraint_name in {"assessment_status_transition", "assessment_approval_fields"}


@pytest.mark.django_db
def test_approval_by_update_without_a_review_is_refused(person, caseworker, supervisor, draft):
    services.assessment_submit(actor=caseworker, assessment=draft)
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        Assessment.objects.filter(pk=draft.pk).update(status="approved", approved_by=supervisor, approved_at=timezone.now(), valid_until=TODAY)
    assert "recorded approving review" in str(info.value)


@pytest.mark.django_db
def test_a_new_assessment_must_start_as_draft(person, caseworker):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(person=person, assessor=caseworker, destination="IR", status="approved")


@pytest.mark.django_db
def test_submitting_twice_or_editing_a_submitted_assessment_is_refused(caseworker, draft):
    services.assessment_submit(actor=caseworker, assessment=draft)
    with pytest.raises(services.InvalidTransition) as refused:
        services.assessment_submit(actor=caseworker, assessment=draft)
    assert refused.value.code == "not_editable"
    with pytest.raises(services.InvalidTransition):
        services.assessment_update(actor=caseworker, assessment=draft, data={"conclusion_reasons": "changed"})


@pytest.mark.django_db
def test_only_the_assessor_edits(person, caseworker, supervisor, draft):
    with pytest.raises(services.PermissionDenied):
        services.assessment_update(actor=supervisor, assessment=draft, data={"conclusion_reasons": "not mine"})


@pytest.mark.django_db
def test_editing_any_part_of_an_approved_assessment_in_sql_reopens_it(person, caseworker, supervisor):
    assessment = builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    finding = assessment.findings.filter(country="IR").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE assessments_finding SET outcome = 'no_real_risk', reasons = 'rewritten' WHERE id = %s", [finding.pk])
    assessment.refresh_from_db()
    assert assessment.status == "draft" and assessment.status_reason == "A finding was changed after approval"


@pytest.mark.django_db
def test_reopening_while_a_newer_draft_exists_supersedes_instead(person, caseworker, supervisor):
    old = builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    builders.start(assessor=caseworker, person=person)  # a new draft of the same route
    services.evidence_add(actor=caseworker, assessment=old, data={"kind": "coi", "title": "Late report", "source": "Fictional"})
    old.refresh_from_db()
    assert old.status == "superseded"


# ---------------------------------------------------------------------------------------------------------
# Flags


@pytest.mark.django_db
def test_resolving_a_flag_requires_a_note_in_the_service_and_in_the_database(person, caseworker, supervisor):
    flag = services.flag_raise(actor=caseworker, person=person, reason="Fictional concern")
    with pytest.raises(services.ValidationError) as refused:
        services.flag_resolve(actor=supervisor, flag=flag, note="   ")
    assert refused.value.message_dict["note"] == [services.RESOLUTION_NOTE_REQUIRED]
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.filter(pk=flag.pk).update(resolved_at=timezone.now(), resolved_by=supervisor)
    services.flag_resolve(actor=supervisor, flag=flag, note="Spoke to the family; no longer a concern.")
    flag.refresh_from_db()
    assert flag.resolved_by == supervisor and not flag.is_open
    with pytest.raises(services.InvalidTransition):
        services.flag_resolve(actor=supervisor, flag=flag, note="again")


@pytest.mark.django_db
def test_a_blocking_flag_can_only_be_resolved_by_a_supervisor(person, caseworker, supervisor):
    flag = services.flag_raise(actor=caseworker, person=person, reason="Appeal pending", blocks_removal=True)
    with pytest.raises(services.PermissionDenied):
        services.flag_resolve(actor=caseworker, flag=flag, note="I think it is fine")
    services.flag_resolve(actor=supervisor, flag=flag, note="Appeal dismissed on 2026-05-01 (fictional).")


@pytest.mark.django_db
def test_a_blocking_flag_reopens_approved_assessments(person, caseworker, supervisor):
    assessment = builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    services.flag_raise(actor=caseworker, person=person, reason="New charges reported (fictional)", blocks_removal=True,
                        category=choices.FlagCategory.NEW_CHARGES)
    assessment.refresh_from_db()
    assert assessment.status == "draft" and assessment.status_reason.startswith("A blocking flag was raised")
