"""Automatic flags. Each rule raises its flag once per cause (the `dedup_key`, unique in the database),
with the severity and blocking setting an administrator gave the rule."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction

from assessments import choices
from assessments.models import Assessment, Evidence, Finding, Flag, FlagRule, RemovalProposal
from people.choices import VulnerabilityKind
from people.models import Person

ABSOLUTE_RISK_CODES = {"torture", "death_penalty"}
VULNERABLE_KINDS = {VulnerabilityKind.TORTURE_SURVIVOR, VulnerabilityKind.MINOR, VulnerabilityKind.UNACCOMPANIED_CHILD}


def _rule(code: str) -> FlagRule | None:
    rule = FlagRule.objects.filter(code=code).first()
    return rule if rule is not None and rule.enabled else None


def raise_automatic(*, code: str, person: Person, dedup_key: str, reason: str, assessment: Assessment | None = None) -> Flag | None:
    """Raise the rule's flag unless it was already raised for this cause. Returns the new flag or None."""
    rule = _rule(code)
    if rule is None:
        return None
    if Flag.objects.filter(rule=code, dedup_key=dedup_key).exists():
        return None
    try:
        with transaction.atomic():
            return Flag.objects.create(
                person=person,
                assessment=assessment,
                rule=code,
                dedup_key=dedup_key,
                category=choices.FlagCategory.AUTOMATIC,
                reason=reason,
                severity=rule.severity,
                blocks_removal=rule.blocks_removal,
            )
    except IntegrityError:  # raised concurrently by another transaction: once is enough
        return None


def on_finding_saved(finding: Finding) -> Flag | None:
    if finding.outcome != choices.Outcome.REAL_RISK or finding.risk_type.code not in ABSOLUTE_RISK_CODES:
        return None
    assessment = finding.assessment
    return raise_automatic(
        code=choices.FlagRuleCode.REAL_RISK_ABSOLUTE,
        person=assessment.person,
        assessment=assessment,
        dedup_key=f"finding:{finding.pk}",
        reason=f"Real risk of {finding.risk_type.name.lower()} found for {finding.get_country_display()} in assessment {assessment.reference}.",
    )


def on_evidence_added(evidence: Evidence, *, was_approved: bool) -> Flag | None:
    if not was_approved:
        return None
    assessment = evidence.assessment
    return raise_automatic(
        code=choices.FlagRuleCode.EVIDENCE_AFTER_APPROVAL,
        person=assessment.person,
        assessment=assessment,
        dedup_key=f"evidence:{evidence.pk}",
        reason=f"New evidence “{evidence.title}” was added after assessment {assessment.reference} was approved; it needs review again.",
    )


def check_imminent(proposal: RemovalProposal, *, today: datetime.date) -> Flag | None:
    rule = _rule(choices.FlagRuleCode.REMOVAL_IMMINENT)
    if rule is None or proposal.status != choices.ProposalStatus.OPEN or proposal.planned_date is None:
        return None
    days_left = (proposal.planned_date - today).days
    if days_left > (rule.threshold_days or 14):
        return None
    from assessments.gate import chosen_assessment_id

    chosen = chosen_assessment_id(
        person_id=proposal.person_id, destination=str(proposal.destination), transit_countries=proposal.transit_countries
    )
    if chosen and Assessment.objects.approved().filter(pk=chosen, valid_until__gte=today).exists():
        return None
    when = "is overdue" if days_left < 0 else ("is today" if days_left == 0 else f"is in {days_left} days")
    return raise_automatic(
        code=choices.FlagRuleCode.REMOVAL_IMMINENT,
        person=proposal.person,
        dedup_key=f"proposal:{proposal.pk}:{proposal.planned_date}",
        reason=f"The planned {proposal.get_measure_display().lower()} to {proposal.route_display} ({proposal.planned_date}) {when}, and no approved assessment covers it.",
    )


def check_expired(assessment: Assessment, *, today: datetime.date) -> Flag | None:
    if not assessment.is_expired(today):
        return None
    return raise_automatic(
        code=choices.FlagRuleCode.ASSESSMENT_EXPIRED,
        person=assessment.person,
        assessment=assessment,
        dedup_key=f"assessment:{assessment.pk}:{assessment.valid_until}",
        reason=f"The approval of assessment {assessment.reference} expired on {assessment.valid_until}; a new assessment is needed before any removal.",
    )


def check_vulnerable(person: Person, *, today: datetime.date) -> list[Flag]:
    """A torture survivor or a child facing removal: raised when a removal of that person is proposed."""
    if not RemovalProposal.objects.filter(person=person, status=choices.ProposalStatus.OPEN).exists():
        return []
    kinds = {
        v.kind for v in person.vulnerabilities.all() if v.kind in VULNERABLE_KINDS and v.is_current(today)
    }
    age = person.age_on(today)
    if age is not None and age < 18:
        kinds.add(VulnerabilityKind.MINOR)
    raised = []
    for kind in sorted(kinds):
        flag = raise_automatic(
            code=choices.FlagRuleCode.VULNERABLE_PERSON,
            person=person,
            dedup_key=f"person:{person.pk}:{kind}",
            reason=f"{VulnerabilityKind(kind).label}: this person's removal is proposed; their vulnerability must be assessed and taken into account.",
        )
        if flag:
            raised.append(flag)
    return raised


def on_vulnerability_recorded(sender, *, person: Person, vulnerability, **kwargs) -> None:
    from core import clock

    check_vulnerable(person, today=clock.today())


def sweep(*, today: datetime.date) -> dict[str, int]:
    """The time-based rules, for a daily run (`manage.py sweep_flags`). Returns how many flags each raised."""
    counts = {"removal_imminent": 0, "assessment_expired": 0}
    rule = _rule(choices.FlagRuleCode.REMOVAL_IMMINENT)
    if rule is not None:
        horizon = today + datetime.timedelta(days=rule.threshold_days or 14)
        for proposal in RemovalProposal.objects.open().filter(planned_date__lte=horizon).select_related("person"):
            counts["removal_imminent"] += bool(check_imminent(proposal, today=today))
    for assessment in Assessment.objects.approved().filter(valid_until__lt=today).select_related("person"):
        counts["assessment_expired"] += bool(check_expired(assessment, today=today))
    return counts
