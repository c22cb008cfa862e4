"""Every automatic flag rule raises its flag once (not twice), with the settings an administrator gave it."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from assessments import choices, services
from assessments.models import Flag, FlagRule
from people import services as people_services
from tests.assessments import builders
from tests.assessments.builders import TODAY

D = datetime.date


def _flags(rule):
    return list(Flag.objects.filter(rule=rule))


def _propose(person, actor, planned, **kwargs):
    return services.proposal_create(
        actor=actor, person=person, measure="deportation", destination="IR", transit_countries=["TR"],
        proposed_by="Fictional ministry", planned_date=planned, today=TODAY, **kwargs,
    )


@pytest.mark.django_db
def test_real_risk_of_torture_raises_one_blocking_critical_flag(person, caseworker):
    assessment = builders.start(assessor=caseworker, person=person)
    from assessments.models import RiskType

    torture = RiskType.objects.get(code="torture")
    for _ in range(2):  # saving the same finding again does not raise a second flag
        services.finding_save(actor=caseworker, assessment=assessment, country="IR", risk_type=torture,
                              data={"outcome": "real_risk", "reasons": "Fictional"})
    flags = _flags(choices.FlagRuleCode.REAL_RISK_ABSOLUTE)
    assert len(flags) == 1
    assert flags[0].blocks_removal and flags[0].severity == choices.Severity.CRITICAL
    assert "Real risk of torture found for Iran" in flags[0].reason


@pytest.mark.django_db
def test_real_risk_of_other_harms_raises_no_absolute_bar_flag(person, caseworker):
    assessment = builders.start(assessor=caseworker, person=person)
    from assessments.models import RiskType

    services.finding_save(actor=caseworker, assessment=assessment, country="TR", risk_type=RiskType.objects.get(code="unfair_trial"),
                          data={"outcome": "real_risk", "reasons": "Fictional"})
    assert _flags(choices.FlagRuleCode.REAL_RISK_ABSOLUTE) == []


@pytest.mark.django_db
def test_imminent_removal_without_approval_raises_once_with_the_admin_threshold(person, caseworker):
    FlagRule.objects.filter(code="removal_imminent").update(threshold_days=30)
    _propose(person, caseworker, planned=TODAY + datetime.timedelta(days=40))
    assert _flags("removal_imminent") == []  # outside the threshold
    proposal = _propose(person, caseworker, planned=TODAY + datetime.timedelta(days=20))
    assert len(_flags("removal_imminent")) == 1
    services.flags_sweep(today=TODAY)
    services.flags_sweep(today=TODAY + datetime.timedelta(days=1))
    assert [f.dedup_key for f in _flags("removal_imminent")] == [f"proposal:{proposal.pk}:{proposal.planned_date}"]
    services.flags_sweep(today=TODAY + datetime.timedelta(days=10))  # the first proposal is now 30 days away
    services.flags_sweep(today=TODAY + datetime.timedelta(days=11))
    assert len(_flags("removal_imminent")) == 2


@pytest.mark.django_db
def test_imminent_removal_is_not_flagged_when_an_approved_assessment_covers_it(person, caseworker, supervisor):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    _propose(person, caseworker, planned=TODAY + datetime.timedelta(days=3))
    assert _flags("removal_imminent") == []


@pytest.mark.django_db
def test_expired_approval_is_flagged_once_by_the_sweep(person, caseworker, supervisor):
    assessment = builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    assert services.flags_sweep(today=assessment.valid_until)["assessment_expired"] == 0
    later = assessment.valid_until + datetime.timedelta(days=1)
    assert services.flags_sweep(today=later)["assessment_expired"] == 1
    assert services.flags_sweep(today=later + datetime.timedelta(days=5))["assessment_expired"] == 0
    assert len(_flags("assessment_expired")) == 1


@pytest.mark.django_db
def test_sweep_command_runs_the_time_rules(person, caseworker, supervisor, capsys):
    assessment = builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    call_command("sweep_flags", "--today", str(assessment.valid_until + datetime.timedelta(days=1)))
    assert "assessment_expired: 1" in capsys.readouterr().out


@pytest.mark.django_db
def test_new_evidence_after_approval_raises_once_per_item(person, caseworker, supervisor):
    assessment = builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    services.evidence_add(actor=caseworker, assessment=assessment, data={"kind": "coi", "title": "New report", "source": "NGO"})
    assert len(_flags("evidence_after_approval")) == 1
    # Now a draft again: more evidence by the assessor is ordinary work, not a flag.
    services.evidence_add(actor=caseworker, assessment=assessment, data={"kind": "coi", "title": "Second", "source": "NGO"})
    assert len(_flags("evidence_after_approval")) == 1


@pytest.mark.django_db
def test_vulnerable_person_is_flagged_once_when_removal_is_proposed(person, caseworker):
    people_services.vulnerability_add(
        actor=caseworker, person=person, kind="torture_survivor", established_on=D(2020, 1, 1), established_by="Fictional clinic"
    )
    assert _flags("vulnerable_person") == []  # no removal in view yet
    _propose(person, caseworker, planned=None)
    _propose(person, caseworker, planned=None)
    flags = _flags("vulnerable_person")
    assert len(flags) == 1 and "Survivor of torture" in flags[0].reason


@pytest.mark.django_db
def test_a_child_by_date_of_birth_is_flagged_as_a_minor(team, caseworker):
    from tests.factories import PersonFactory

    child = PersonFactory(owning_team=team, birth_date=D(2015, 1, 1), birth_date_precision="year")
    _propose(child, caseworker, planned=None)
    assert [f.reason.split(":")[0] for f in _flags("vulnerable_person")] == ["Minor"]


@pytest.mark.django_db
def test_vulnerability_recorded_after_the_proposal_raises_the_flag(person, caseworker):
    _propose(person, caseworker, planned=None)
    people_services.vulnerability_add(
        actor=caseworker, person=person, kind="torture_survivor", established_on=D(2020, 1, 1), established_by="Fictional clinic"
    )
    assert len(_flags("vulnerable_person")) == 1


@pytest.mark.django_db
def test_a_disabled_rule_raises_nothing(person, caseworker):
    FlagRule.objects.filter(code="vulnerable_person").update(enabled=False)
    people_services.vulnerability_add(
        actor=caseworker, person=person, kind="minor", established_on=D(2020, 1, 1), established_by="Registration"
    )
    _propose(person, caseworker, planned=None)
    assert _flags("vulnerable_person") == []


@pytest.mark.django_db
def test_a_person_cannot_raise_an_automatic_flag_by_hand(person, caseworker):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.flag_raise(actor=caseworker, person=person, reason="Fictional", category=choices.FlagCategory.AUTOMATIC)
    assert "automatic flags are raised by the rules" in refused.value.message_dict["category"][0]
    assert not person.flags.exists()
