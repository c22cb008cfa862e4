"""Risk taxonomy, removal proposals, assessments and their parts, reviews, flags, consent and decisions.

The rules that span tables (the removal gate, reopening an approved assessment when its content changes,
four-eyes on reviews) are PostgreSQL triggers installed by this app's migrations, and the services call
the same SQL function the trigger uses, so the page, the service and the database give one answer.
"""

from __future__ import annotations

import datetime
import os
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django_countries.fields import Country, CountryField

from assessments import choices
from core.models import TimeStamped
from people.choices import LANGUAGES
from people.models import Person
from people.scoping import visible_team_ids

User = settings.AUTH_USER_MODEL


def country_name(code: str) -> str:
    from core.countries import country_name as cached

    return cached(code)


def route_label(destination: str, transit: list[str]) -> str:
    """"Turkey → Iran": transit countries in order, then the destination."""
    return " → ".join(country_name(c) for c in [*transit, destination])


def allowed_values(field: str, vocabulary, *, name: str, blank: bool = False) -> models.CheckConstraint:
    """A CHECK that `field` holds one of `vocabulary`'s values (or '' when `blank`): the gate and the pages
    recognise only these, so raw SQL cannot write a value they would misread (`Authorised`, `AUTHORISED`)."""
    values = [*vocabulary.values, *([""] if blank else [])]
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": values}),
        name=name,
        violation_error_code="value_not_allowed",
        violation_error_message=f"Choose one of the listed values for {field.replace('_', ' ')}.",
    )


class RouteMixin(models.Model):
    """A destination and the ordered transit countries before it."""

    destination = CountryField()
    transit_countries = ArrayField(
        models.CharField(max_length=2), default=list, blank=True, help_text="In order of travel, before the destination."
    )

    class Meta:
        abstract = True

    @property
    def route(self) -> list[str]:
        return [*self.transit_countries, str(self.destination)]

    @property
    def route_display(self) -> str:
        return route_label(str(self.destination), list(self.transit_countries))

    @property
    def route_country_objects(self) -> list[Country]:
        return [Country(code=c) for c in self.route]


class ScopedQuerySet(models.QuerySet):
    """Scoping through the person, by the one rule of people.scoping."""

    person_path = "person__"

    def in_teams(self, ids):
        """Rows of the people of the teams `ids` (None: every team)."""
        return self if ids is None else self.filter(**{f"{self.person_path}owning_team_id__in": ids})

    def visible_to(self, user):
        return self.in_teams(visible_team_ids(user))


class CopiedScopeQuerySet(ScopedQuerySet):
    """The same rule, on the copy of the person's team that the row carries (see `ScopeCopy`)."""

    def in_teams(self, ids):
        """Rows of the teams `ids` (None: every team), through the row's copy of its person's team."""
        return self if ids is None else self.filter(scope_team_id__in=ids)


class ScopeCopy(models.Model):
    """The person's owning team and assigned caseworker, copied onto the row by database triggers on every
    insert and update of the row and on every change of the person (migration 0006), whoever writes: the
    pages that rank a user's caseload (My work, the review queue) filter and order through one index on them
    instead of joining every person of the caseload."""

    scope_team_id = models.BigIntegerField(null=True, editable=False)
    scope_caseworker_id = models.BigIntegerField(null=True, editable=False)

    class Meta:
        abstract = True


# ---------------------------------------------------------------------------------------------------------
# Taxonomy


class RiskType(TimeStamped):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    absolute_bar = models.BooleanField(
        "Bar on return is absolute", default=False, help_text="Never weighed against the person's conduct."
    )
    legal_references = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True, help_text="Only active risk types must be assessed.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Indicator(TimeStamped):
    code = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(max_length=8, choices=choices.IndicatorKind.choices)
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    legal_references = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class FlagRule(TimeStamped):
    """An automatic flag rule and its settings, editable by administrators."""

    code = models.CharField(max_length=32, choices=choices.FlagRuleCode.choices, unique=True)
    enabled = models.BooleanField(default=True)
    severity = models.PositiveSmallIntegerField(choices=choices.Severity.choices, default=choices.Severity.HIGH)
    blocks_removal = models.BooleanField(default=False)
    threshold_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="For the imminent-removal rule: how many days before the planned date."
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            allowed_values("code", choices.FlagRuleCode, name="flag_rule_code_allowed"),
            models.CheckConstraint(
                condition=~Q(code=choices.FlagRuleCode.REAL_RISK_ABSOLUTE) | Q(enabled=True, blocks_removal=True),
                name="flag_rule_absolute_always_blocks",
                violation_error_code="rule_cannot_be_disabled",
                violation_error_message="The flag for a real risk of torture or the death penalty is always raised and always "
                "blocks removal: it cannot be disabled or made non-blocking.",
            ),
        ]

    def __str__(self) -> str:
        return self.get_code_display()


