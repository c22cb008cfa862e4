"""What an assessment still lacks, in words a caseworker understands.

The one definition of "complete" is the database function `assessment_missing()`: the status guard refuses
a submission or an approval while it lists anything, and this module turns its rows (a code, the section
that fixes it, the country, risk type and record concerned) into the editor's checklist and the services'
refusals. Nothing here decides what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from django.db import connection

from assessments import choices
from assessments.models import ApprovedFinding, Assessment, RiskType, country_name
from core.errors import trigger_detail_rows


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

MESSAGES = {
    "no_interview": "No interview is recorded, and no reason why the person could not be interviewed.",
    "interview_without_record": "The interview of {detail} has no record.",
    "interview_information_missing": "The interview of {detail} does not say what the person was told about the procedure.",
    "interview_not_confirmed": "The record of the interview of {detail} has not been read back to the person.",
    "findings_missing": "{country}: no finding yet for {risks}.",
    "finding_without_reasons": "{country} – {risk}: a finding of “{outcome}” needs written reasons.",
    "standing_risk_not_revisited": "{country} – {risk}: assessment {earlier} found a real risk (approved {approved}). "
    "A finding of no real risk must revisit it and say why that risk no longer holds.",
    "assurance_for_refugee": "The assurance by {detail} concerns a recognised refugee's country of nationality: it can carry no weight.",
    "no_conclusion": "There is no conclusion with reasons.",
    "conclusion_contradicts_findings": "The conclusion says “no real risk”, but some findings say otherwise.",
    "no_independence_declaration": "The assessor has not declared independence from the removal decision and the absence of any conflict of interest.",
}


def missing_rows(assessment_id: int) -> list[dict]:
    """The database's list of what `assessment_id` lacks, row by row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, section, country, risk_type_id, ref_id, detail FROM assessment_missing(%s)", [assessment_id]
        )
        return [
            {"code": c, "section": s, "country": country, "risk_type": rt, "ref": ref, "detail": detail}
            for c, s, country, rt, ref, detail in cursor.fetchall()
        ]


def assessment_missing(assessment: Assessment, *, risk_types: list[RiskType] | None = None) -> list[Missing]:
    """Every missing element of `assessment`, in the order of the editor's sections. `risk_types`: the risk
    types the caller already holds, whose names the sentences then need not read again."""
    return missing_from_rows(missing_rows(assessment.pk), risk_types=risk_types)


def missing_from_rows(rows: list[dict], *, risk_types: list[RiskType] | None = None) -> list[Missing]:
    names = {rt.pk: rt.name for rt in risk_types or []}
    wanted = {r["risk_type"] for r in rows if r.get("risk_type")} - names.keys()
    if wanted:
        names.update(RiskType.objects.filter(pk__in=wanted).values_list("pk", "name"))
    earlier = {
        r.pk: r
        for r in ApprovedFinding.objects.select_related("assessment").filter(
            pk__in=[row["ref"] for row in rows if row["code"] == "standing_risk_not_revisited"]
        )
    }
    out: list[Missing] = []
    for (code, country), group in groupby(rows, key=lambda r: (r["code"], r.get("country") if r["code"] == "findings_missing" else id(r))):
        group = list(group)
        first = group[0]
        section = first.get("section") or _SECTIONS.get(code, "")
        if code == "findings_missing":
            absent = [names.get(r["risk_type"], "") for r in group]
            risks = ", ".join(absent) if len(absent) <= 4 else f"{len(absent)} risk types ({', '.join(absent[:3])}, …)"
            message = MESSAGES[code].format(country=country_name(country), risks=risks)
        else:
            record = earlier.get(first.get("ref")) if code == "standing_risk_not_revisited" else None
            message = MESSAGES.get(code, code).format(
                country=country_name(first["country"]) if first.get("country") else "",
                risk=names.get(first.get("risk_type"), ""),
                outcome=choices.Outcome(first["detail"]).label.lower() if code == "finding_without_reasons" else "",
                detail=first.get("detail") or "",
                earlier=record.assessment.reference if record else "",
                approved=f"{record.approved_at:%Y-%m-%d}" if record else "",
            )
        out.append(Missing(code, message, section))
    return out


# Where each code is fixed, for rows that come without a section (the status guard's DETAIL).
_SECTIONS = {
    "no_interview": "interviews", "interview_without_record": "interviews", "interview_information_missing": "interviews",
    "interview_not_confirmed": "interviews", "findings_missing": "findings", "finding_without_reasons": "findings",
    "standing_risk_not_revisited": "findings", "assurance_for_refugee": "assurances", "no_conclusion": "conclusion",
    "conclusion_contradicts_findings": "conclusion", "no_independence_declaration": "declaration",
}


def translate_incomplete_error(primary: str, detail: str | None) -> list[str]:
    """The status guard's refusal of an incomplete assessment, in the checklist's words."""
    if not (rows := trigger_detail_rows(detail)):
        return [primary]
    return ["The assessment is not complete:", *(m.message for m in missing_from_rows([dict(r, section=None) for r in rows]))]


def standing_risks_for_cell(assessment: Assessment, country: str, risk_type: RiskType) -> list[ApprovedFinding]:
    """The approved findings of real risk for this person, country and risk type that still stand, newest first:
    a finding of no real risk in this cell must revisit the first."""
    return list(
        ApprovedFinding.objects.standing_for(assessment.person_id, [country])
        .filter(risk_type=risk_type)
        .select_related("assessment")
        .order_by("-approved_at", "-pk")
    )

