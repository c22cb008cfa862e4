"""What an assessment still lacks, in words a caseworker understands. Submit refuses while anything is
listed; the editor shows the same list as its checklist, each item linking to the section that fixes it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from assessments import choices
from assessments.models import Assessment, Finding, RiskType, country_name


@dataclass(frozen=True)
class Missing:
    code: str
    message: str
    section: str  # the editor section (anchor) that fixes it

    def __str__(self) -> str:
        return self.message


# A finding of these outcomes needs written reasons: the service refuses to save one without, and the
# checklist lists any that reached the database another way.
OUTCOMES_NEEDING_REASONS = (choices.Outcome.REAL_RISK, choices.Outcome.INSUFFICIENT)
FINDING_NEEDS_REASONS = "Write the reasons for this finding."


PRELOADED = ("interviews", "assurances", "findings")


def _load(assessment: Assessment, *, reuse: bool) -> Assessment:
    """Everything the check reads, in a fixed number of queries; with `reuse`, what the caller has already
    prefetched (a page showing the assessment it just loaded; services check a fresh, locked copy)."""
    cache = getattr(assessment, "_prefetched_objects_cache", {})
    if reuse and all(name in cache for name in PRELOADED):
        return assessment
    return (
        Assessment.objects.select_related("person")
        .prefetch_related(
            "interviews",
            "assurances",
            Prefetch("findings", queryset=Finding.objects.select_related("risk_type")),
        )
        .get(pk=assessment.pk)
    )


def assessment_missing(assessment: Assessment, *, risk_types: list[RiskType] | None = None, reuse: bool = False) -> list[Missing]:
    """Every missing element of `assessment`, in the order of the editor's sections."""
    a = _load(assessment, reuse=reuse)
    risk_types = risk_types if risk_types is not None else list(RiskType.objects.filter(is_active=True))
    missing: list[Missing] = []

    interviews = list(a.interviews.all())
    if not interviews and not a.no_interview_reason.strip():
        missing.append(Missing("no_interview", "No interview is recorded, and no reason why the person could not be interviewed.", "interviews"))
    for interview in interviews:
        when = interview.held_on.isoformat()
        if not interview.record.strip():
            missing.append(Missing("interview_without_record", f"The interview of {when} has no record.", "interviews"))
        if not interview.information_given.strip():
            missing.append(Missing("interview_information_missing", f"The interview of {when} does not say what the person was told about the procedure.", "interviews"))
        if interview.confirmation == choices.Confirmation.NOT_YET:
            missing.append(Missing("interview_not_confirmed", f"The record of the interview of {when} has not been read back to the person.", "interviews"))

    findings = {(str(f.country), f.risk_type_id): f for f in a.findings.all()}
    for country in a.route:
        absent = [rt.name for rt in risk_types if (country, rt.pk) not in findings]
        if absent:
            listed = ", ".join(absent) if len(absent) <= 4 else f"{len(absent)} risk types ({', '.join(absent[:3])}, …)"
            missing.append(Missing("findings_missing", f"{country_name(country)}: no finding yet for {listed}.", "findings"))
    for (country, _), finding in findings.items():
        if country not in a.route:
            continue
        if finding.outcome in OUTCOMES_NEEDING_REASONS and not finding.reasons.strip():
            missing.append(
                Missing(
                    "finding_without_reasons",
                    f"{country_name(country)} – {finding.risk_type.name}: a finding of “{finding.get_outcome_display().lower()}” needs written reasons.",
                    "findings",
                )
            )

    refugee = None  # asked of the database once at most, however many assurances
    for assurance in a.assurances.all():
        if assurance.weight == choices.AssuranceWeight.NONE or str(a.person.nationality) != str(assurance.country):
            continue
        if refugee is None:
            refugee = _recognised_refugee(a.person)
        if refugee:
            missing.append(
                Missing(
                    "assurance_for_refugee",
                    f"The assurance by {assurance.issuer} concerns a recognised refugee's country of nationality: it can carry no weight.",
                    "assurances",
                )
            )

    if not a.conclusion or not a.conclusion_reasons.strip():
        missing.append(Missing("no_conclusion", "There is no conclusion with reasons.", "conclusion"))
    elif a.conclusion == choices.Conclusion.NO_REAL_RISK and any(f.outcome != choices.Outcome.NO_REAL_RISK for f in findings.values()):
        missing.append(
            Missing("conclusion_contradicts_findings", "The conclusion says “no real risk”, but some findings say otherwise.", "conclusion")
        )
    if not (a.declares_not_involved and a.declares_no_conflict):
        missing.append(
            Missing("no_independence_declaration", "The assessor has not declared independence from the removal decision and the absence of any conflict of interest.", "declaration")
        )
    return missing


def _recognised_refugee(person) -> bool:
    """UNHCR: for a recognised refugee returned to the country of nationality, assurances carry no weight."""
    return person.legal_statuses.filter(kind="refugee", ended_on__isnull=True).exists()