# ---------------------------------------------------------------------------------------------------------
# Proposals


class RemovalProposalQuerySet(CopiedScopeQuerySet):
    def open(self):
        return self.filter(status=choices.ProposalStatus.OPEN)


class RemovalProposal(RouteMixin, ScopeCopy, TimeStamped):
    """A proposed removal of a person on a route. It opens the need for an assessment of that route."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="removal_proposals")
    measure = models.CharField(max_length=20, choices=choices.Measure.choices)
    proposed_by = models.CharField(max_length=200, help_text="The authority or officer proposing the removal.")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    planned_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=choices.ProposalStatus.choices, default=choices.ProposalStatus.OPEN)
    notes = models.TextField(blank=True)

    objects = RemovalProposalQuerySet.as_manager()

    class Meta:
        ordering = ["planned_date", "-id"]
        indexes = [
            models.Index(fields=["status", "planned_date"], name="proposal_status_date"),
            models.Index(
                fields=["scope_caseworker_id", "planned_date", "person_id"], condition=Q(status="open"), name="proposal_open_caseworker_date"
            ),
        ]
        constraints = [
            allowed_values("measure", choices.Measure, name="proposal_measure_allowed"),
            allowed_values("status", choices.ProposalStatus, name="proposal_status_allowed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} to {self.route_display}"


# ---------------------------------------------------------------------------------------------------------
# Assessments


class AssessmentQuerySet(CopiedScopeQuerySet):
    def approved(self):
        return self.filter(status=choices.AssessmentStatus.APPROVED)

    def in_progress(self):
        return self.filter(status__in=choices.OPEN_STATUSES)

    def for_person(self, person):
        return self.filter(person=person)

    def reviewable_by(self, user):
        """Submitted assessments of the teams `user` supervises, never their own."""
        from people.scoping import supervised_team_ids

        return self.filter(status=choices.AssessmentStatus.SUBMITTED).exclude(assessor=user).in_teams(supervised_team_ids(user))


class Assessment(RouteMixin, ScopeCopy, TimeStamped):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="assessments")
    proposal = models.ForeignKey(
        RemovalProposal, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments"
    )
    assessor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=10, choices=choices.AssessmentStatus.choices, default=choices.AssessmentStatus.DRAFT, editable=False)
    # Independence (the assessor is not involved in the removal decision and has no conflict of interest).
    declares_not_involved = models.BooleanField("I am not involved in the removal decision", default=False)
    declares_no_conflict = models.BooleanField("I have no conflict of interest in this case", default=False)
    declared_at = models.DateTimeField(null=True, blank=True, editable=False)
    no_interview_reason = models.TextField(
        "Reason no interview was possible", blank=True, help_text="Only if the person could not be interviewed."
    )
    conclusion = models.CharField(max_length=24, choices=choices.Conclusion.choices, blank=True)
    conclusion_reasons = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    valid_until = models.DateField(null=True, blank=True, editable=False)
    reopened_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_changed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Set by the database (its clock) on every status change."
    )
    status_reason = models.CharField(
        max_length=300, blank=True, editable=False, help_text="Why the assessment was last reopened or withdrawn."
    )
    # The proposal's planned date, copied by the same triggers: the lists order by urgency through an index.
    proposal_planned_date = models.DateField(null=True, editable=False)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("review_assessment", "Can approve or return assessments"),
            ("view_history", "Can view the change history of an assessment"),
        ]
        indexes = [
            models.Index(fields=["person", "status"], name="assessment_person_status"),
            models.Index(fields=["status", "submitted_at"], name="assessment_status_submitted"),
            models.Index(fields=["assessor", "status"], name="assessment_assessor_status"),
            models.Index(fields=["assessor", "status", "proposal_planned_date", "created_at"], name="assessment_assessor_urgency"),
            models.Index(
                fields=["scope_team_id", "proposal_planned_date", "submitted_at", "id"], condition=Q(status="submitted"),
                name="assessment_submitted_urgency",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("assessor")),
                name="assessment_four_eyes",
                violation_error_code="self_approval",
                violation_error_message="An assessment cannot be approved by its own assessor.",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | Q(approved_by__isnull=False, approved_at__isnull=False, valid_until__isnull=False),
                name="assessment_approved_has_reviewer",
                violation_error_code="approval_incomplete",
                violation_error_message="An approved assessment needs its reviewer, approval time and validity date.",
            ),
            models.UniqueConstraint(
                fields=["person", "destination", "transit_countries"],
                condition=Q(status__in=["draft", "submitted", "returned"]),
                name="assessment_one_open_per_route",
                violation_error_code="open_assessment_exists",
                violation_error_message="This person already has an assessment in progress for this route.",
            ),
            allowed_values("status", choices.AssessmentStatus, name="assessment_status_allowed"),
            allowed_values("conclusion", choices.Conclusion, name="assessment_conclusion_allowed", blank=True),
        ]

    def __str__(self) -> str:
        return f"Assessment A-{self.pk or 0:05d} of {self.person.reference}: {self.route_display}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:assessment_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"A-{self.pk:05d}" if self.pk else "A-new"

    @property
    def is_editable(self) -> bool:
        return self.status in choices.EDITABLE_STATUSES

    def is_expired(self, today: datetime.date) -> bool:
        return self.status == choices.AssessmentStatus.APPROVED and self.valid_until is not None and self.valid_until < today


class Interview(TimeStamped):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="interviews")
    held_on = models.DateField("Date")
    place = models.CharField(max_length=200)
    interviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=8, choices=LANGUAGES)
    interpreter_name = models.CharField("Interpreter", max_length=200, blank=True, help_text="Leave empty if none.")
    interpreter_not_representative = models.BooleanField(
        "The interpreter is not the person's legal representative", default=False
    )
    same_sex_requested = models.BooleanField("Same-sex interviewer or interpreter requested", default=False)
    same_sex_provided = models.BooleanField("Same-sex interviewer or interpreter provided", default=False)
    counsel_present = models.BooleanField(default=False)
    information_given = models.TextField(
        "Information given to the person", help_text="What the person was told about the procedure and their rights."
    )
    record = models.TextField("Record of the interview")
    confirmation = models.CharField(
        "Read back and confirmed", max_length=10, choices=choices.Confirmation.choices, default=choices.Confirmation.NOT_YET
    )
    corrections = models.TextField("Person's corrections", blank=True)

    class Meta:
        ordering = ["held_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(interpreter_name="") | Q(interpreter_not_representative=True),
                name="interview_interpreter_independent",
                violation_error_code="interpreter_is_representative",
                violation_error_message="Confirm that the interpreter is not the person's legal representative; "
                "a legal representative cannot interpret.",
            ),
            models.CheckConstraint(
                condition=~Q(confirmation="corrected") | ~Q(corrections=""),
                name="interview_corrections_recorded",
                violation_error_code="corrections_missing",
                violation_error_message="Write down the corrections the person made.",
            ),
        ]

    def __str__(self) -> str:
        return f"Interview of {self.held_on}"


@deconstructible(path="assessments.models.PrivateEvidenceStorage")
class PrivateEvidenceStorage(FileSystemStorage):
    """Evidence files live under MEDIA_ROOT/evidence and are never served by URL: only the scope-checking
    download view streams them."""

    @cached_property
    def base_location(self):
        return os.path.join(settings.MEDIA_ROOT, "evidence")

    def url(self, name):
        raise ValueError("Evidence files have no public URL: link to the `evidence_download` view instead.")


evidence_storage = PrivateEvidenceStorage()


def get_evidence_storage() -> PrivateEvidenceStorage:
    """The private evidence storage. A callable, so migrations name it instead of freezing MEDIA_ROOT's path."""
    return evidence_storage


