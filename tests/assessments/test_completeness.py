"""The completeness check lists every missing element in plain words; submit refuses with that list."""

from __future__ import annotations

import datetime

import pytest

from assessments import choices, services
from assessments.completeness import assessment_missing
from assessments.models import RiskType
from tests.assessments import builders

D = datetime.date


@pytest.mark.django_db
def test_a_new_draft_lists_everything_missing(person, caseworker):
    assessment = builders.start(assessor=caseworker, person=person)
    missing = assessment_missing(assessment)
    codes = [m.code for m in missing]
    assert codes == ["no_interview", "findings_missing", "findings_missing", "no_conclusion", "no_independence_declaration"]
    messages = [m.message for m in missing]
    assert messages[0] == "No interview is recorded, and no reason why the person could not be interviewed."
    assert messages[1].startswith("Türkiye: no finding yet for 15 risk types (Torture, Cruel, inhuman or degrading treatment")
    assert messages[2].startswith("Iran: no finding yet")
    with pytest.raises(services.AssessmentIncomplete) as refused:
        services.assessment_submit(actor=caseworker, assessment=assessment)
    assert [m.code for m in refused.value.missing] == codes


@pytest.mark.django_db
def test_a_reason_for_no_interview_replaces_the_interview(person, caseworker):
    assessment = builders.start(assessor=caseworker, person=person)
    services.assessment_update(actor=caseworker, assessment=assessment, data={"no_interview_reason": "Person in hospital, unconscious (fictional)."})
    assert "no_interview" not in [m.code for m in assessment_missing(assessment)]


@pytest.mark.django_db
def test_real_risk_or_insufficient_information_without_reasons_is_listed(person, caseworker):
    assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    torture = RiskType.objects.get(code="torture")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.finding_save(actor=caseworker, assessment=assessment, country="IR", risk_type=torture, data={"outcome": "real_risk", "reasons": ""})
    assert refused.value.message_dict["reasons"] == ["Write the reasons for this finding."]
    # One that reached the database another way (an older version, a repair by SQL) is still listed.
    services.finding_save(actor=caseworker, assessment=assessment, country="IR", risk_type=torture, data={"outcome": "real_risk", "reasons": "x"})
    assessment.findings.filter(country="IR", risk_type=torture).update(reasons="")
    missing = assessment_missing(assessment)
    assert [m.message for m in missing if m.code == "finding_without_reasons"] == [
        "Iran – Torture: a finding of “real risk” needs written reasons."
    ]
    assert "conclusion_contradicts_findings" in [m.code for m in missing]


@pytest.mark.django_db
def test_an_interview_not_read_back_and_an_interpreter_who_is_the_representative(person, caseworker):
    from django.core.exceptions import ValidationError

    assessment = builders.start(assessor=caseworker, person=person)
    base = {"held_on": D(2026, 5, 1), "place": "Office", "language": "fa", "information_given": "Procedure explained.", "record": "Record."}
    services.interview_save(actor=caseworker, assessment=assessment, data=base)
    assert "interview_not_confirmed" in [m.code for m in assessment_missing(assessment)]
    with pytest.raises(ValidationError) as refused:
        services.interview_save(actor=caseworker, assessment=assessment, data={**base, "interpreter_name": "The lawyer"})
    assert "a legal representative cannot interpret" in " ".join(refused.value.messages)


@pytest.mark.django_db
def test_a_complete_assessment_has_nothing_missing_and_submits(person, caseworker):
    assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    assert assessment_missing(assessment) == []
    services.assessment_submit(actor=caseworker, assessment=assessment)
    assessment.refresh_from_db()
    assert assessment.status == choices.AssessmentStatus.SUBMITTED and assessment.submitted_at


@pytest.mark.django_db
def test_assurances_for_a_refugee_returned_home_carry_no_weight(person, caseworker):
    from tests.factories import LegalStatusFactory

    LegalStatusFactory(person=person, kind="refugee")
    assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    services.assurance_save(
        actor=caseworker, assessment=assessment,
        data={"country": "IR", "issuer": "Fictional ministry", "text": "Will not be harmed.", "specificity": "vague",
              "evaluation": "Vague, unverifiable.", "weight": "limited"},
    )
    assert [m.code for m in assessment_missing(assessment)] == ["assurance_for_refugee"]


@pytest.mark.django_db
def test_the_checklist_costs_the_same_with_one_assurance_or_many(person, caseworker):
    """The checklist is drawn on every editor and review page load and after every section save."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import LegalStatusFactory

    LegalStatusFactory(person=person, kind="refugee")
    assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)

    def add(n):
        for i in range(n):
            services.assurance_save(
                actor=caseworker, assessment=assessment,
                data={"country": "IR", "issuer": f"Fictional ministry {i}", "text": "Will not be harmed.",
                      "specificity": "vague", "evaluation": "Vague, unverifiable.", "weight": "limited"},
            )

    def cost():
        with CaptureQueriesContext(connection) as ctx:
            missing = assessment_missing(assessment)
        return len(ctx.captured_queries), len(missing)

    add(1)
    one = cost()
    add(9)
    assert cost() == (one[0], 10)  # every assurance listed, the same number of queries


@pytest.mark.django_db
def test_the_route_is_validated(person, caseworker):
    from django.core.exceptions import ValidationError

    for destination, transit, field in [("XX", [], "destination"), ("IR", ["IR"], "transit_countries"), ("IR", ["TR", "TR"], "transit_countries")]:
        with pytest.raises(ValidationError) as refused:
            services.assessment_start(actor=caseworker, person=person, destination=destination, transit_countries=transit)
        assert field in refused.value.message_dict


@pytest.mark.django_db
def test_the_route_form_holds_every_transit_country_a_route_may_have(person, caseworker):
    """A route may list as many transit countries as the form shows: none is dropped when it is edited again."""
    from django.core.exceptions import ValidationError

    from assessments.forms import RouteForm

    longest = ["TR", "GR", "BG", "RS", "HU", "AT"][: services.MAX_TRANSIT_COUNTRIES]
    assessment = services.assessment_start(actor=caseworker, person=person, destination="DE", transit_countries=longest)
    form = RouteForm(data=RouteForm.route_initial(assessment.destination, list(assessment.transit_countries)))
    assert form.is_valid(), form.errors
    assert form.route() == ("DE", longest)
    with pytest.raises(ValidationError) as refused:
        services.assessment_start(actor=caseworker, person=person, destination="FR", transit_countries=[*longest, "IT"])
    assert f"at most {services.MAX_TRANSIT_COUNTRIES} transit countries" in str(refused.value.message_dict["transit_countries"])


@pytest.mark.django_db
def test_one_assessment_in_progress_per_route(person, caseworker):
    from django.core.exceptions import ValidationError

    builders.start(assessor=caseworker, person=person)
    with pytest.raises(ValidationError) as refused:
        builders.start(assessor=caseworker, person=person)
    assert "already has an assessment in progress for this route" in " ".join(refused.value.messages)
    builders.start(assessor=caseworker, person=person, transit=())  # a different route is fine
