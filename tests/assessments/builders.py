"""Build assessments through the real services, in any state the tests need."""

from __future__ import annotations

import datetime

from assessments import choices, services
from assessments.models import Assessment, RiskType

D = datetime.date
# The real date: the database gate checks expiry with its own clock (current_date), so approvals made in
# tests must be valid today, whatever day the suite runs.
TODAY = datetime.date.today()


def start(*, assessor, person, destination="IR", transit=("TR",), proposal=None) -> Assessment:
    return services.assessment_start(
        actor=assessor, person=person, proposal=proposal, destination=destination, transit_countries=list(transit)
    )


def fill(assessment: Assessment, *, assessor, outcomes: dict[tuple[str, str], str] | None = None) -> Assessment:
    """Make a draft complete: an interview, a finding for every country and active risk type, a conclusion
    and the declaration. `outcomes` overrides single findings: {("TR", "cidt"): "real_risk"}."""
    outcomes = outcomes or {}
    services.interview_save(
        actor=assessor,
        assessment=assessment,
        data={
            "held_on": D(2026, 5, 2), "place": "Fictional field office", "language": "fa",
            "interpreter_name": "Fictional interpreter", "interpreter_not_representative": True,
            "information_given": "Purpose of the interview, confidentiality, right to counsel.",
            "record": "Fictional record of the interview.", "confirmation": choices.Confirmation.CONFIRMED,
        },
    )
    any_risk = False
    for country in assessment.route:
        for risk_type in RiskType.objects.filter(is_active=True):
            outcome = outcomes.get((country, risk_type.code), choices.Outcome.NO_REAL_RISK)
            any_risk |= outcome != choices.Outcome.NO_REAL_RISK
            services.finding_save(
                actor=assessor, assessment=assessment, country=country, risk_type=risk_type,
                data={"outcome": outcome, "reasons": "Fictional reasons based on the evidence.", "feared_actor": "state"},
            )
    services.assessment_update(
        actor=assessor,
        assessment=assessment,
        data={
            "conclusion": choices.Conclusion.REAL_RISK if any_risk else choices.Conclusion.NO_REAL_RISK,
            "conclusion_reasons": "Fictional conclusion with reasons.",
        },
    )
    services.assessment_declare_independence(actor=assessor, assessment=assessment, not_involved=True, no_conflict=True)
    assessment.refresh_from_db()
    return assessment


def approved(*, assessor, reviewer, person, destination="IR", transit=("TR",), outcomes=None, today=TODAY) -> Assessment:
    assessment = fill(start(assessor=assessor, person=person, destination=destination, transit=transit), assessor=assessor, outcomes=outcomes)
    services.assessment_submit(actor=assessor, assessment=assessment)
    services.assessment_approve(actor=reviewer, assessment=assessment, today=today)
    assessment.refresh_from_db()
    return assessment
