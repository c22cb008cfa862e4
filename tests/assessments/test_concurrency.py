"""Races on a real PostgreSQL: a removal decision against the assessment being reopened, withdrawn or
blocked by a flag, many times. No authorised decision may ever rest on an assessment that had already
stopped being approved when the gate checked it.

Ordering evidence comes from the database's own clock, taken after each side holds its row locks:
`RemovalDecision.gate_checked_at` (set by the gate trigger) and `Assessment.status_changed_at` (set by the
status trigger). If a decision was authorised, its check must come before the status change.
"""

from __future__ import annotations

import threading

import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from assessments import choices, services
from assessments.models import Assessment, RemovalDecision
from tests.assessments import builders
from tests.factories import PersonFactory

ROUNDS = 12


def _race(first, second):
    """Run two callables in two threads (two connections) released together by a barrier."""
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def run(name, fn):
        try:
            barrier.wait(timeout=10)
            outcomes[name] = fn()
        except Exception as exc:  # noqa: BLE001 - recorded and asserted on below
            outcomes[name] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n, f)) for n, f in (("a", first), ("b", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racing transaction hung (deadlock?)"
    return outcomes


def _slow(change, hold: float = 0.15):
    """Run `change` in a transaction that stays open a moment after it: the window a racing check must not use."""
    def go():
        with transaction.atomic():
            result = change()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(%s)", [hold])
        return result
    return go


def _delayed(fn, delay: float):
    def go():
        time.sleep(delay)
        return fn()
    return go


def _authorise(person, decider):
    def go():
        return services.removal_decision_record(
            actor=decider, person=person, measure="deportation", destination="IR", transit_countries=["TR"],
            outcome=choices.DecisionOutcome.AUTHORISED, reasons="Fictional race.",
        )
    return go


def _assert_no_decision_rests_on_a_stale_approval():
    for decision in RemovalDecision.objects.filter(outcome="authorised").select_related("assessment"):
        assessment = decision.assessment
        assert decision.gate_checked_at is not None
        if assessment.status != "approved":
            assert decision.gate_checked_at < assessment.status_changed_at, (
                f"decision checked at {decision.gate_checked_at} rests on an assessment that became "
                f"{assessment.status} at {assessment.status_changed_at}"
            )


CHANGES = {
    "reopen_by_evidence": lambda a, cw, sup: services.evidence_add(
        actor=cw, assessment=a, data={"kind": "coi", "title": "Late report", "source": "Fictional"}
    ),
    "reopen_by_supervisor": lambda a, cw, sup: services.assessment_reopen(actor=sup, assessment=a, reason="New charges (fictional)"),
    "withdraw": lambda a, cw, sup: services.assessment_withdraw(actor=cw, assessment=a, reason="Fictional"),
    "blocking_flag": lambda a, cw, sup: services.flag_raise(actor=cw, person=a.person, reason="Appeal lodged", blocks_removal=True),
}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_decision_racing_a_change_never_rests_on_a_stale_approval(change, team, caseworker, supervisor, decider):
    results = {"authorised": 0, "blocked": 0}
    for i in range(ROUNDS):
        person = PersonFactory(owning_team=team)
        assessment = builders.approved(assessor=caseworker, reviewer=supervisor, person=person, today=timezone.localdate())
        # Vary who goes first: the decision starts before, during or after the change's open transaction.
        decide = _delayed(_authorise(person, decider), delay=(i % 3) * 0.05)
        outcomes = _race(decide, _slow(lambda a=assessment: CHANGES[change](a, caseworker, supervisor)))
        assert not isinstance(outcomes["b"], Exception), outcomes["b"]
        if isinstance(outcomes["a"], services.RemovalBlocked):
            results["blocked"] += 1
        else:
            assert isinstance(outcomes["a"], RemovalDecision), outcomes["a"]
            results["authorised"] += 1
    _assert_no_decision_rests_on_a_stale_approval()
    assert results["authorised"] + results["blocked"] == ROUNDS
    assert results["blocked"] > 0  # the race really happened both ways round
    assert Assessment.objects.filter(status="approved").count() == 0  # every change landed


def _raw_authorise(person, decider, assessment):
    def go():
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO assessments_removaldecision (person_id, measure, destination, transit_countries, outcome,
                       decided_by_id, decided_on, reasons, assessment_id, created_at)
                   VALUES (%s, 'deportation', 'IR', '{TR}', 'authorised', %s, current_date, 'raw race', %s, now())""",
                [person.pk, decider.pk, assessment.pk],
            )
        return "inserted"
    return go


def _raw_reopen(assessment):
    def go():
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO assessments_evidence (assessment_id, kind, title, source, reliability, corroboration,
                       citation, disclosed_to_person, restricted, summary, file, original_filename, content_type,
                       added_by_id, examination_offered, consent_to_examination, examiner, created_at, updated_at)
                   VALUES (%s, 'coi', 'raw', 'raw', 'unknown', 'uncorroborated', '', false, false, '', '', '', '',
                           %s, false, false, '', now(), now())""",
                [assessment.pk, assessment.assessor_id],
            )
        return "reopened"
    return go


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_raw_sql_race_is_serialised_by_the_trigger_alone(team, caseworker, supervisor, decider):
    """No service locks at all: two raw SQL writers, and still no decision on a stale approval."""
    for i in range(ROUNDS):
        person = PersonFactory(owning_team=team)
        assessment = builders.approved(assessor=caseworker, reviewer=supervisor, person=person, today=timezone.localdate())
        decide = _delayed(_raw_authorise(person, decider, assessment), delay=(i % 3) * 0.05)
        outcomes = _race(decide, _slow(_raw_reopen(assessment)))
        assert outcomes["b"] == "reopened"
        assert outcomes["a"] == "inserted" or "Removal cannot be authorised" in str(outcomes["a"])
    _assert_no_decision_rests_on_a_stale_approval()


def _revisiting_draft(person, caseworker):
    """A second assessment of the same route that revisits the standing finding of real risk and is submitted."""
    from assessments.completeness import standing_risks_for_cell
    from assessments.models import RiskType

    again = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    persecution = RiskType.objects.get(code="persecution")
    services.finding_save(
        actor=caseworker, assessment=again, country="IR", risk_type=persecution,
        data={"outcome": "no_real_risk", "reasons": "Fictional reasons.", "feared_actor": "state",
              "revisits": standing_risks_for_cell(again, "IR", persecution)[0],
              "revisit_reasons": "Fictional: the country conditions changed."},
    )
    services.assessment_submit(actor=caseworker, assessment=again)
    return again


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_revisit_approved_while_a_decision_is_recorded(team, caseworker, supervisor, decider):
    """Before the revisit's approval the old finding bars; a decision authorised in the race was checked after it."""
    results = {"authorised": 0, "blocked": 0}
    for i in range(ROUNDS):
        person = PersonFactory(owning_team=team)
        builders.approved(assessor=caseworker, reviewer=supervisor, person=person, outcomes={("IR", "persecution"): "real_risk"},
                          today=timezone.localdate())
        again = _revisiting_draft(person, caseworker)
        approve = _slow(lambda a=again: services.assessment_approve(actor=supervisor, assessment=a, today=timezone.localdate()))
        decide = _authorise(person, decider)
        # Alternate which side starts late, so each wins some rounds.
        if i % 2:
            outcomes = _race(_delayed(decide, delay=(i % 3) * 0.05), approve)
        else:
            outcomes = _race(decide, _delayed(approve, delay=0.1 + (i % 3) * 0.05))
        assert not isinstance(outcomes["b"], Exception), outcomes["b"]
        if isinstance(outcomes["a"], services.RemovalBlocked):
            assert "real_risk_found" in [r.code for r in outcomes["a"].reasons]
            results["blocked"] += 1
        else:
            decision = outcomes["a"]
            assert isinstance(decision, RemovalDecision), decision
            again.refresh_from_db()
            assert decision.assessment_id == again.pk and decision.gate_checked_at > again.status_changed_at
            results["authorised"] += 1
    assert results["blocked"] > 0 and results["authorised"] > 0, results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_risk_type_toggled_while_a_decision_is_recorded_never_lets_a_finding_through(team, caseworker, supervisor, decider):
    from assessments.models import RiskType

    for i in range(ROUNDS):
        RiskType.objects.filter(code="persecution").update(is_active=True)
        person = PersonFactory(owning_team=team)
        builders.approved(assessor=caseworker, reviewer=supervisor, person=person, outcomes={("IR", "persecution"): "real_risk"},
                          today=timezone.localdate())
        toggle = _slow(lambda: RiskType.objects.filter(code="persecution").update(is_active=False))
        outcomes = _race(_delayed(_authorise(person, decider), delay=(i % 3) * 0.05), toggle)
        assert outcomes["b"] == 1
        assert isinstance(outcomes["a"], services.RemovalBlocked), outcomes["a"]
        assert "real_risk_found" in [r.code for r in outcomes["a"].reasons]
    assert not RemovalDecision.objects.exists()
