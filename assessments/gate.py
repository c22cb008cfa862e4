"""The removal gate: "may this removal be authorised, and if not, why" — every reason, in plain words.

The answer comes from the database function `removal_gate_reasons()`, which the trigger on the decisions
table also runs (it reports the same rows as JSON in the error's DETAIL). This module only chooses what to
lock, and turns the structured reasons (a code, the country, risk type and record concerned) into sentences
with a link to what fixes each. `MESSAGES` is the one list of reason codes: a test reads every code the SQL
functions can return and fails if one has no sentence here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.urls import reverse

from assessments import choices
from assessments.models import Assessment, RiskType, VoluntaryReturnConsent, country_name, route_label
from core.errors import Reason, trigger_detail_rows

# Every reason code the gate can give, with its sentence. {route}, {ref}, {status}, {country}, {risk},
# {detail} and {deciders} are filled in.
MESSAGES = {
    "decided_in_future": "A decision cannot be dated in the future ({detail}).",
    "no_assessment": "No assessment covers the route {route} as proposed: the same destination and the same transit "
    "countries in the same order must be assessed individually.",
    "assessment_not_approved": "Assessment {ref} of this route is “{status}”: a supervisor who did not write it must approve it.",
    "assessment_reopened": "Assessment {ref} was reopened ({detail}); it must be reviewed and approved again.",
    "assessment_superseded": "Assessment {ref} was superseded by a newer assessment.",
    "assessment_withdrawn": "Assessment {ref} was withdrawn.",
    "assessment_expired": "The approval of assessment {ref} expired on {detail}: risk must be assessed again as at the time of the decision.",
    "decided_before_approval": "The decision cannot be dated before assessment {ref} was approved ({detail}).",
    "finding_missing": "{country}: assessment {ref} has no finding on “{risk}”.",
    "insufficient_information": "{country}: assessment {ref} found insufficient information on “{risk}”; removal cannot rest on an incomplete picture.",
    "real_risk_found": "{country}: assessment {ref} found a real risk of “{risk}”, and no later approved finding has revisited it. "
    "Forcible removal to or through {country} is barred.",
    "decider_is_assessor": "You wrote assessment {ref}; the removal decision must be taken by someone independent of it. {deciders}",
    "decider_is_reviewer": "You reviewed assessment {ref}; the removal decision must be taken by someone else. {deciders}",
    "blocking_flag_open": "An open flag blocks removal: {detail}",
    "asylum_claim_pending": "The person's asylum claim is pending: they cannot be removed before a final determination.",
    "consent_missing": "No free and informed consent to return on the route {route} is recorded.",
    "consent_after_decision": "The consent to return on this route is dated after the decision: consent counts only if given on or before it.",
    "consent_before_findings": "The consent was given before the findings it had to be informed about were approved ({detail}): record the person's consent again, after telling them of the findings.",
    "consent_not_confirmed": "A real risk was found, so a supervisor must confirm the person's informed consent to return.",
    "proposal_closed": "This proposal was already {detail}; it cannot be decided again.",
}

DECIDERS_NONE = "Nobody else in scope may record removal decisions; ask an administrator."
DECIDERS_SOME = "Who may decide instead: {names}."


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
    """The assessment the gate rests a decision on this exact route on (or explains), if any."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT removal_gate_assessment(%s, %s, %s::text[])", [person_id, destination, list(transit_countries)])
        return cursor.fetchone()[0]


def chosen_consent_id(*, person_id: int, destination: str, transit_countries: list[str], as_of: datetime.date) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT removal_gate_consent(%s, %s, %s::text[], %s)", [person_id, destination, list(transit_countries), as_of]
        )
        return cursor.fetchone()[0]


def removal_gate(
    *,
    person,
    measure: str,
    destination: str,
    transit_countries: list[str],
    decider,
    today: datetime.date,
    decided_on: datetime.date | None = None,
    lock: bool = False,
) -> GateAnswer:
    """Answer whether `decider` may authorise `measure` of `person` on the route, as at `decided_on` (default
    today) and at `today`, with every reason if not.

    With `lock=True` (inside the decision service's transaction, after the person row is locked) the chosen
    assessment row is locked too, so nothing can change it between this answer and the decision's insert.
    """
    destination = str(destination)
    transit = [str(c) for c in transit_countries]
    decided_on = decided_on or today
    assessment_id = chosen_assessment_id(person_id=person.pk, destination=destination, transit_countries=transit)
    if lock and assessment_id is not None:
        list(Assessment.objects.select_for_update(no_key=True).filter(pk=assessment_id).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, country, risk_type_id, ref_id, detail FROM removal_gate_reasons(%s, %s, %s, %s::text[], %s, %s, %s)",
            [person.pk, measure, destination, transit, getattr(decider, "pk", None), today, decided_on],
        )
        rows = [
            {"code": code, "country": country, "risk_type": risk_type, "ref": ref, "detail": detail}
            for code, country, risk_type, ref, detail in cursor.fetchall()
        ]
    assessment = Assessment.objects.select_related("approved_by").filter(pk=assessment_id).first() if assessment_id else None
    consent = None
    if measure == choices.Measure.VOLUNTARY_RETURN:
        consent_id = chosen_consent_id(person_id=person.pk, destination=destination, transit_countries=transit, as_of=min(decided_on, today))
        consent = VoluntaryReturnConsent.objects.filter(pk=consent_id).first() if consent_id else None
    reasons = reasons_from_rows(rows, person=person, destination=destination, transit=transit, chosen=assessment)
    return GateAnswer(allowed=not reasons, reasons=reasons, assessment=assessment, consent=consent)