def evidence_upload_to(instance, filename: str) -> str:
    """Server-generated names: nothing the uploader typed reaches the filesystem."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{datetime.date.today():%Y/%m}/{uuid.uuid4().hex}.{suffix}"


def may_see_restricted(user, assessment: Assessment) -> bool:
    """Restricted notes and evidence of `assessment` (medical, security): its assessor, the supervisors of the
    person's team and administrators. The same rule as `restricted_visible_q`, for one assessment in hand."""
    from core import roles
    from people.scoping import supervised_team_ids

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if roles.is_administrator(user) or assessment.assessor_id == user.pk:
        return True
    ids = supervised_team_ids(user)
    return ids is None or assessment.person.owning_team_id in ids


def restricted_visible_q(user, assessment_path: str = "assessment__") -> Q:
    """The rows a query may return when restricted ones are for the assessor, team supervisors and admins."""
    from core import roles
    from people.scoping import supervised_team_ids

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if roles.is_administrator(user):
        return Q()
    ids = supervised_team_ids(user)
    if ids is None:
        return Q()
    return (
        Q(restricted=False)
        | Q(**{f"{assessment_path}assessor_id": user.pk})
        | Q(**{f"{assessment_path}person__owning_team_id__in": ids})
    )


class EvidenceQuerySet(ScopedQuerySet):
    person_path = "assessment__person__"

    def visible_to(self, user):
        """Evidence `user` may see: in scope (the person's team), and restricted items only for the
        assessor, the supervisors of the person's team and administrators."""
        return super().visible_to(user).filter(restricted_visible_q(user))


