"""The removal gate: every state and condition blocks authorisation with its own reason code; one path authorises.

Each case sets up the world through the services, then asks the same gate the decision page asks, and
tries to record an authorised decision, which the service refuses with the same reasons.
"""

from __future__ import annotations

import datetime

import pytest

from assessments import choices, services
from assessments.gate import removal_gate
from assessments.models import Assessment, RemovalDecision, RiskType
from tests.assessments import builders
from tests.assessments.builders import TODAY
from tests.factories import LegalStatusFactory

D = datetime.date


def _ask(person, decider, *, measure="deportation", destination="IR", transit=("TR",), today=TODAY):
    return removal_gate(
        person=person, measure=measure, destination=destination, transit_countries=list(transit), decider=decider, today=today
    )


def _try_authorise(person, decider, *, measure="deportation", destination="IR", transit=("TR",), today=TODAY):
    return services.removal_decision_record(
        actor=decider, person=person, measure=measure, destination=destination, transit_countries=list(transit),
        outcome=choices.DecisionOutcome.AUTHORISED, reasons="Fictional reasons.", today=today,
    )


def setup_no_assessment(w):
    return {}


def setup_draft(w):
    builders.fill(builders.start(assessor=w.caseworker, person=w.person), assessor=w.caseworker)
    return {}


def setup_submitted(w):
    a = builders.fill(builders.start(assessor=w.caseworker, person=w.person), assessor=w.caseworker)
    services.assessment_submit(actor=w.caseworker, assessment=a)
    return {}


def setup_returned(w):
    a = builders.fill(builders.start(assessor=w.caseworker, person=w.person), assessor=w.caseworker)
    services.assessment_submit(actor=w.caseworker, assessment=a)
    services.assessment_return(actor=w.supervisor, assessment=a, comments="Add country information on Turkey.")
    return {}


def setup_reopened_by_evidence(w):
    a = w.approved()
    services.evidence_add(actor=w.caseworker, assessment=a, data={"kind": "coi", "title": "New report", "source": "Fictional NGO"})
    return {}


def setup_reopened_by_supervisor(w):
    a = w.approved()
    services.assessment_reopen(actor=w.supervisor, assessment=a, reason="New charges reported in the press (fictional).")
    return {}


def setup_withdrawn(w):
    a = w.approved()
    services.assessment_withdraw(actor=w.caseworker, assessment=a, reason="Opened in error (fictional).")
    return {}


def setup_expired(w):
    w.approved()
    return {"today": TODAY + datetime.timedelta(days=181)}


def setup_other_route(w):
    w.approved(transit=())
    return {}


def setup_transit_order_reversed(w):
    w.approved(transit=("TR", "AZ"))
    return {"transit": ("AZ", "TR")}


def setup_transit_country_as_destination(w):
    w.approved(destination="IR", transit=("TR",))
    return {"destination": "TR", "transit": ()}


def setup_finding_missing(w):
    w.approved()
    RiskType.objects.create(code="new_harm", name="A harm added to the taxonomy later", position=99)
    return {}


def setup_insufficient(w):
    w.approved(outcomes={("TR", "onward_refoulement"): choices.Outcome.INSUFFICIENT})
    return {}


def setup_real_risk(w):
    w.approved(outcomes={("IR", "cidt"): choices.Outcome.REAL_RISK})
    return {}


def setup_decider_is_assessor(w):
    w.approved()
    return {"decider": w.caseworker}


def setup_decider_is_reviewer(w):
    w.approved()
    return {"decider": w.supervisor}


def setup_blocking_flag(w):
    services.flag_raise(
        actor=w.caseworker, person=w.person, reason="Appeal lodged (fictional).", blocks_removal=True,
        category=choices.FlagCategory.APPEAL_PENDING,
    )
    w.approved()
    return {}


def setup_asylum_pending(w):
    w.approved()
    LegalStatusFactory(person=w.person, kind="asylum_seeker", started_on=D(2025, 1, 1))
    return {}


