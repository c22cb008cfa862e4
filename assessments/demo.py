"""Fictional demo cases that show every part of the workflow, made through the real services.

Idempotent: nothing is added if the demo people already have proposals.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model

from assessments import choices, services
from assessments.models import RemovalProposal, RiskType
from core import clock
from people.models import Person


def _complete(assessment, *, assessor, risks: dict[tuple[str, str], str], today: datetime.date):
    services.interview_save(
        actor=assessor,
        assessment=assessment,
        data={
            "held_on": today - datetime.timedelta(days=20), "place": "Camp Golestan interview room (fictional)", "language": "fa",
            "interpreter_name": "Fictional interpreter N.", "interpreter_not_representative": True, "same_sex_requested": False,
            "counsel_present": True, "information_given": "Purpose and confidentiality of the interview, the right to counsel, "
            "what happens next and how to appeal (fictional).",
            "record": "The person described arrest and interrogation in 1999 for distributing leaflets (fictional account).",
            "confirmation": choices.Confirmation.CONFIRMED,
        },
    )
    services.evidence_add(
        actor=assessor, assessment=assessment,
        data={"kind": "coi", "title": "Country report on treatment of returned opposition members (fictional)",
              "source": "Fictional human rights NGO", "document_date": today - datetime.timedelta(days=200),
              "accessed_on": today - datetime.timedelta(days=21), "reliability": "high", "corroboration": "corroborated",
              "citation": "Fictional NGO, Annual report, ch. 4", "disclosed_to_person": True},
    )
    for country in assessment.route:
        for risk_type in RiskType.objects.filter(is_active=True):
            outcome = risks.get((country, risk_type.code), choices.Outcome.NO_REAL_RISK)
            services.finding_save(
                actor=assessor, assessment=assessment, country=country, risk_type=risk_type,
                data={"outcome": outcome, "feared_actor": "state" if outcome != "no_real_risk" else "",
                      "reasons": "Fictional reasons weighing the testimony against country information."},
            )
    services.assessment_update(
        actor=assessor, assessment=assessment,
        data={"conclusion": _conclusion(set(risks.values())),
              "conclusion_reasons": "Fictional conclusion summarising the findings for each country of the route."},
    )
    services.assessment_declare_independence(actor=assessor, assessment=assessment, not_involved=True, no_conflict=True)


def _conclusion(outcomes: set[str]) -> str:
    if choices.Outcome.REAL_RISK in outcomes:
        return choices.Conclusion.REAL_RISK
    if choices.Outcome.INSUFFICIENT in outcomes:
        return choices.Conclusion.INSUFFICIENT
    return choices.Conclusion.NO_REAL_RISK


def seed(*, admin, stdout) -> None:
    User = get_user_model()
    caseworker = User.objects.get(username="caseworker")
    supervisor = User.objects.get(username="supervisor")
    people = list(Person.objects.filter(external_id__startswith="DEMO-", owning_team__name__startswith="Diyala").order_by("external_id")[:8])
    if len(people) < 8 or RemovalProposal.objects.filter(person__in=people).exists():
        stdout.write("  demo cases: already present")
        return
    today = clock.today()

    def propose(person, measure, destination, transit, days):
        return services.proposal_create(
            actor=caseworker, person=person, measure=measure, destination=destination, transit_countries=transit,
            proposed_by="Ministry of the Interior (fictional)", planned_date=today + datetime.timedelta(days=days), today=today,
        )

    # 1. Deportation to Iran proposed in 10 days, nothing assessed yet: the gate refuses, an urgent flag is raised.
    propose(people[0], choices.Measure.DEPORTATION, "IR", [], 10)

    # 2. Approved assessment finding a real risk of torture in Iran: removal barred.
    proposal = propose(people[1], choices.Measure.DEPORTATION, "IR", ["TR"], 25)
    a = services.assessment_start(actor=caseworker, person=people[1], proposal=proposal)
    _complete(a, assessor=caseworker, risks={("IR", "torture"): "real_risk", ("IR", "death_penalty"): "real_risk", ("IR", "persecution"): "real_risk"}, today=today)
    services.assessment_submit(actor=caseworker, assessment=a)
    services.assessment_approve(actor=supervisor, assessment=a, comments="Well reasoned.", today=today)
    services.removal_decision_record(
        actor=admin, person=people[1], proposal=proposal, measure=proposal.measure, destination="IR", transit_countries=["TR"],
        outcome=choices.DecisionOutcome.BARRED, reasons="Real risk of torture and the death penalty in Iran (fictional).", today=today,
    )

    # 3. Transfer to a third country for resettlement, no real risk found: may be authorised.
    proposal = propose(people[2], choices.Measure.TRANSFER, "AL", ["JO"], 40)
    a = services.assessment_start(actor=caseworker, person=people[2], proposal=proposal)
    _complete(a, assessor=caseworker, risks={}, today=today)
    services.assessment_submit(actor=caseworker, assessment=a)
    services.assessment_approve(actor=supervisor, assessment=a, comments="Approved.", today=today)

    # 4. Submitted and waiting in the supervisor's queue.
    proposal = propose(people[3], choices.Measure.DEPORTATION, "IR", [], 12)
    a = services.assessment_start(actor=caseworker, person=people[3], proposal=proposal)
    _complete(a, assessor=caseworker, risks={("IR", "arbitrary_detention"): "real_risk"}, today=today)
    services.assessment_submit(actor=caseworker, assessment=a)

    # 5. Returned with comments.
    proposal = propose(people[4], choices.Measure.EXTRADITION, "IR", ["IQ"], 60)
    a = services.assessment_start(actor=caseworker, person=people[4], proposal=proposal)
    _complete(a, assessor=caseworker, risks={("IR", "unfair_trial"): "insufficient_information"}, today=today)
    services.assessment_submit(actor=caseworker, assessment=a)
    services.assessment_return(actor=supervisor, assessment=a, comments="Add the extradition request and the charges; check the death-penalty finding against the penal code (fictional).")

    # 6. A draft in progress.
    proposal = propose(people[5], choices.Measure.DEPORTATION, "IR", ["TR"], 90)
    services.assessment_start(actor=caseworker, person=people[5], proposal=proposal)

    # 7. Voluntary return with recorded consent awaiting assessment.
    services.consent_record(
        actor=caseworker, person=people[6], destination="IR",
        data={"given_on": today - datetime.timedelta(days=3), "language": "fa", "interpreter_name": "Fictional interpreter N.",
              "conditions_explained": "Fictional briefing on conditions on return, including arrests of returnees.",
              "no_pressure_confirmed": True, "safe_setting_confirmed": True},
    )
    propose(people[6], choices.Measure.VOLUNTARY_RETURN, "IR", [], 45)

    # 8. A manual blocking flag: appeal pending.
    services.flag_raise(
        actor=caseworker, person=people[7], reason="Appeal against the removal order lodged (fictional); it suspends removal.",
        blocks_removal=True, severity=choices.Severity.HIGH, category=choices.FlagCategory.APPEAL_PENDING,
    )
    stdout.write("  demo cases: 8 people with proposals, assessments, reviews, flags and a decision")
