"""The removal gate: "may this removal be authorised, and if not, why" — every reason, in plain words.

The answer comes from the database function `removal_gate_reasons()`, which the trigger on the decisions
table also runs. This module only chooses what to lock, and turns reason codes into sentences with links.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.urls import NoReverseMatch, reverse

from assessments import choices
from assessments.models import Assessment, VoluntaryReturnConsent, country_name, route_label
from core.errors import Reason

# Every reason code the gate can give, with its sentence. {country}, {risk}, {ref}, {detail} are filled in.
MESSAGES = {
    "no_assessment": "No assessment of this person covers the route {route}. Every transit country and the destination must be assessed individually.",
    "assessment_of_other_person": "Assessment {ref} is about another person.",
    "assessment_not_approved": "Assessment {ref} of this route is “{status}”: a supervisor who did not write it must approve it.",
    "assessment_reopened": "Assessment {ref} was reopened ({detail}); it must be reviewed and approved again.",
    "assessment_superseded": "Assessment {ref} was superseded by a newer assessment.",
    "assessment_withdrawn": "Assessment {ref} was withdrawn.",
    "assessment_expired": "The approval of assessment {ref} expired on {detail}: risk must be assessed again as at the time of the decision.",
    "route_not_covered": "Assessment {ref} does not cover {countries}: every transit country and the destination must be assessed.",
    "finding_missing": "{country}: assessment {ref} has no finding on “{risk}”.",
    "insufficient_information": "{country}: the assessment found insufficient information on “{risk}”; removal cannot rest on an incomplete picture.",
    "real_risk_found": "{country}: the assessment found a real risk of “{risk}”. Forcible removal on this route is barred.",
    "decider_is_assessor": "You wrote assessment {ref}; the removal decision must be taken by someone independent of it.",
    "decider_is_reviewer": "You reviewed assessment {ref}; the removal decision must be taken by someone else.",
    "blocking_flag_open": "An open flag blocks removal: {detail}",
    "asylum_claim_pending": "The person's asylum claim is pending: they cannot be removed before a final determination.",
    "consent_missing": "No free and informed consent to return to {country} is recorded.",
    "consent_not_confirmed": "A real risk was found, so a supervisor must confirm the person's informed consent to return.",
}


@dataclass
class GateAnswer:
    allowed: bool
    reasons: list[Reason] = field(default_factory=list)
    assessment: Assessment | None = None
    consent: VoluntaryReturnConsent | None = None

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]


def chosen_assessment_id(*, person_id: int, destination: str, transit_countries: list[str]) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT removal_gate_assessment(%s, %s, %s::text[])", [person_id, destination, list(transit_countries)])
        return cursor.fetchone()[0]


def chosen_consent_id(*, person_id: int, destination: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT removal_gate_consent(%s, %s)", [person_id, destination])
        return cursor.fetchone()[0]


def removal_gate(
    *,
    person,
    measure: str,
    destination: str,
    transit_countries: list[str],
    decider,
    today: datetime.date,
    lock: bool = False,
) -> GateAnswer:
    """Answer whether `decider` may authorise `measure` of `person` on the route, with every reason if not.

    With `lock=True` (inside the decision service's transaction, after the person row is locked) the chosen
    assessment row is locked too, so nothing can change it between this answer and the decision's insert.
    """
    destination = str(destination)
    transit = [str(c) for c in transit_countries]
    assessment_id = chosen_assessment_id(person_id=person.pk, destination=destination, transit_countries=transit)
    if lock and assessment_id is not None:
        list(Assessment.objects.select_for_update().filter(pk=assessment_id).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, detail, ref_id FROM removal_gate_reasons(%s, %s, %s, %s::text[], %s, %s, %s)",
            [person.pk, measure, destination, transit, getattr(decider, "pk", None), today, assessment_id],
        )
        rows = cursor.fetchall()
    assessment = Assessment.objects.select_related("approved_by").filter(pk=assessment_id).first() if assessment_id else None
    consent = None
    if measure == choices.Measure.VOLUNTARY_RETURN:
        consent_id = chosen_consent_id(person_id=person.pk, destination=destination)
        consent = VoluntaryReturnConsent.objects.filter(pk=consent_id).first() if consent_id else None
    reasons = [_reason(code, detail, ref_id, person=person, assessment=assessment, destination=destination, transit=transit, measure=measure) for code, detail, ref_id in rows]
    return GateAnswer(allowed=not reasons, reasons=reasons, assessment=assessment, consent=consent)


def _reason(code: str, detail: str, ref_id, *, person, assessment, destination, transit, measure) -> Reason:
    country, risk = "", ""
    if code in {"finding_missing", "insufficient_information", "real_risk_found"} and ":" in (detail or ""):
        code_part, risk = detail.split(":", 1)
        country = country_name(code_part)
    values = {
        "route": route_label(destination, transit),
        "ref": assessment.reference if assessment else "",
        "status": assessment.get_status_display() if assessment else "",
        "detail": detail or "",
        "country": country or country_name(destination),
        "risk": risk,
        "countries": ", ".join(country_name(c) for c in (detail or "").split(",") if c),
    }
    return Reason(code=code, message=MESSAGES.get(code, code).format(**values), fix_url=_fix_url(code, ref_id, person, assessment, destination, transit, measure))


def _fix_url(code, ref_id, person, assessment, destination, transit, measure) -> str:
    """Where a person goes to fix this reason."""
    try:
        if code == "no_assessment":
            query = f"?destination={destination}&transit={','.join(transit)}"
            return reverse("assessments:assessment_start", args=[person.pk]) + query
        if code == "blocking_flag_open" and ref_id:
            return reverse("assessments:flag_resolve", args=[ref_id])
        if code in {"consent_missing", "consent_not_confirmed"}:
            return reverse("assessments:consent_record", args=[person.pk]) + f"?destination={destination}"
        if code == "asylum_claim_pending":
            return reverse("people:person_detail", args=[person.pk]) + "#h-status"
        if code in {"finding_missing", "insufficient_information", "real_risk_found"} and assessment is not None:
            return reverse("assessments:assessment_detail", args=[assessment.pk]) + "#findings"
        if assessment is not None:
            return reverse("assessments:assessment_detail", args=[assessment.pk])
    except NoReverseMatch:  # pragma: no cover - pages not installed
        return ""
    return ""


def translate_trigger_message(message: str) -> list[str]:
    """Turn the database gate's "Removal cannot be authorised: code (detail); …" into plain sentences."""
    body = message.split(":", 1)[1] if ":" in message else message
    sentences = ["Removal cannot be authorised:"]
    for part in body.split(";"):
        part = part.strip()
        if not part:
            continue
        code, _, detail = part.partition(" (")
        detail = detail.rstrip(")")
        country, risk = (detail.split(":", 1) + [""])[:2] if ":" in detail else ("", "")
        template = MESSAGES.get(code, code)
        sentences.append(
            template.format(
                route="the route", ref="the assessment", status="not approved", detail=detail,
                country=country_name(country) if country else "A country on the route", risk=risk,
                countries=", ".join(country_name(c) for c in detail.split(",") if c),
            )
        )
    return sentences