class Evidence(TimeStamped):
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField("Type", max_length=10, choices=choices.EvidenceKind.choices)
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=300)
    document_date = models.DateField("Date of the evidence", null=True, blank=True)
    accessed_on = models.DateField("Date accessed", null=True, blank=True)
    reliability = models.CharField(max_length=8, choices=choices.Reliability.choices, default=choices.Reliability.UNKNOWN)
    corroboration = models.CharField(max_length=16, choices=choices.Corroboration.choices, default=choices.Corroboration.UNCORROBORATED)
    citation = models.CharField("Citation", max_length=500, blank=True, help_text="A traceable reference: title, page, URL.")
    disclosed_to_person = models.BooleanField(default=False)
    restricted = models.BooleanField(
        default=False, help_text="Medical or security-sensitive: only the assessor, team supervisors and administrators see it."
    )
    summary = models.TextField(blank=True)
    file = models.FileField(upload_to=evidence_upload_to, storage=get_evidence_storage, blank=True)
    original_filename = models.CharField(max_length=200, blank=True, editable=False)
    content_type = models.CharField(max_length=100, blank=True, editable=False)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    # Istanbul Protocol, for medical evidence.
    examination_offered = models.BooleanField(default=False)
    consent_to_examination = models.BooleanField(default=False)
    examiner = models.CharField(max_length=200, blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=Q(accessed_on__isnull=True) | Q(document_date__isnull=True) | Q(accessed_on__gte=F("document_date")),
                name="evidence_accessed_after_dated",
                violation_error_code="dates_out_of_order",
                violation_error_message="Evidence cannot have been accessed before its own date.",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MedicalConsistency(models.Model):
    """Istanbul Protocol: how consistent one physical or psychological finding is with the alleged torture."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="consistencies")
    finding = models.CharField("Physical or psychological finding", max_length=300)
    alleged_cause = models.CharField(max_length=300, blank=True)
    degree = models.CharField(max_length=20, choices=choices.IstanbulDegree.choices)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "medical consistencies"

    def __str__(self) -> str:
        return f"{self.finding}: {self.get_degree_display()}"


class Finding(TimeStamped):
    """One finding per country of the route and per risk type."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="findings")
    country = CountryField()
    risk_type = models.ForeignKey(RiskType, on_delete=models.PROTECT, related_name="findings")
    feared_actor = models.CharField(max_length=10, choices=choices.FearedActor.choices, blank=True)
    convention_grounds = ArrayField(
        models.CharField(max_length=20, choices=choices.ConventionGround.choices), default=list, blank=True
    )
    grounds_imputed = models.BooleanField("Ground imputed to the person", default=False)
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="findings")
    legal_test = models.CharField("Legal test applied", max_length=300, blank=True)
    outcome = models.CharField(max_length=24, choices=choices.Outcome.choices)
    reasons = models.TextField(blank=True)
    charges_or_sentence = models.TextField("Charges or sentence (death penalty)", blank=True)
    sentenced_in_absentia = models.BooleanField(default=False)
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="findings", verbose_name="evidence relied on")
    # A finding of no real risk where an earlier approved finding found one must revisit it expressly.
    revisits = models.ForeignKey(
        "ApprovedFinding", on_delete=models.PROTECT, null=True, blank=True, related_name="revisited_by",
        verbose_name="earlier finding of real risk revisited",
    )
    revisit_reasons = models.TextField(
        "Why the earlier risk no longer holds", blank=True,
        help_text="Changed country conditions, new evidence: what makes the earlier finding of real risk no longer hold.",
    )

    class Meta:
        ordering = ["country", "risk_type__position"]
        constraints = [
            allowed_values("outcome", choices.Outcome, name="finding_outcome_allowed"),
            allowed_values("feared_actor", choices.FearedActor, name="finding_feared_actor_allowed", blank=True),
            models.CheckConstraint(
                condition=Q(revisits__isnull=True) | ~Q(revisit_reasons=""),
                name="finding_revisit_has_reasons",
                violation_error_code="revisit_reasons_required",
                violation_error_message="Say why the earlier finding of real risk no longer holds.",
            ),
            models.UniqueConstraint(
                fields=["assessment", "country", "risk_type"],
                name="finding_one_per_country_and_risk",
                violation_error_code="duplicate_finding",
                violation_error_message="There is already a finding for this risk in this country.",
            ),
        ]
        indexes = [models.Index(fields=["outcome", "country"], name="finding_outcome_country")]

    def __str__(self) -> str:
        return f"{country_name(str(self.country))}: {self.risk_type} – {self.get_outcome_display()}"


