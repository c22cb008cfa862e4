"""The holes adversarial testing found in the gate, each closed for every door: the service (which the pages
call), QuerySet.update(), the admin and raw SQL as the application's own database role.

Each test states what a supervising lawyer would try, and what must happen instead.
"""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from assessments import choices, completeness, gate, services
from assessments.models import ApprovedFinding, Assessment, Finding, Flag, FlagRule, RemovalDecision, RemovalProposal, Review, RiskType
from core.errors import validation_error_from_integrity
from people.merge import person_merge
from tests.assessments import builders
from tests.assessments.builders import TODAY
from tests.factories import LegalStatusFactory, PersonFactory

D = datetime.date


def _ask(person, decider, *, measure="deportation", destination="IR", transit=("TR",), today=TODAY, decided_on=None):
    return gate.removal_gate(
        person=person, measure=measure, destination=destination, transit_countries=list(transit), decider=decider,
        today=today, decided_on=decided_on,
    )


def _decide(person, decider, *, outcome="authorised", measure="deportation", destination="IR", transit=("TR",), **kwargs):
    return services.removal_decision_record(
        actor=decider, person=person, measure=measure, destination=destination, transit_countries=list(transit),
        outcome=outcome, reasons="Fictional reasons.", **kwargs,
    )


def _raw_decision(person, decider, *, assessment=None, outcome="authorised", destination="IR", transit=("TR",),
                  decided_on="current_date", measure="deportation", proposal=None):
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO assessments_removaldecision
                 (person_id, measure, destination, transit_countries, outcome, decided_by_id, decided_on, reasons,
                  assessment_id, proposal_id, created_at)
               VALUES (%s, %s, %s, %s::varchar[], %s, %s, {decided_on}, 'raw', %s, %s, now())""",
            [person.pk, measure, destination, list(transit), outcome, decider.pk, getattr(assessment, "pk", None),
             getattr(proposal, "pk", None)],
        )


def _gate_codes(error: IntegrityError) -> list[str]:
    return [row["code"] for row in json.loads(error.__cause__.diag.message_detail)]


def _resolve_flags(person, supervisor):
    for flag in Flag.objects.filter(person=person, resolved_at__isnull=True):
        services.flag_resolve(actor=supervisor, flag=flag, note="Fictional: reviewed and resolved.")


def _revisit(assessment, *, assessor, country, risk_code, reasons="Fictional: the country conditions changed (report of 2026)."):
    """Record a no-real-risk finding that expressly revisits the standing finding of real risk for the cell."""
    risk_type = RiskType.objects.get(code=risk_code)
    standing = completeness.standing_risks_for_cell(assessment, country, risk_type)
    assert standing, "nothing to revisit"
    return services.finding_save(
        actor=assessor, assessment=assessment, country=country, risk_type=risk_type,
        data={"outcome": "no_real_risk", "reasons": "Fictional reasons.", "revisits": standing[0], "revisit_reasons": reasons},
    )


def _complete_and_approve(assessment, *, assessor, reviewer, outcomes=None, revisits=()):
    """Fill a started assessment, revisit the cells named, submit and approve it."""
    builders.fill(assessment, assessor=assessor, outcomes=outcomes)
    for country, risk_code in revisits:
        _revisit(assessment, assessor=assessor, country=country, risk_code=risk_code)
    services.assessment_submit(actor=assessor, assessment=assessment)
    services.assessment_approve(actor=reviewer, assessment=assessment, today=TODAY)
    assessment.refresh_from_db()
    return assessment


# ---------------------------------------------------------------------------------------------------------
# Routes are assessed as routes


@pytest.mark.django_db
def test_an_approval_of_one_order_does_not_authorise_the_reverse_order(person, caseworker, supervisor, decider):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person, destination="IR", transit=("TR", "AZ"))
    assert _ask(person, decider, transit=("TR", "AZ")).allowed
    answer = _ask(person, decider, transit=("AZ", "TR"))
    assert answer.codes == ["no_assessment"]
    # The reason links to starting an assessment of exactly this route, in this order.
    start = reverse("assessments:assessment_start", args=[person.pk]) + "?destination=IR&transit=AZ,TR"
    assert answer.reasons[0].fix_url == start and "Azerbaijan → Türkiye → Iran" in answer.reasons[0].message
    with pytest.raises(services.RemovalBlocked):
        _decide(person, decider, transit=("AZ", "TR"))
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        _raw_decision(person, decider, transit=("AZ", "TR"))
    assert _gate_codes(refused.value) == ["no_assessment"]
    assert not RemovalDecision.objects.exists()


@pytest.mark.django_db
def test_a_transit_country_is_not_assessed_as_a_destination(person, caseworker, supervisor, decider):
    assessment = builders.approved(assessor=caseworker, reviewer=supervisor, person=person, destination="IR", transit=("TR",))
    assert _ask(person, decider, destination="TR", transit=()).codes == ["no_assessment"]
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        _raw_decision(person, decider, assessment=assessment, destination="TR", transit=())
    assert _gate_codes(refused.value) == ["no_assessment"]


# ---------------------------------------------------------------------------------------------------------
# A finding of real risk is not hidden by another assessment


@pytest.fixture
def torture_in_iran(person, caseworker, supervisor):
    """An approved assessment of Türkiye → Iran that found a real risk of torture in Iran."""
    assessment = builders.approved(
        assessor=caseworker, reviewer=supervisor, person=person, outcomes={("IR", "torture"): choices.Outcome.REAL_RISK}
    )
    _resolve_flags(person, supervisor)  # the automatic flag is its own reason; these tests are about the finding
    return assessment


@pytest.mark.django_db
def test_a_newer_assessment_of_a_longer_route_cannot_silently_hide_a_real_risk(torture_in_iran, person, caseworker, supervisor, decider):
    longer = builders.fill(
        builders.start(assessor=caseworker, person=person, destination="IR", transit=("AZ", "TR")), assessor=caseworker
    )
    # The checklist names the standing finding the new one contradicts; submission is refused.
    missing = completeness.assessment_missing(longer)
    assert [m.code for m in missing] == ["standing_risk_not_revisited"]
    assert torture_in_iran.reference in missing[0].message and "Iran – Torture" in missing[0].message
    with pytest.raises(services.AssessmentIncomplete):
        services.assessment_submit(actor=caseworker, assessment=longer)
    # Nor can update() push it through: the database asks the same function.
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        Assessment.objects.filter(pk=longer.pk).update(status="submitted")
    assert json.loads(refused.value.__cause__.diag.message_detail)[0]["code"] == "standing_risk_not_revisited"
    # Whatever the newer assessment says, the older finding still bars removal to Iran on either route.
    for transit in (("TR",), ("AZ", "TR")):
        assert "real_risk_found" in _ask(person, decider, transit=transit).codes


@pytest.mark.django_db
def test_a_later_approved_revisit_lifts_the_bar_and_only_then(torture_in_iran, person, caseworker, supervisor, decider):
    again = builders.start(assessor=caseworker, person=person)
    builders.fill(again, assessor=caseworker)
    _revisit(again, assessor=caseworker, country="IR", risk_code="torture")
    services.assessment_submit(actor=caseworker, assessment=again)
    assert "real_risk_found" in _ask(person, decider).codes  # submitted is not approved: the bar stands
    services.assessment_approve(actor=supervisor, assessment=again, today=TODAY)
    assert _ask(person, decider).allowed
    record = ApprovedFinding.objects.get(assessment=again, country="IR", risk_type__code="torture")
    assert record.revisits.assessment_id == torture_in_iran.pk and "country conditions" in record.revisit_reasons
    # Reopening the revisiting assessment (new evidence) puts the bar back.
    services.evidence_add(actor=caseworker, assessment=again, data={"kind": "coi", "title": "Fictional report", "source": "Fictional"})
    assert "real_risk_found" in _ask(person, decider).codes


@pytest.mark.django_db
def test_a_revisit_must_name_a_standing_finding_of_the_same_cell(torture_in_iran, person, caseworker):
    again = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    record = ApprovedFinding.objects.get(assessment=torture_in_iran, country="IR", risk_type__code="torture")
    cidt = RiskType.objects.get(code="cidt")
    with pytest.raises(ValidationError) as refused:
        services.finding_save(
            actor=caseworker, assessment=again, country="IR", risk_type=cidt,
            data={"outcome": "no_real_risk", "revisits": record, "revisit_reasons": "Fictional."},
        )
    assert refused.value.error_dict["revisits"][0].code == "revisit_not_standing"
    finding = Finding.objects.get(assessment=again, country="IR", risk_type=cidt)
    with pytest.raises(IntegrityError, match="same person, country and risk type"), transaction.atomic():
        Finding.objects.filter(pk=finding.pk).update(revisits=record, revisit_reasons="Fictional.")
    with pytest.raises(IntegrityError), transaction.atomic():  # and never without reasons
        Finding.objects.filter(assessment=again, country="IR", risk_type__code="torture").update(revisits=record)


@pytest.mark.django_db
def test_withdrawing_or_superseding_the_assessment_does_not_lift_its_finding(torture_in_iran, person, caseworker, supervisor, decider):
    services.assessment_withdraw(actor=supervisor, assessment=torture_in_iran, reason="Fictional: filed in error.")
    assert "real_risk_found" in _ask(person, decider).codes


@pytest.mark.django_db
def test_after_a_merge_the_merged_records_finding_still_bars(team, caseworker, supervisor, decider, administrator):
    survivor = PersonFactory(owning_team=team, assigned_caseworker=caseworker, full_name_latin="Fictional Survivor")
    duplicate = PersonFactory(owning_team=team, assigned_caseworker=caseworker, full_name_latin="Fictional Duplicate")
    builders.approved(assessor=caseworker, reviewer=supervisor, person=duplicate, outcomes={("IR", "torture"): "real_risk"})
    builders.approved(assessor=caseworker, reviewer=supervisor, person=survivor)
    _resolve_flags(duplicate, supervisor)
    person_merge(actor=administrator, survivor=survivor, merged=duplicate, reason="Fictional: the same person registered twice.")
    assert "real_risk_found" in _ask(survivor, decider).codes


@pytest.mark.django_db
def test_raw_sql_naming_an_older_clean_assessment_cannot_escape_a_newer_finding(person, caseworker, supervisor, decider):
    clean = builders.approved(assessor=caseworker, reviewer=supervisor, person=person, destination="IR", transit=())
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person, outcomes={("IR", "cidt"): "real_risk"})
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        _raw_decision(person, decider, assessment=clean)  # names a clean assessment of another route
    assert "real_risk_found" in _gate_codes(refused.value)
    # On the clean assessment's own route the database rests the decision on its own choice, and still bars.
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        _raw_decision(person, decider, assessment=clean, transit=())
    assert "real_risk_found" in _gate_codes(refused.value)


@pytest.mark.django_db
def test_the_database_records_what_a_decision_rests_on_whatever_the_insert_names(person, caseworker, supervisor, decider):
    chosen = builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    other = builders.approved(assessor=caseworker, reviewer=supervisor, person=person, transit=())
    _raw_decision(person, decider, assessment=other)
    assert RemovalDecision.objects.get().assessment_id == chosen.pk


# ---------------------------------------------------------------------------------------------------------
# An approval means what it says, whatever wrote it


@pytest.mark.django_db
def test_an_expired_approval_cannot_be_revived_by_update(person, caseworker, supervisor):
    assessment = builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    for change in ({"valid_until": TODAY + datetime.timedelta(days=999)}, {"approved_at": assessment.approved_at + datetime.timedelta(days=1)},
                   {"approved_by": caseworker}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Assessment.objects.filter(pk=assessment.pk).update(**change)
    assert Assessment.objects.get(pk=assessment.pk).valid_until == assessment.valid_until


@pytest.mark.django_db
def test_the_assessor_cannot_be_changed_so_the_author_approves_their_own_work(person, caseworker, supervisor, decider):
    assessment = builders.fill(builders.start(assessor=supervisor, person=person), assessor=supervisor)
    services.assessment_submit(actor=supervisor, assessment=assessment)
    with pytest.raises(IntegrityError, match="assessor"), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(assessor=decider)
    with pytest.raises(services.PermissionDenied):
        services.assessment_approve(actor=supervisor, assessment=assessment)


@pytest.mark.django_db
def test_an_incomplete_assessment_cannot_be_approved_through_update_and_a_written_review(person, caseworker, supervisor, decider):
    assessment = builders.start(assessor=caseworker, person=person)  # nothing filled in
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(status="submitted", submitted_at=assessment.created_at)
    codes = {row["code"] for row in json.loads(refused.value.__cause__.diag.message_detail)}
    assert {"no_interview", "findings_missing", "no_conclusion", "no_independence_declaration"} <= codes
    # The message a page would show is the checklist's own.
    messages = validation_error_from_integrity(refused.value).messages
    assert messages[0] == "The assessment is not complete:" and any("no finding yet" in m for m in messages)
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"


@pytest.mark.django_db
def test_a_review_by_someone_without_the_review_role_is_refused_and_reviews_never_change(person, caseworker, supervisor, no_role_user):
    assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    services.assessment_submit(actor=caseworker, assessment=assessment)
    with pytest.raises(IntegrityError, match="allowed to review"), transaction.atomic():
        Review.objects.create(assessment=assessment, reviewer=no_role_user, decision="approved")
    services.assessment_return(actor=supervisor, assessment=assessment, comments="Fictional comments.")
    review = Review.objects.get()
    with pytest.raises(IntegrityError, match="never changed"), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(decision="approved")
    with pytest.raises(IntegrityError, match="never changed"), transaction.atomic():
        Review.objects.filter(pk=review.pk).delete()


CHOICE_COLUMNS = [
    ("assessments_removaldecision", "outcome", "Authorised"),
    ("assessments_removaldecision", "outcome", "AUTHORISED"),
    ("assessments_removaldecision", "measure", "Deportation"),
    ("assessments_assessment", "status", "Approved"),
    ("assessments_removalproposal", "status", "OPEN"),
    ("assessments_flag", "category", "appeal"),
    ("assessments_finding", "outcome", "Real risk"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("table, column, value", CHOICE_COLUMNS)
def test_every_choice_column_the_gate_reads_refuses_unknown_values(table, column, value):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE t.relname = %s AND c.contype = 'c'", [table]
        )
        definitions = " ".join(row[0] for row in cursor.fetchall())
    assert re.search(rf"\(?{column}\)?::text = ANY", definitions), definitions
    assert f"'{value}'" not in definitions


@pytest.mark.django_db
def test_raw_sql_cannot_write_an_unknown_outcome(person, caseworker, supervisor, decider):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person, outcomes={("IR", "torture"): "real_risk"})
    for value in ("Authorised", "AUTHORISED"):
        with pytest.raises(IntegrityError, match="decision_outcome_allowed"), transaction.atomic():
            _raw_decision(person, decider, outcome=value)
    assert not RemovalDecision.objects.exists()


# ---------------------------------------------------------------------------------------------------------
# Nothing an administrator can switch off lifts an absolute bar


@pytest.mark.django_db
def test_torture_cannot_be_deactivated_while_a_torture_finding_exists(torture_in_iran, person, decider):
    torture = RiskType.objects.get(code="torture")
    with pytest.raises(IntegrityError, match="absolute bar"), transaction.atomic():
        RiskType.objects.filter(pk=torture.pk).update(is_active=False)
    with pytest.raises(IntegrityError, match="absolute bar"), transaction.atomic():
        RiskType.objects.filter(pk=torture.pk).update(absolute_bar=False)
    assert services.risk_type_change_refusal(torture, absolute_bar=True, is_active=False)
    assert services.risk_type_change_refusal(RiskType.objects.get(code="cidt"), absolute_bar=True, is_active=False) is None


@pytest.mark.django_db
def test_deactivating_a_risk_type_never_lifts_its_findings(person, caseworker, supervisor, decider):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person, outcomes={("IR", "persecution"): "real_risk"})
    RiskType.objects.filter(code="persecution").update(is_active=False)  # not an absolute bar: allowed
    assert "real_risk_found" in _ask(person, decider).codes


@pytest.mark.django_db
def test_the_admin_refuses_to_deactivate_torture_with_a_message(torture_in_iran, client, administrator):
    client.force_login(administrator)
    torture = RiskType.objects.get(code="torture")
    url = reverse("admin:assessments_risktype_change", args=[torture.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {field: value for field, value in page.context["adminform"].form.initial.items() if value is not None}
    data.update({"is_active": "", "absolute_bar": "on", "position": torture.position})
    data.pop("is_active")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "its bar on return stays absolute" in response.content.decode()
    assert RiskType.objects.get(pk=torture.pk).is_active


@pytest.mark.django_db
def test_the_torture_flag_rule_cannot_be_disabled_or_made_non_blocking():
    rule = FlagRule.objects.get(code=choices.FlagRuleCode.REAL_RISK_ABSOLUTE)
    for change in ({"enabled": False}, {"blocks_removal": False}):
        with pytest.raises(IntegrityError, match="flag_rule_absolute_always_blocks"), transaction.atomic():
            FlagRule.objects.filter(pk=rule.pk).update(**change)
    rule.enabled = False
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert "cannot be disabled" in str(refused.value)


@pytest.mark.django_db
@pytest.mark.parametrize("category", choices.SUSPENSIVE_FLAG_CATEGORIES)
def test_a_suspensive_flag_always_blocks(category, person, caseworker, supervisor, decider):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    flag = services.flag_raise(actor=caseworker, person=person, reason="Fictional appeal; lodged (today)", category=category, blocks_removal=False)
    assert flag.blocks_removal
    answer = _ask(person, decider)
    assert "blocking_flag_open" in answer.codes
    with pytest.raises(IntegrityError, match="flag_suspensive_blocks"), transaction.atomic():
        Flag.objects.filter(pk=flag.pk).update(blocks_removal=False)


# ---------------------------------------------------------------------------------------------------------
# Dates, proposals and consent


@pytest.mark.django_db
def test_a_decision_cannot_be_dated_in_the_future_or_before_its_approval(person, caseworker, supervisor, decider):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    with pytest.raises(ValidationError) as refused:
        _decide(person, decider, decided_on=TODAY + datetime.timedelta(days=1), today=TODAY)
    assert refused.value.error_dict["decided_on"][0].code == "decided_in_future"
    with pytest.raises(services.RemovalBlocked) as blocked:
        _decide(person, decider, decided_on=TODAY - datetime.timedelta(days=1), today=TODAY)
    assert [r.code for r in blocked.value.reasons] == ["decided_before_approval"]
    for when in ("current_date + 1", "current_date - 1"):
        with pytest.raises(IntegrityError), transaction.atomic():
            _raw_decision(person, decider, decided_on=when)
    assert not RemovalDecision.objects.exists()


@pytest.fixture
def proposal(person, caseworker):
    return services.proposal_create(
        actor=caseworker, person=person, measure="deportation", destination="IR", transit_countries=["TR"],
        proposed_by="Fictional ministry",
    )


@pytest.mark.django_db
def test_a_decided_or_withdrawn_proposal_cannot_be_decided_again(proposal, person, caseworker, supervisor, decider):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    _decide(person, decider, outcome="barred", proposal=proposal)
    assert RemovalProposal.objects.get(pk=proposal.pk).status == "decided"
    with pytest.raises(services.InvalidTransition) as refused:
        _decide(person, decider, proposal=proposal)
    assert refused.value.code == "proposal_closed"
    with pytest.raises(IntegrityError, match="cannot be decided again"), transaction.atomic():
        _raw_decision(person, decider, proposal=proposal)
    with pytest.raises(IntegrityError, match="cannot go from"), transaction.atomic():
        RemovalProposal.objects.filter(pk=proposal.pk).update(status="open")
    assert RemovalDecision.objects.count() == 1


@pytest.mark.django_db
def test_a_postponed_decision_leaves_the_proposal_open(proposal, person, decider):
    _decide(person, decider, outcome="postponed", proposal=proposal)
    assert RemovalProposal.objects.get(pk=proposal.pk).status == "open"


def _consent(person, caseworker, *, given_on=TODAY, transit=("TR",), destination="IR"):
    return services.consent_record(
        actor=caseworker, person=person, destination=destination, transit_countries=list(transit),
        data={
            "given_on": given_on, "language": "fa", "interpreter_name": "Fictional interpreter",
            "conditions_explained": "Fictional account of conditions on return.",
            "no_pressure_confirmed": True, "safe_setting_confirmed": True,
        },
    )


@pytest.mark.django_db
def test_consent_counts_only_for_its_route_and_after_the_findings(person, caseworker, supervisor, decider):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    _consent(person, caseworker, transit=())  # to Iran directly, not through Türkiye
    assert _ask(person, decider, measure="voluntary_return").codes == ["consent_missing"]
    _consent(person, caseworker, given_on=TODAY - datetime.timedelta(days=30))  # before the approval
    assert _ask(person, decider, measure="voluntary_return").codes == ["consent_before_findings"]
    _consent(person, caseworker)
    assert _ask(person, decider, measure="voluntary_return").allowed
    # As at an earlier decision date, only the consent given before it counts (and it came before the findings).
    codes = _ask(person, decider, measure="voluntary_return", decided_on=TODAY - datetime.timedelta(days=1)).codes
    assert codes == ["decided_before_approval", "consent_before_findings"]


@pytest.mark.django_db
def test_consent_dated_after_the_decision_does_not_count_for_it(person, caseworker, supervisor, decider):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    _consent(person, caseworker)
    codes = _ask(person, decider, measure="voluntary_return", decided_on=TODAY - datetime.timedelta(days=1)).codes
    assert codes == ["decided_before_approval", "consent_after_decision"]


@pytest.mark.django_db
def test_consent_dated_in_the_future_is_refused(person, caseworker):
    with pytest.raises(ValidationError) as refused:
        _consent(person, caseworker, given_on=TODAY + datetime.timedelta(days=2))
    assert refused.value.error_dict["given_on"][0].code == "consent_in_future"


@pytest.mark.django_db
def test_unconfirmed_consent_links_to_the_confirm_action(person, caseworker, supervisor, decider):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person, outcomes={("IR", "persecution"): "real_risk"})
    consent = _consent(person, caseworker)
    reason = _ask(person, decider, measure="voluntary_return").reasons[0]
    assert reason.code == "consent_not_confirmed"
    assert reason.fix_url == reverse("assessments:consent_action", args=[consent.pk, "confirm"])


@pytest.mark.django_db
def test_an_asylum_claim_starting_in_the_future_is_not_pending(person, caseworker, supervisor, decider):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    LegalStatusFactory(person=person, kind="asylum_seeker", started_on=TODAY + datetime.timedelta(days=10))
    assert _ask(person, decider).allowed
    LegalStatusFactory(person=person, kind="asylum_seeker", started_on=D(2025, 1, 1))
    assert _ask(person, decider).codes == ["asylum_claim_pending"]


# ---------------------------------------------------------------------------------------------------------
# Refusals that explain


@pytest.mark.django_db
def test_the_author_is_told_who_may_decide_instead(person, caseworker, supervisor, decider):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    reason = _ask(person, supervisor).reasons[0]
    assert reason.code == "decider_is_reviewer"
    assert "Who may decide instead:" in reason.message and (decider.get_full_name() or decider.username) in reason.message
    assert supervisor.username not in reason.message.split("instead:")[1]


@pytest.mark.django_db
def test_a_flag_reason_with_semicolons_and_brackets_survives_the_database_refusal(person, caseworker, supervisor, decider):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    reason = "Interim measure (Rule 39); requested by the Committee: do not remove (fictional)"
    services.flag_raise(actor=caseworker, person=person, reason=reason, category=choices.FlagCategory.INTERIM_MEASURE)
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        _raw_decision(person, decider)
    messages = validation_error_from_integrity(refused.value).messages
    assert f"An open flag blocks removal: {reason}" in messages


def _codes_in(function: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.proname = %s", [function])
        body = " ".join(row[0] for row in cursor.fetchall())
    codes = set(re.findall(r"code := '([a-z_]+)';", body))
    codes |= set(re.findall(r"'code', '([a-z_]+)'", body))
    # `code := 'assessment_' || v_a.status` under `v_a.status IN ('superseded', 'withdrawn')`
    if "'assessment_' || v_a.status" in body:
        statuses = re.search(r"v_a\.status IN \(([^)]*)\)", body).group(1)
        codes |= {"assessment_" + status.strip(" '") for status in statuses.split(",")}
    for then in re.findall(r"THEN '([a-z_]+)' ELSE '([a-z_]+)'", body):
        codes |= set(then)
    return codes


@pytest.mark.django_db
def test_every_code_the_database_can_give_has_its_sentence():
    gate_codes = _codes_in("removal_gate_reasons") | _codes_in("removal_decision_guard")
    assert {"no_assessment", "real_risk_found", "assessment_superseded", "assessment_withdrawn", "consent_after_decision"} <= gate_codes
    assert gate_codes <= set(gate.MESSAGES), gate_codes - set(gate.MESSAGES)
    missing_codes = _codes_in("assessment_missing")
    assert {"no_interview", "standing_risk_not_revisited", "no_independence_declaration"} <= missing_codes
    assert missing_codes <= set(completeness.MESSAGES), missing_codes - set(completeness.MESSAGES)


# ---------------------------------------------------------------------------------------------------------
# Through the pages


@pytest.mark.django_db
def test_the_finding_page_offers_the_revisit_and_saves_it(torture_in_iran, client, person, caseworker):
    again = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    client.force_login(caseworker)
    url = reverse("assessments:finding_edit", args=[again.pk, "IR", "torture"])
    page = client.get(url).content.decode()
    assert "still bars removal" in page and f"{torture_in_iran.reference}: real risk found" in page
    record = ApprovedFinding.objects.get(assessment=torture_in_iran, country="IR", risk_type__code="torture")
    # Naming it without saying why is refused with the message, and nothing changes.
    response = client.post(url, {"outcome": "no_real_risk", "reasons": "Fictional.", "revisits": record.pk, "revisit_reasons": ""})
    assert "Say why the earlier finding of real risk no longer holds." in response.content.decode()
    assert Finding.objects.get(assessment=again, country="IR", risk_type__code="torture").revisits_id is None
    client.post(url, {"outcome": "no_real_risk", "reasons": "Fictional.", "revisits": record.pk,
                      "revisit_reasons": "Fictional: the 2026 country report shows the practice ended."})
    assert Finding.objects.get(assessment=again, country="IR", risk_type__code="torture").revisits == record
    assert "standing_risk_not_revisited" not in [m.code for m in completeness.assessment_missing(again)]
    # A cell with nothing standing offers no revisit.
    assert "still bars removal" not in client.get(reverse("assessments:finding_edit", args=[again.pk, "IR", "cidt"])).content.decode()


@pytest.mark.django_db
def test_consent_is_recorded_for_a_route_through_the_page(client, person, caseworker):
    from assessments.models import VoluntaryReturnConsent

    client.force_login(caseworker)
    url = reverse("assessments:consent_record", args=[person.pk])
    assert 'value="TR" selected' in client.get(url + "?destination=IR&transit=TR").content.decode().replace("selected=\"\"", "selected")
    response = client.post(url, {
        "destination": "IR", "transit_1": "TR", "given_on": TODAY.isoformat(), "language": "fa", "interpreter_name": "Fictional",
        "conditions_explained": "Fictional account.", "no_pressure_confirmed": "on", "safe_setting_confirmed": "on",
    })
    assert response.status_code == 302
    consent = VoluntaryReturnConsent.objects.get()
    assert consent.destination == "IR" and consent.transit_countries == ["TR"]