def setup_voluntary_without_consent(w):
    w.approved()
    return {"measure": choices.Measure.VOLUNTARY_RETURN}


def setup_voluntary_risk_unconfirmed(w):
    w.approved(outcomes={("IR", "persecution"): choices.Outcome.REAL_RISK})
    w.consent()
    return {"measure": choices.Measure.VOLUNTARY_RETURN}


CASES = [
    (setup_no_assessment, {"no_assessment"}),
    (setup_draft, {"assessment_not_approved"}),
    (setup_submitted, {"assessment_not_approved"}),
    (setup_returned, {"assessment_not_approved"}),
    (setup_reopened_by_evidence, {"assessment_reopened"}),
    (setup_reopened_by_supervisor, {"assessment_reopened"}),
    (setup_withdrawn, {"assessment_withdrawn"}),
    (setup_expired, {"assessment_expired"}),
    (setup_other_route, {"no_assessment"}),
    (setup_transit_order_reversed, {"no_assessment"}),
    (setup_transit_country_as_destination, {"no_assessment"}),
    (setup_finding_missing, {"finding_missing"}),
    (setup_insufficient, {"insufficient_information"}),
    (setup_real_risk, {"real_risk_found"}),
    (setup_decider_is_assessor, {"decider_is_assessor"}),
    (setup_decider_is_reviewer, {"decider_is_reviewer"}),
    (setup_blocking_flag, {"blocking_flag_open"}),
    (setup_asylum_pending, {"asylum_claim_pending"}),
    (setup_voluntary_without_consent, {"consent_missing"}),
    (setup_voluntary_risk_unconfirmed, {"consent_not_confirmed"}),
]


class World:
    def __init__(self, person, caseworker, supervisor, decider):
        self.person, self.caseworker, self.supervisor, self.decider = person, caseworker, supervisor, decider

    def approved(self, **kwargs):
        return builders.approved(assessor=self.caseworker, reviewer=self.supervisor, person=self.person, **kwargs)

    def consent(self, transit=("TR",), **overrides):
        data = {
            "given_on": TODAY, "language": "fa", "interpreter_name": "Fictional interpreter",
            "conditions_explained": "Fictional account of conditions on return.",
            "no_pressure_confirmed": True, "safe_setting_confirmed": True,
        }
        data.update(overrides)
        return services.consent_record(
            actor=self.caseworker, person=self.person, destination="IR", transit_countries=list(transit), data=data
        )


@pytest.fixture
def world(person, caseworker, supervisor, decider):
    return World(person, caseworker, supervisor, decider)


@pytest.mark.django_db
@pytest.mark.parametrize("setup, expected", CASES, ids=[c[0].__name__.removeprefix("setup_") for c in CASES])
def test_each_condition_blocks_with_its_own_reason(world, setup, expected):
    options = setup(world)
    decider = options.pop("decider", world.decider)
    answer = _ask(world.person, decider, **options)
    assert not answer.allowed
    assert set(answer.codes) == expected, [r.message for r in answer.reasons]
    assert all(r.message and r.code not in r.message for r in answer.reasons)  # plain words, not codes

    if decider.has_perm("assessments.record_decision"):
        with pytest.raises(services.RemovalBlocked) as refused:
            _try_authorise(world.person, decider, **options)
        assert {r.code for r in refused.value.reasons} == expected
    assert not RemovalDecision.objects.filter(outcome="authorised").exists()


@pytest.mark.django_db
def test_every_reason_at_once_is_listed_not_only_the_first(world):
    world.approved(outcomes={("IR", "torture"): choices.Outcome.REAL_RISK, ("TR", "cidt"): choices.Outcome.INSUFFICIENT})
    LegalStatusFactory(person=world.person, kind="asylum_seeker", started_on=D(2025, 1, 1))
    answer = _ask(world.person, world.caseworker, today=TODAY + datetime.timedelta(days=400))
    assert {"assessment_expired", "real_risk_found", "insufficient_information", "decider_is_assessor", "asylum_claim_pending",
            "blocking_flag_open"} <= set(answer.codes)