class ApprovedFindingQuerySet(models.QuerySet):
    def standing_for(self, person_id: int, countries: list[str] | None = None):
        """The findings of real risk that still bar removal of this person (`standing_real_risks()`)."""
        return self.filter(pk__in=RawSQL("SELECT record_id FROM standing_real_risks(%s, %s::text[])", [person_id, countries]))


class ApprovedFinding(models.Model):
    """A finding exactly as a reviewer approved it, written by the database when an assessment becomes
    approved and never changed (migration 0008). A finding of real risk here keeps barring removal to or
    through its country until a later approved finding revisits it, whatever happens to its assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="approved_findings", editable=False)
    finding_id = models.BigIntegerField(editable=False, help_text="The finding as it stood; it may since have changed.")
    country = CountryField(editable=False)
    risk_type = models.ForeignKey(RiskType, on_delete=models.PROTECT, related_name="+", editable=False)
    outcome = models.CharField(max_length=24, choices=choices.Outcome.choices, editable=False)
    reasons = models.TextField(blank=True, editable=False)
    revisits = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False)
    revisit_reasons = models.TextField(blank=True, editable=False)
    approved_at = models.DateTimeField(editable=False)

    objects = ApprovedFindingQuerySet.as_manager()

    class Meta:
        ordering = ["approved_at", "id"]
        indexes = [models.Index(fields=["country", "risk_type", "outcome"], name="approved_finding_lookup")]
        constraints = [allowed_values("outcome", choices.Outcome, name="approved_finding_outcome_allowed")]

    def __str__(self) -> str:
        return f"{country_name(str(self.country))}: {self.risk_type} – {self.get_outcome_display()} (approved {self.approved_at:%Y-%m-%d})"


class Assurance(TimeStamped):
    """A diplomatic assurance and its evaluation on the Othman factors."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="assurances")
    country = CountryField()
    issuer = models.CharField(max_length=200)
    given_on = models.DateField(null=True, blank=True)
    text = models.TextField("Text of the assurance")
    text_disclosed = models.BooleanField("The terms have been disclosed", default=False)
    specificity = models.CharField(max_length=10, choices=choices.AssuranceSpecificity.choices)
    issuer_can_bind_state = models.BooleanField("The issuer can bind the receiving State", default=False)
    local_compliance_likely = models.BooleanField("Local authorities can be expected to comply", default=False)
    treatment_legal_in_state = models.BooleanField("The treatment concerned is illegal in that State", default=False)
    track_record = models.TextField("Length and strength of bilateral relations, record of compliance", blank=True)
    independent_monitoring = models.BooleanField("Compliance can be verified independently", default=False)
    lawyer_access = models.BooleanField("Unfettered access to lawyers", default=False)
    prior_ill_treatment = models.BooleanField("The person was previously ill-treated in that State", default=False)
    evaluation = models.TextField()
    weight = models.CharField(max_length=12, choices=choices.AssuranceWeight.choices)

    class Meta:
        ordering = ["country", "id"]

    def __str__(self) -> str:
        return f"Assurance by {self.issuer}"