def reasons_from_rows(rows: list[dict], *, person=None, destination: str = "", transit: Iterable[str] = (), chosen=None) -> list[Reason]:
    """Sentences and links for the gate's structured rows (from the function, or from the trigger's DETAIL)."""
    transit = list(transit)
    risk_names = dict(RiskType.objects.filter(pk__in={r["risk_type"] for r in rows if r.get("risk_type")}).values_list("pk", "name"))
    assessments = {a.pk: a for a in Assessment.objects.select_related("person").filter(pk__in={r["ref"] for r in rows if r.get("ref") and _refers_to_assessment(r["code"])})}
    if chosen is not None:
        assessments.setdefault(chosen.pk, chosen)
    reasons = []
    for row in rows:
        code = row["code"]
        assessment = assessments.get(row.get("ref")) if _refers_to_assessment(code) else None
        values = {
            "route": route_label(destination, transit) if destination else "the route",
            "ref": assessment.reference if assessment else "the assessment",
            "status": assessment.get_status_display() if assessment else "",
            "country": country_name(row["country"]) if row.get("country") else "A country on the route",
            "risk": risk_names.get(row.get("risk_type"), ""),
            "detail": row.get("detail") or "",
            "deciders": _deciders_sentence(assessment) if code in {"decider_is_assessor", "decider_is_reviewer"} and assessment else "",
        }
        message = MESSAGES.get(code, code).format(**values).strip()
        reasons.append(Reason(code=code, message=message, fix_url=_fix_url(code, row.get("ref"), person, assessment, destination, transit)))
    return reasons


_NOT_ASSESSMENT_REFS = {"blocking_flag_open", "asylum_claim_pending", "consent_missing", "consent_after_decision",
                        "consent_before_findings", "consent_not_confirmed", "proposal_closed", "decided_in_future"}


def _refers_to_assessment(code: str) -> bool:
    return code not in _NOT_ASSESSMENT_REFS


def independent_deciders(assessment: Assessment):
    """Active users who may record a decision on this person and neither wrote nor reviewed `assessment`:
    supervisors of the person's team holding the permission, and administrators."""
    from core import roles

    User = get_user_model()
    allowed = Q(groups__permissions__codename="record_decision") | Q(user_permissions__codename="record_decision") | Q(is_superuser=True)
    in_scope = Q(supervised_teams=assessment.person.owning_team_id) | Q(groups__name=roles.ADMINISTRATOR)
    reviewers = assessment.reviews.values("reviewer_id")
    return (
        User.objects.filter(allowed, in_scope, is_active=True)
        .exclude(pk=assessment.assessor_id)
        .exclude(pk__in=reviewers)
        .exclude(pk=assessment.approved_by_id or 0)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _deciders_sentence(assessment: Assessment) -> str:
    names = [u.get_full_name() or u.username for u in independent_deciders(assessment)[:5]]
    return DECIDERS_SOME.format(names=", ".join(names)) if names else DECIDERS_NONE


def _route_query(destination: str, transit: list[str]) -> str:
    return f"?destination={destination}&transit={','.join(transit)}"


def _fix_url(code, ref_id, person, assessment, destination, transit) -> str:
    """Where a person goes to fix this reason."""
    if person is None:
        return ""
    if code == "no_assessment":
        return reverse("assessments:assessment_start", args=[person.pk]) + _route_query(destination, transit)
    if code == "blocking_flag_open" and ref_id:
        return reverse("assessments:flag_resolve", args=[ref_id])
    if code == "consent_not_confirmed" and ref_id:
        return reverse("assessments:consent_action", args=[ref_id, "confirm"])
    if code in {"consent_missing", "consent_after_decision", "consent_before_findings"}:
        return reverse("assessments:consent_record", args=[person.pk]) + _route_query(destination, transit)
    if code == "asylum_claim_pending":
        return reverse("people:person_detail", args=[person.pk]) + "#h-status"
    if code in {"finding_missing", "insufficient_information", "real_risk_found"} and assessment is not None:
        return reverse("assessments:assessment_detail", args=[assessment.pk]) + "#findings"
    if code in {"decider_is_assessor", "decider_is_reviewer"}:
        return ""
    if assessment is not None:
        return reverse("assessments:assessment_detail", args=[assessment.pk])
    return ""


def translate_trigger_error(primary: str, detail: str | None) -> list[str]:
    """The database gate's refusal in plain sentences, from the structured reasons in its DETAIL."""
    if not (rows := trigger_detail_rows(detail)):
        return [primary]
    messages = [r.message for r in reasons_from_rows(rows)]
    return ["Removal cannot be authorised:", *messages] if primary.startswith("Removal cannot") else messages