@pytest.mark.django_db
def test_the_one_path_that_authorises(world):
    assessment = world.approved()
    answer = _ask(world.person, world.decider)
    assert answer.allowed and answer.reasons == [] and answer.assessment == assessment
    decision = _try_authorise(world.person, world.decider)
    assert decision.outcome == "authorised" and decision.assessment == assessment
    assert decision.gate_checked_at is not None  # the database checked it too


@pytest.mark.django_db
def test_voluntary_return_with_risk_needs_confirmed_consent_and_then_passes(world):
    world.approved(outcomes={("IR", "persecution"): choices.Outcome.REAL_RISK})
    consent = world.consent()
    assert _ask(world.person, world.decider, measure="voluntary_return").codes == ["consent_not_confirmed"]
    # Forcible removal stays barred whatever consent exists.
    assert "real_risk_found" in _ask(world.person, world.decider, measure="deportation").codes
    services.consent_confirm(actor=world.decider, consent=consent)
    flags = world.person.flags.open()
    assert not flags.filter(blocks_removal=True).exists()  # persecution is not an absolute-bar flag rule
    decision = _try_authorise(world.person, world.decider, measure="voluntary_return")
    assert decision.consent == consent


@pytest.mark.django_db
def test_withdrawn_consent_no_longer_counts(world):
    world.approved()
    consent = world.consent()
    assert _ask(world.person, world.decider, measure="voluntary_return").allowed
    services.consent_withdraw(actor=world.caseworker, consent=consent)
    assert _ask(world.person, world.decider, measure="voluntary_return").codes == ["consent_missing"]


@pytest.mark.django_db
def test_barred_and_postponed_can_always_be_recorded(world):
    world.approved(outcomes={("IR", "torture"): choices.Outcome.REAL_RISK})
    for outcome in (choices.DecisionOutcome.BARRED, choices.DecisionOutcome.POSTPONED):
        decision = services.removal_decision_record(
            actor=world.decider, person=world.person, measure="deportation", destination="IR", transit_countries=["TR"],
            outcome=outcome, reasons="Real risk of torture found (fictional).", today=TODAY,
        )
        assert decision.outcome == outcome
    # …even with no assessment at all, for another route.
    services.removal_decision_record(
        actor=world.decider, person=world.person, measure="deportation", destination="AF", transit_countries=[],
        outcome=choices.DecisionOutcome.POSTPONED, reasons="No assessment yet.", today=TODAY,
    )
    assert world.person.removal_decisions.count() == 3


@pytest.mark.django_db
def test_a_newer_approval_supersedes_the_older_and_the_gate_rests_on_the_newer(world):
    first = world.approved()
    second = world.approved()
    first.refresh_from_db()
    assert first.status == "superseded" and second.status == "approved"
    assert _ask(world.person, world.decider).assessment == second


@pytest.mark.django_db
def test_a_route_change_on_an_approved_assessment_reopens_it_in_the_database(world):
    assessment = world.approved()
    Assessment.objects.filter(pk=assessment.pk).update(transit_countries=["TR", "AZ"])
    assessment.refresh_from_db()
    assert assessment.status == "draft" and "route was changed" in assessment.status_reason
    assert "assessment_reopened" in _ask(world.person, world.decider, transit=("TR", "AZ")).codes
    assert _ask(world.person, world.decider).codes == ["no_assessment"]  # the old route is assessed no more


@pytest.mark.django_db
def test_caseworker_cannot_record_decisions(world):
    world.approved()
    with pytest.raises(services.PermissionDenied):
        _try_authorise(world.person, world.caseworker)


@pytest.mark.django_db
def test_decision_for_a_person_outside_scope_is_out_of_scope(world, other_supervisor, other_person):
    from core.errors import OutOfScope

    with pytest.raises(OutOfScope):
        services.removal_decision_record(
            actor=other_supervisor, person=world.person, measure="deportation", destination="IR", transit_countries=[],
            outcome="barred", reasons="x", today=TODAY,
        )
