"""Every write of the assessment domain: proposals, assessments and their parts, reviews, flags, consent
and removal decisions. Each takes the acting user, checks permission and scope, validates, locks in the
fixed order (person, then assessment, then decision) and writes in one transaction with history context."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django_countries import countries

from assessments import choices, flag_rules
from assessments.completeness import FINDING_NEEDS_REASONS, OUTCOMES_NEEDING_REASONS, Missing, assessment_missing, standing_risks_for_cell
from assessments.gate import GateAnswer, removal_gate
from assessments.models import (
    Assessment,
    Assurance,
    Evidence,
    Finding,
    Flag,
    Interview,
    MedicalConsistency,
    RemovalDecision,
    RemovalProposal,
    Review,
    RiskType,
    VoluntaryReturnConsent,
)
from core import clock, roles
from core.errors import DomainError, InvalidTransition, OutOfScope, PermissionDenied, Reason
from core.services import NOT_ALLOWED, acting, require_perm, save_validated
from core.uploads import check_upload
from people.models import Person
from people.scoping import supervised_team_ids, visible_team_ids

OUT_OF_SCOPE = "No such record in your caseload."
ONLY_ASSESSOR = "Only the assessor who wrote this assessment can change it."
NOT_EDITABLE = "This assessment is “{status}” and can no longer be edited."
OWN_ASSESSMENT = "You wrote this assessment: another supervisor must review it."
NOT_YOUR_TEAM = "You can only review assessments of the teams you supervise."
RETURN_NEEDS_COMMENTS = "Say what needs to change: returning an assessment needs comments."
RESOLUTION_NOTE_REQUIRED = "Write a note saying how the flag was resolved."
ALREADY_RESOLVED = "This flag is already resolved."


class AssessmentIncomplete(DomainError):
    code = "assessment_incomplete"

    def __init__(self, missing: list[Missing]):
        self.missing = missing
        super().__init__("The assessment is not complete: " + "; ".join(m.message for m in missing))


class RemovalBlocked(DomainError):
    code = "removal_blocked"

    def __init__(self, reasons: list[Reason]):
        self.reasons = reasons
        super().__init__("Removal cannot be authorised: " + " ".join(r.message for r in reasons))


# ---------------------------------------------------------------------------------------------------------
# Helpers


def _lock_person(actor, person_id: int) -> Person:
    person = Person.objects.select_for_update(no_key=True).filter(pk=person_id).first()
    ids = visible_team_ids(actor)
    if person is None or (ids is not None and person.owning_team_id not in ids):
        raise OutOfScope(OUT_OF_SCOPE)
    return person


def _lock_assessment(actor, assessment: Assessment) -> Assessment:
    """Lock the person, then the assessment (the fixed order), checking scope."""
    _lock_person(actor, assessment.person_id)
    return Assessment.objects.select_for_update(no_key=True).select_related("person").get(pk=assessment.pk)


# Who may do what with an assessment, in one place: each `*_refusal` says why `actor` may not (or None). The
# services raise it on the locked row; the pages offer an action only when it is None.


def edit_refusal(actor, assessment: Assessment) -> DomainError | None:
    if assessment.assessor_id != actor.pk:
        return PermissionDenied(ONLY_ASSESSOR)
    if not assessment.is_editable:
        return InvalidTransition(NOT_EDITABLE.format(status=assessment.get_status_display()), code="not_editable")
    return None


def review_refusal(actor, assessment: Assessment) -> DomainError | None:
    if not actor.has_perm("assessments.review_assessment"):
        return PermissionDenied(NOT_ALLOWED)
    if assessment.assessor_id == actor.pk:
        return PermissionDenied(OWN_ASSESSMENT, code="self_review")
    ids = supervised_team_ids(actor)
    if ids is not None and assessment.person.owning_team_id not in ids:
        return PermissionDenied(NOT_YOUR_TEAM, code="not_supervisor_of_team")
    if assessment.status != choices.AssessmentStatus.SUBMITTED:
        return InvalidTransition(f"Only a submitted assessment can be reviewed; this one is “{assessment.get_status_display()}”.")
    return None


def withdraw_refusal(actor, assessment: Assessment) -> DomainError | None:
    if assessment.assessor_id != actor.pk and not actor.has_perm("assessments.review_assessment"):
        return PermissionDenied(ONLY_ASSESSOR)
    if assessment.status in (choices.AssessmentStatus.SUPERSEDED, choices.AssessmentStatus.WITHDRAWN):
        return InvalidTransition("This assessment is already closed.")
    return None


def reopen_refusal(actor, assessment: Assessment) -> DomainError | None:
    if not actor.has_perm("assessments.review_assessment"):
        return PermissionDenied(NOT_ALLOWED)
    if assessment.status != choices.AssessmentStatus.APPROVED:
        return InvalidTransition("Only an approved assessment can be reopened.")
    return None


def _editable(actor, assessment: Assessment) -> Assessment:
    locked = _lock_assessment(actor, assessment)
    if refusal := edit_refusal(actor, locked):
        raise refusal
    return locked


# The most transit countries a route may list; the route forms offer exactly this many fields, so no route
# can hold more than a form shows (and a form never drops one).
MAX_TRANSIT_COUNTRIES = 6


def clean_route(destination: str, transit: list[str]) -> tuple[str, list[str]]:
    """Validate a route: known ISO codes, no repeats, the destination not also a transit country."""
    destination = (destination or "").strip().upper()
    transit = [c.strip().upper() for c in transit if c and c.strip()]
    errors: dict[str, str] = {}
    if destination not in countries:
        errors["destination"] = "Choose the destination country."
    unknown = [c for c in transit if c not in countries]
    if unknown:
        errors["transit_countries"] = f"Unknown country code: {', '.join(unknown)}."
    elif len(set(transit)) != len(transit):
        errors["transit_countries"] = "A transit country is listed twice."
    elif destination in transit:
        errors["transit_countries"] = "The destination cannot also be a transit country."
    elif len(transit) > MAX_TRANSIT_COUNTRIES:
        errors["transit_countries"] = f"A route can have at most {MAX_TRANSIT_COUNTRIES} transit countries."
    if errors:
        raise ValidationError(errors, code="bad_route")
    return destination, transit


# ---------------------------------------------------------------------------------------------------------
# Removal proposals


def proposal_create(
    *,
    actor,
    person: Person,
    measure: str,
    destination: str,
    transit_countries: list[str],
    proposed_by: str,
    planned_date: datetime.date | None = None,
    notes: str = "",
    today: datetime.date | None = None,
) -> RemovalProposal:
    """Record a proposed removal; it opens the need for an assessment of its route."""
    require_perm(actor, "assessments.add_removalproposal")
    today = today or clock.today()
    destination, transit = clean_route(destination, transit_countries)
    with acting(actor, "proposal_create"):
        locked = _lock_person(actor, person.pk)
        proposal = save_validated(
            RemovalProposal(
                person=locked, measure=measure, destination=destination, transit_countries=transit,
                proposed_by=proposed_by, planned_date=planned_date, notes=notes, recorded_by=actor,
            )
        )
        flag_rules.check_vulnerable(locked, today=today)
        flag_rules.check_imminent(proposal, today=today)
    return proposal


def proposal_withdraw(*, actor, proposal: RemovalProposal, reason: str) -> RemovalProposal:
    require_perm(actor, "assessments.change_removalproposal")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the proposal is withdrawn."}, code="reason_required")
    with acting(actor, "proposal_withdraw"):
        _lock_person(actor, proposal.person_id)
        locked = RemovalProposal.objects.select_for_update(no_key=True).get(pk=proposal.pk)
        if locked.status != choices.ProposalStatus.OPEN:
            raise InvalidTransition("Only an open proposal can be withdrawn.")
        locked.status = choices.ProposalStatus.WITHDRAWN
        locked.notes = (locked.notes + "\n" if locked.notes else "") + f"Withdrawn: {reason.strip()}"
        return save_validated(locked)


# ---------------------------------------------------------------------------------------------------------
# Assessments: creation and editing by the assessor


def assessment_start(
    *,
    actor,
    person: Person,
    proposal: RemovalProposal | None = None,
    destination: str = "",
    transit_countries: list[str] | None = None,
) -> Assessment:
    """Start a draft assessment of a route (the proposal's, if given). One in progress per person and route."""
    require_perm(actor, "assessments.add_assessment")
    if proposal is not None:
        destination, transit_countries = str(proposal.destination), list(proposal.transit_countries)
    destination, transit = clean_route(destination, transit_countries or [])
    with acting(actor, "assessment_start"):
        locked = _lock_person(actor, person.pk)
        if proposal is not None and proposal.person_id != locked.pk:
            raise ValidationError("The proposal concerns another person.", code="proposal_mismatch")
        return save_validated(
            Assessment(person=locked, proposal=proposal, assessor=actor, destination=destination, transit_countries=transit)
        )


def assessment_change_route(*, actor, assessment: Assessment, destination: str, transit_countries: list[str]) -> Assessment:
    require_perm(actor, "assessments.change_assessment")
    destination, transit = clean_route(destination, transit_countries)
    with acting(actor, "assessment_change_route"):
        locked = _editable(actor, assessment)
        locked.destination, locked.transit_countries = destination, transit
        return save_validated(locked)


ASSESSMENT_TEXT_FIELDS = ("no_interview_reason", "conclusion", "conclusion_reasons")


def assessment_update(*, actor, assessment: Assessment, data: dict[str, Any]) -> Assessment:
    """Save the conclusion section or the reason no interview was possible."""
    require_perm(actor, "assessments.change_assessment")
    with acting(actor, "assessment_update"):
        locked = _editable(actor, assessment)
        for field in ASSESSMENT_TEXT_FIELDS:
            if field in data:
                setattr(locked, field, data[field])
        return save_validated(locked)


def assessment_declare_independence(*, actor, assessment: Assessment, not_involved: bool, no_conflict: bool) -> Assessment:
    require_perm(actor, "assessments.change_assessment")
    with acting(actor, "assessment_declare_independence"):
        locked = _editable(actor, assessment)
        locked.declares_not_involved, locked.declares_no_conflict = bool(not_involved), bool(no_conflict)
        locked.declared_at = clock.now() if (not_involved and no_conflict) else None
        return save_validated(locked)


INTERVIEW_FIELDS = (
    "held_on", "place", "interviewer", "language", "interpreter_name", "interpreter_not_representative",
    "same_sex_requested", "same_sex_provided", "counsel_present", "information_given", "record", "confirmation", "corrections",
)


def _save_part(*, actor, assessment: Assessment, model, instance, fields: tuple[str, ...], data: dict[str, Any], action: str, check=None):
    """Create or update one part (interview, assurance) of an editable assessment, by its assessor."""
    name = model._meta.model_name
    require_perm(actor, f"assessments.add_{name}" if instance is None else f"assessments.change_{name}")
    with acting(actor, action):
        locked = _editable(actor, assessment)
        target = instance if instance is not None else model(assessment=locked)
        if target.assessment_id != locked.pk:
            raise OutOfScope(OUT_OF_SCOPE)
        for field in fields:
            if field in data:
                setattr(target, field, data[field])
        if check is not None:
            check(locked, target)
        return save_validated(target)


def interview_save(*, actor, assessment: Assessment, data: dict[str, Any], interview: Interview | None = None) -> Interview:
    def default_interviewer(_, target):
        if target.interviewer_id is None:
            target.interviewer = actor

    return _save_part(
        actor=actor, assessment=assessment, model=Interview, instance=interview, fields=INTERVIEW_FIELDS, data=data,
        action="interview_save", check=default_interviewer,
    )


EVIDENCE_FIELDS = (
    "kind", "title", "source", "document_date", "accessed_on", "reliability", "corroboration", "citation",
    "disclosed_to_person", "restricted", "summary", "examination_offered", "consent_to_examination", "examiner",
)


def evidence_add(
    *,
    actor,
    assessment: Assessment,
    data: dict[str, Any],
    upload=None,
    consistencies: list[dict[str, str]] | None = None,
) -> Evidence:
    """Add evidence. To a draft: by its assessor. To an approved assessment: by anyone in scope with the
    permission; the database then reopens the assessment and the "new evidence" flag is raised."""
    require_perm(actor, "assessments.add_evidence")
    checked = check_upload(upload) if upload else None
    with acting(actor, "evidence_add"):
        locked = _lock_assessment(actor, assessment)
        was_approved = locked.status == choices.AssessmentStatus.APPROVED
        if not was_approved:
            if locked.assessor_id != actor.pk:
                raise PermissionDenied(ONLY_ASSESSOR)
            if not locked.is_editable:
                raise InvalidTransition(NOT_EDITABLE.format(status=locked.get_status_display()), code="not_editable")
        evidence = Evidence(assessment=locked, added_by=actor, **{k: v for k, v in data.items() if k in EVIDENCE_FIELDS})
        if checked is not None:
            evidence.file = upload
            evidence.original_filename = checked.label
            evidence.content_type = checked.content_type
        save_validated(evidence)
        for item in consistencies or []:
            if item.get("finding", "").strip():
                save_validated(MedicalConsistency(evidence=evidence, **item))
        flag_rules.on_evidence_added(evidence, was_approved=was_approved)
    return evidence


FINDING_FIELDS = (
    "feared_actor", "convention_grounds", "grounds_imputed", "legal_test", "outcome", "reasons",
    "charges_or_sentence", "sentenced_in_absentia", "revisits", "revisit_reasons",
)
REVISIT_NOT_STANDING = "Choose an earlier finding of real risk for this country and risk type that still stands."
REVISIT_NEEDS_NO_RISK = "Only a finding of no real risk revisits an earlier finding of real risk."


def finding_save(
    *,
    actor,
    assessment: Assessment,
    country: str,
    risk_type: RiskType,
    data: dict[str, Any],
    indicators=None,
    evidence=None,
) -> Finding:
    """Create or update the finding for one country of the route and one risk type."""
    require_perm(actor, "assessments.change_finding")
    with acting(actor, "finding_save"):
        locked = _editable(actor, assessment)
        if country not in locked.route:
            raise ValidationError({"country": "This country is not on the assessment's route."}, code="country_not_on_route")
        finding = Finding.objects.filter(assessment=locked, country=country, risk_type=risk_type).first()
        if finding is None:
            finding = Finding(assessment=locked, country=country, risk_type=risk_type)
        for field in FINDING_FIELDS:
            if field in data:
                setattr(finding, field, data[field])
        if finding.outcome in OUTCOMES_NEEDING_REASONS and not (finding.reasons or "").strip():
            raise ValidationError({"reasons": FINDING_NEEDS_REASONS}, code="reasons_required")
        if finding.revisits_id is not None:
            if finding.outcome != choices.Outcome.NO_REAL_RISK:
                raise ValidationError({"revisits": ValidationError(REVISIT_NEEDS_NO_RISK, code="revisit_needs_no_risk")})
            if finding.revisits_id not in {r.pk for r in standing_risks_for_cell(locked, country, risk_type)}:
                raise ValidationError({"revisits": ValidationError(REVISIT_NOT_STANDING, code="revisit_not_standing")})
        save_validated(finding)
        if indicators is not None:
            finding.indicators.set(indicators)
        if evidence is not None:
            if any(e.assessment_id != locked.pk for e in evidence):
                raise ValidationError({"evidence": "Only evidence of this assessment can be relied on."}, code="foreign_evidence")
            finding.evidence.set(evidence)
        finding.assessment = locked
        flag_rules.on_finding_saved(finding)
    return finding


ASSURANCE_FIELDS = (
    "country", "issuer", "given_on", "text", "text_disclosed", "specificity", "issuer_can_bind_state",
    "local_compliance_likely", "treatment_legal_in_state", "track_record", "independent_monitoring",
    "lawyer_access", "prior_ill_treatment", "evaluation", "weight",
)


def assurance_save(*, actor, assessment: Assessment, data: dict[str, Any], assurance: Assurance | None = None) -> Assurance:
    def on_route(locked, target):
        if str(target.country) not in locked.route:
            raise ValidationError({"country": "This country is not on the assessment's route."}, code="country_not_on_route")

    return _save_part(
        actor=actor, assessment=assessment, model=Assurance, instance=assurance, fields=ASSURANCE_FIELDS, data=data,
        action="assurance_save", check=on_route,
    )


# ---------------------------------------------------------------------------------------------------------
# Assessment lifecycle: submit, approve, return, withdraw, reopen


def assessment_submit(*, actor, assessment: Assessment) -> Assessment:
    """Submit for review; refused with the list of what is missing."""
    require_perm(actor, "assessments.change_assessment")
    with acting(actor, "assessment_submit"):
        locked = _editable(actor, assessment)
        missing = assessment_missing(locked)
        if missing:
            raise AssessmentIncomplete(missing)
        locked.status = choices.AssessmentStatus.SUBMITTED
        locked.submitted_at = clock.now()
        return save_validated(locked)


def _reviewable(actor, assessment: Assessment) -> Assessment:
    require_perm(actor, "assessments.review_assessment")
    locked = _lock_assessment(actor, assessment)
    if refusal := review_refusal(actor, locked):
        raise refusal
    return locked


def assessment_approve(*, actor, assessment: Assessment, comments: str = "", today: datetime.date | None = None) -> Assessment:
    """Approve a submitted assessment written by someone else; older approved assessments of the same route
    are superseded, and the approval is valid for ASSESSMENT_VALIDITY_DAYS."""
    today = today or clock.today()
    with acting(actor, "assessment_approve"):
        locked = _reviewable(actor, assessment)
        missing = assessment_missing(locked)
        if missing:
            raise AssessmentIncomplete(missing)
        Review.objects.create(assessment=locked, reviewer=actor, decision=choices.ReviewDecision.APPROVED, comments=comments)
        older = Assessment.objects.select_for_update(no_key=True).filter(
            person_id=locked.person_id, status=choices.AssessmentStatus.APPROVED,
            destination=locked.destination, transit_countries=locked.transit_countries,
        ).exclude(pk=locked.pk)
        for previous in older:
            previous.status = choices.AssessmentStatus.SUPERSEDED
            previous.save(update_fields=["status", "updated_at"])
        locked.status = choices.AssessmentStatus.APPROVED
        locked.approved_by = actor
        locked.approved_at = clock.now()
        locked.valid_until = today + datetime.timedelta(days=settings.ASSESSMENT_VALIDITY_DAYS)
        return save_validated(locked)


def assessment_return(*, actor, assessment: Assessment, comments: str) -> Assessment:
    if not comments or not comments.strip():
        raise ValidationError({"comments": RETURN_NEEDS_COMMENTS}, code="comments_required")
    with acting(actor, "assessment_return"):
        locked = _reviewable(actor, assessment)
        Review.objects.create(assessment=locked, reviewer=actor, decision=choices.ReviewDecision.RETURNED, comments=comments.strip())
        locked.status = choices.AssessmentStatus.RETURNED
        return save_validated(locked)


def assessment_withdraw(*, actor, assessment: Assessment, reason: str) -> Assessment:
    if not reason.strip():
        raise ValidationError({"reason": "Say why the assessment is withdrawn."}, code="reason_required")
    with acting(actor, "assessment_withdraw"):
        locked = _lock_assessment(actor, assessment)
        if refusal := withdraw_refusal(actor, locked):
            raise refusal
        locked.status = choices.AssessmentStatus.WITHDRAWN
        locked.status_reason = f"Withdrawn: {reason.strip()}"[:300]
        return save_validated(locked)


def assessment_reopen(*, actor, assessment: Assessment, reason: str) -> Assessment:
    """A supervisor reopens an approved assessment (new charges, changed country conditions …)."""
    require_perm(actor, "assessments.review_assessment")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the assessment is reopened."}, code="reason_required")
    with acting(actor, "assessment_reopen"):
        locked = _lock_assessment(actor, assessment)
        if refusal := reopen_refusal(actor, locked):
            raise refusal
        locked.status = choices.AssessmentStatus.DRAFT
        locked.reopened_at = clock.now()
        locked.status_reason = reason.strip()[:300]
        return save_validated(locked)


# ---------------------------------------------------------------------------------------------------------
# Taxonomy

RISK_TYPE_BAR_IN_USE = (
    "Findings of real risk of “{name}” exist: its bar on return stays absolute and the risk type stays active "
    "(deactivating it would not lift those findings either)."
)


def risk_type_change_refusal(risk_type: RiskType, *, absolute_bar: bool, is_active: bool) -> str | None:
    """Why `risk_type` may not become `absolute_bar`/`is_active` (the database's own rule), or None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT risk_type_change_refusal(%s, %s, %s)", [risk_type.pk, absolute_bar, is_active])
        refused = cursor.fetchone()
    return RISK_TYPE_BAR_IN_USE.format(name=risk_type.name) if refused and refused[0] else None


# ---------------------------------------------------------------------------------------------------------
# Flags


# A person raises a flag about anything but what the automatic rules raise (assessments.flag_rules).
HAND_RAISED_FLAG_CATEGORIES = [c for c in choices.FlagCategory.choices if c[0] != choices.FlagCategory.AUTOMATIC]


def flag_raise(
    *,
    actor,
    person: Person,
    reason: str,
    severity: int = choices.Severity.MEDIUM,
    blocks_removal: bool = False,
    category: str = choices.FlagCategory.OTHER,
    assessment: Assessment | None = None,
) -> Flag:
    """Raise a flag by hand. A blocking flag reopens the person's approved assessments (in the database)."""
    require_perm(actor, "assessments.add_flag")
    if category not in dict(HAND_RAISED_FLAG_CATEGORIES):
        raise ValidationError({"category": "Choose what the flag is about; automatic flags are raised by the rules."}, code="bad_category")
    if category in choices.SUSPENSIVE_FLAG_CATEGORIES:
        blocks_removal = True  # suspends removal by law, whatever the box said
    with acting(actor, "flag_raise"):
        locked = _lock_person(actor, person.pk)
        if assessment is not None and assessment.person_id != locked.pk:
            raise ValidationError("The assessment concerns another person.", code="assessment_mismatch")
        return save_validated(
            Flag(
                person=locked, assessment=assessment, reason=reason.strip(), severity=severity,
                blocks_removal=blocks_removal, category=category, raised_by=actor,
            )
        )


def flag_resolve(*, actor, flag: Flag, note: str) -> Flag:
    require_perm(actor, "assessments.resolve_flag")
    if not note or not note.strip():
        raise ValidationError({"note": RESOLUTION_NOTE_REQUIRED}, code="resolution_note_required")
    with acting(actor, "flag_resolve"):
        _lock_person(actor, flag.person_id)
        locked = Flag.objects.select_for_update(no_key=True).get(pk=flag.pk)
        if locked.resolved_at is not None:
            raise InvalidTransition(ALREADY_RESOLVED)
        if locked.blocks_removal and not roles.is_supervisor(actor) and not roles.is_administrator(actor):
            raise PermissionDenied("A flag that blocks removal can only be resolved by a supervisor.", code="supervisor_only")
        locked.resolved_at = clock.now()
        locked.resolved_by = actor
        locked.resolution_note = note.strip()
        return save_validated(locked)


def flags_sweep(*, today: datetime.date | None = None) -> dict[str, int]:
    """Run the time-based automatic rules (imminent removal, expired approval)."""
    today = today or clock.today()
    with acting(None, "flags_sweep"):
        return flag_rules.sweep(today=today)


# ---------------------------------------------------------------------------------------------------------
# Voluntary return consent


CONSENT_FIELDS = ("given_on", "language", "interpreter_name", "conditions_explained", "no_pressure_confirmed", "safe_setting_confirmed")


CONSENT_IN_FUTURE = "Consent cannot be dated in the future."


def consent_record(
    *, actor, person: Person, destination: str, data: dict[str, Any], transit_countries: list[str] | None = None,
    today: datetime.date | None = None,
) -> VoluntaryReturnConsent:
    """Record the person's consent to return on a route (the destination and the transit countries in order)."""
    require_perm(actor, "assessments.add_assessment")
    destination, transit = clean_route(destination, transit_countries or [])
    given_on = data.get("given_on")
    if given_on and given_on > (today or clock.today()):
        raise ValidationError({"given_on": ValidationError(CONSENT_IN_FUTURE, code="consent_in_future")})
    with acting(actor, "consent_record"):
        locked = _lock_person(actor, person.pk)
        return save_validated(
            VoluntaryReturnConsent(
                person=locked, destination=destination, transit_countries=transit, recorded_by=actor,
                **{k: v for k, v in data.items() if k in CONSENT_FIELDS},
            )
        )


def consent_confirm(*, actor, consent: VoluntaryReturnConsent) -> VoluntaryReturnConsent:
    """A supervisor (not the one who recorded it) confirms the consent, needed where risk was found."""
    require_perm(actor, "assessments.review_assessment")
    with acting(actor, "consent_confirm"):
        _lock_person(actor, consent.person_id)
        locked = VoluntaryReturnConsent.objects.select_for_update(no_key=True).get(pk=consent.pk)
        if locked.withdrawn_at is not None:
            raise InvalidTransition("This consent was withdrawn.")
        locked.supervisor_confirmed_by = actor
        locked.supervisor_confirmed_at = clock.now()
        return save_validated(locked)


def consent_withdraw(*, actor, consent: VoluntaryReturnConsent) -> VoluntaryReturnConsent:
    """The person withdraws consent: any time, for any reason."""
    require_perm(actor, "assessments.change_assessment")
    with acting(actor, "consent_withdraw"):
        _lock_person(actor, consent.person_id)
        locked = VoluntaryReturnConsent.objects.select_for_update(no_key=True).get(pk=consent.pk)
        locked.withdrawn_at = clock.now()
        return save_validated(locked)


# ---------------------------------------------------------------------------------------------------------
# Removal decisions


DECIDED_IN_FUTURE = "A decision cannot be dated in the future."
PROPOSAL_CLOSED = "This proposal was already {status}; it cannot be decided again."
UNKNOWN_MEASURE = "Choose the kind of removal."
UNKNOWN_OUTCOME = "Choose the outcome of the decision."


def removal_decision_check(
    *, actor, person: Person, measure: str, destination: str, transit_countries: list[str], today: datetime.date | None = None,
    decided_on: datetime.date | None = None,
) -> GateAnswer:
    """The gate's answer for the decision page, before anything is submitted (no locks, no writes)."""
    destination, transit = clean_route(destination, transit_countries)
    return removal_gate(
        person=person, measure=measure, destination=destination, transit_countries=transit, decider=actor,
        today=today or clock.today(), decided_on=decided_on,
    )


def removal_decision_record(
    *,
    actor,
    person: Person,
    measure: str,
    destination: str,
    transit_countries: list[str],
    outcome: str,
    reasons: str,
    decided_on: datetime.date | None = None,
    proposal: RemovalProposal | None = None,
    today: datetime.date | None = None,
) -> RemovalDecision:
    """Record a removal decision, dated `decided_on` (today by default; never in the future). Authorisation
    passes the gate as at that date and today, under row locks (person, proposal, assessment, decision); a
    barred or postponed outcome can always be recorded, once per proposal (a postponed one leaves it open)."""
    require_perm(actor, "assessments.record_decision")
    today = today or clock.today()
    decided_on = decided_on or today
    if proposal is not None:
        measure, destination, transit_countries = proposal.measure, str(proposal.destination), list(proposal.transit_countries)
    destination, transit = clean_route(destination, transit_countries)
    if measure not in choices.Measure.values:
        raise ValidationError({"measure": ValidationError(UNKNOWN_MEASURE, code="bad_measure")})
    if outcome not in choices.DecisionOutcome.values:
        raise ValidationError({"outcome": ValidationError(UNKNOWN_OUTCOME, code="bad_outcome")})
    if decided_on > today:
        raise ValidationError({"decided_on": ValidationError(DECIDED_IN_FUTURE, code="decided_in_future")})
    with acting(actor, "removal_decision_record"):
        locked = _lock_person(actor, person.pk)
        if proposal is not None:
            proposal = RemovalProposal.objects.select_for_update(no_key=True).get(pk=proposal.pk)
            if proposal.person_id != locked.pk:
                raise ValidationError("The proposal concerns another person.", code="proposal_mismatch")
            if proposal.status != choices.ProposalStatus.OPEN:
                raise InvalidTransition(PROPOSAL_CLOSED.format(status=proposal.get_status_display().lower()), code="proposal_closed")
        answer = removal_gate(
            person=locked, measure=measure, destination=destination, transit_countries=transit, decider=actor, today=today,
            decided_on=decided_on, lock=True,
        )
        if outcome == choices.DecisionOutcome.AUTHORISED and not answer.allowed:
            raise RemovalBlocked(answer.reasons)
        decision = save_validated(
            RemovalDecision(
                person=locked, proposal=proposal, measure=measure, destination=destination, transit_countries=transit,
                outcome=outcome, decided_by=actor, decided_on=decided_on, reasons=reasons.strip(),
                assessment=answer.assessment, consent=answer.consent,
            )
        )
        # The database chose what the decision rests on, set its gate time and closed the proposal.
        decision.refresh_from_db(fields=["gate_checked_at", "assessment", "consent"])
    return decision