class Review(models.Model):
    """A supervisor's approval or return of a submitted assessment. Reviewer and assessor always differ."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="reviews")
    decision = models.CharField(max_length=10, choices=choices.ReviewDecision.choices)
    comments = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="returned") | ~Q(comments=""),
                name="review_return_has_comments",
                violation_error_code="comments_required",
                violation_error_message="Say what needs to change: returning an assessment needs comments.",
            ),
            allowed_values("decision", choices.ReviewDecision, name="review_decision_allowed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.reviewer}"


# ---------------------------------------------------------------------------------------------------------
# Flags


class FlagQuerySet(CopiedScopeQuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)


class Flag(ScopeCopy):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="flags")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="flags")
    rule = models.CharField(max_length=32, choices=choices.FlagRuleCode.choices, blank=True, help_text="Empty if raised by hand.")
    dedup_key = models.CharField(max_length=80, blank=True, editable=False)
    category = models.CharField(max_length=20, choices=choices.FlagCategory.choices, default=choices.FlagCategory.OTHER)
    reason = models.TextField()
    severity = models.PositiveSmallIntegerField(choices=choices.Severity.choices, default=choices.Severity.MEDIUM)
    blocks_removal = models.BooleanField(default=False)
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="Empty if raised by the system.")
    raised_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-severity", "raised_at"]
        permissions = [("resolve_flag", "Can resolve flags")]
        indexes = [
            models.Index(fields=["person"], condition=Q(resolved_at__isnull=True), name="flag_open_person"),
            # Open flags, most urgent first (FLAG_URGENCY), per caseworker and per team.
            models.Index(
                "scope_caseworker_id", F("blocks_removal").desc(), F("severity").desc(), "raised_at", "id",
                condition=Q(resolved_at__isnull=True), name="flag_open_caseworker_urgency",
            ),
            models.Index(
                "scope_team_id", F("blocks_removal").desc(), F("severity").desc(), "raised_at", "id",
                condition=Q(resolved_at__isnull=True), name="flag_open_team_urgency",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolved_by__isnull=True, resolution_note="")
                | (Q(resolved_at__isnull=False, resolved_by__isnull=False) & ~Q(resolution_note="")),
                name="flag_resolution_complete",
                violation_error_code="resolution_note_required",
                violation_error_message="Resolving a flag needs who resolved it, when, and a note saying how.",
            ),
            models.UniqueConstraint(
                fields=["rule", "dedup_key"],
                condition=~Q(rule=""),
                name="flag_automatic_once",
                violation_error_code="flag_already_raised",
                violation_error_message="This automatic flag has already been raised for the same cause.",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="flag_reason_required",
                violation_error_code="reason_required",
                violation_error_message="Say why the flag is raised.",
            ),
            allowed_values("category", choices.FlagCategory, name="flag_category_allowed"),
            allowed_values("rule", choices.FlagRuleCode, name="flag_rule_allowed", blank=True),
            allowed_values("severity", choices.Severity, name="flag_severity_allowed"),
            models.CheckConstraint(
                condition=~Q(category__in=choices.SUSPENSIVE_FLAG_CATEGORIES) | Q(blocks_removal=True),
                name="flag_suspensive_blocks",
                violation_error_code="suspensive_flag_blocks",
                violation_error_message="A pending appeal or an interim measure suspends removal by law: the flag always blocks removal.",
            ),
        ]

    def __str__(self) -> str:
        return self.reason[:80]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


# ---------------------------------------------------------------------------------------------------------
# Voluntary return consent and removal decisions


class VoluntaryReturnConsent(TimeStamped):
    """The record that a voluntary return is free, informed and express."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="return_consents")
    destination = CountryField()
    transit_countries = ArrayField(
        models.CharField(max_length=2), default=list, blank=True,
        help_text="The route the person agreed to, in order of travel, before the destination.",
    )
    given_on = models.DateField("Date consent was given")
    language = models.CharField(max_length=8, choices=LANGUAGES)
    interpreter_name = models.CharField("Interpreter", max_length=200, blank=True)
    conditions_explained = models.TextField(
        "What the person was told about conditions on return", help_text="An accurate picture of the situation in the country."
    )
    no_pressure_confirmed = models.BooleanField(
        "No pressure was applied (no detention, cut assistance or threats used to push the choice)", default=False
    )
    safe_setting_confirmed = models.BooleanField("The interview took place in a safe, neutral, confidential setting", default=False)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    supervisor_confirmed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    supervisor_confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(no_pressure_confirmed=True, safe_setting_confirmed=True),
                name="consent_free_and_safe",
                violation_error_code="consent_not_free",
                violation_error_message="Consent counts only if no pressure was applied and the setting was safe; "
                "confirm both or do not record consent.",
            ),
            models.CheckConstraint(
                condition=Q(supervisor_confirmed_by__isnull=True) | ~Q(supervisor_confirmed_by=F("recorded_by")),
                name="consent_confirmed_by_another",
                violation_error_code="self_confirmation",
                violation_error_message="A supervisor other than the person who recorded the consent must confirm it.",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent to return to {country_name(str(self.destination))} given {self.given_on}"


class RemovalDecision(RouteMixin, models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="removal_decisions")
    proposal = models.ForeignKey(RemovalProposal, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions")
    measure = models.CharField(max_length=20, choices=choices.Measure.choices)
    outcome = models.CharField(max_length=10, choices=choices.DecisionOutcome.choices)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="removal_decisions")
    decided_on = models.DateField()
    reasons = models.TextField()
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions")
    consent = models.ForeignKey(VoluntaryReturnConsent, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions")
    created_at = models.DateTimeField(auto_now_add=True)
    gate_checked_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="Set by the database gate.")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_on", "-id"]
        permissions = [("record_decision", "Can record removal decisions")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="authorised") | Q(assessment__isnull=False),
                name="decision_authorised_rests_on_assessment",
                violation_error_code="no_assessment",
                violation_error_message="An authorised removal must rest on an approved assessment.",
            ),
            models.CheckConstraint(
                condition=~Q(reasons=""),
                name="decision_reasons_required",
                violation_error_code="reasons_required",
                violation_error_message="A decision needs its reasons.",
            ),
            allowed_values("measure", choices.Measure, name="decision_measure_allowed"),
            allowed_values("outcome", choices.DecisionOutcome, name="decision_outcome_allowed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.route_display} ({self.decided_on})"


# ---------------------------------------------------------------------------------------------------------
# Caseload counts (the dashboard)


class CaseloadCount(models.Model):
    """How many rows of one kind a team has (assessments by status, open flags by kind, findings of real
    risk by risk type and by country, decisions by outcome), as of the team's last refresh
    (`CaseloadRefresh`): the dashboard adds up its teams' rows instead of counting the whole caseload.
    Written only by `assessments.services.refresh_caseload_counts`."""

    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, related_name="+")
    chart = models.CharField(max_length=20)
    key = models.CharField(max_length=64)
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "chart", "key"], name="caseload_count_unique")]

    def __str__(self) -> str:
        return f"{self.team_id} {self.chart} {self.key}: {self.n}"


class CaseloadRefresh(models.Model):
    """When a team's caseload counts were last computed."""

    team = models.OneToOneField("people.Team", on_delete=models.CASCADE, primary_key=True, related_name="+")
    refreshed_at = models.DateTimeField()
    # Set by database triggers when a row the counts are made of changes (assessments, findings, flags,
    # proposals, decisions: migration 0010), whoever writes it; the next dashboard visit counts the team again.
    stale = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.team_id} at {self.refreshed_at:%Y-%m-%d %H:%M:%S}"
