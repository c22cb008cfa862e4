"""What happened and who saw it: change history recorded by PostgreSQL triggers, and the read-access log.

History: every tracked table has an event table here (`<Model>Event`), filled by row-level triggers that
django-pghistory installs on the tracked table, so `save()`, `QuerySet.update()`, `bulk_create()`, cascades,
the database's own triggers and raw SQL are all recorded. Each event row is a snapshot of the tracked row
after an insert or update (before a delete) plus `pgh_context`: the JSON context of the transaction (the
acting user, the service action, the URL path), copied into the row itself, so nothing a later transaction
does can change what an event says (see docs/security.md, "History").

Both the event tables and the access log are append-only: the migrations install triggers that refuse
UPDATE, DELETE and TRUNCATE, whoever asks (migration 0002). Models are declared here, in one app, so that
tracking a table never needs a migration in the app that owns it.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.db.models.functions import Now
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments import models as a
from people import models as p

# Columns that change on every save or only mirror other columns; leaving them out means a save that
# changes nothing else writes no event.
NOISE = (
    "updated_at",
    "search_text", "search_words", "name_keys",  # derived columns, recomputed from the names
    "scope_team_id", "scope_caseworker_id", "proposal_planned_date",  # copies of other rows, kept by triggers
)


def _trackers():
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


def _event_model(tracked, name: str, *, fields: list[str] | None = None, exclude: tuple[str, ...] = ()):
    names = {f.name for f in tracked._meta.concrete_fields}
    return pghistory.create_event_model(
        tracked,
        *_trackers(),
        fields=fields,
        exclude=[f for f in (*NOISE, *exclude) if f in names] if fields is None else None,
        model_name=name,
        app_label="audit",
        abstract=False,
        obj_field=pghistory.ObjForeignKey(related_name="events", related_query_name="event"),
    )


# The registry --------------------------------------------------------------------------------------------
PersonEvent = _event_model(p.Person, "PersonEvent")
PersonNameEvent = _event_model(p.PersonName, "PersonNameEvent")
IdentityDocumentEvent = _event_model(p.IdentityDocument, "IdentityDocumentEvent")
RegistrationEvent = _event_model(p.Registration, "RegistrationEvent")
ResidenceEvent = _event_model(p.Residence, "ResidenceEvent")
LegalStatusEvent = _event_model(p.LegalStatus, "LegalStatusEvent")
AffiliationEvent = _event_model(p.Affiliation, "AffiliationEvent")
FamilyLinkEvent = _event_model(p.FamilyLink, "FamilyLinkEvent")
VulnerabilityEvent = _event_model(p.Vulnerability, "VulnerabilityEvent")
CampEvent = _event_model(p.Camp, "CampEvent")
OrganisationEvent = _event_model(p.Organisation, "OrganisationEvent")
OrganisationAliasEvent = _event_model(p.OrganisationAlias, "OrganisationAliasEvent")
TeamEvent = _event_model(p.Team, "TeamEvent")
TeamMemberEvent = _event_model(p.Team.members.through, "TeamMemberEvent")
TeamSupervisorEvent = _event_model(p.Team.supervisors.through, "TeamSupervisorEvent")
DistinctPersonConfirmationEvent = _event_model(p.DistinctPersonConfirmation, "DistinctPersonConfirmationEvent")
PersonMergeEvent = _event_model(p.PersonMerge, "PersonMergeEvent")

RiskTypeEvent = _event_model(a.RiskType, "RiskTypeEvent")
IndicatorEvent = _event_model(a.Indicator, "IndicatorEvent")
FlagRuleEvent = _event_model(a.FlagRule, "FlagRuleEvent")
RemovalProposalEvent = _event_model(a.RemovalProposal, "RemovalProposalEvent")
AssessmentEvent = _event_model(a.Assessment, "AssessmentEvent")
InterviewEvent = _event_model(a.Interview, "InterviewEvent")
EvidenceEvent = _event_model(a.Evidence, "EvidenceEvent")
MedicalConsistencyEvent = _event_model(a.MedicalConsistency, "MedicalConsistencyEvent")
FindingEvent = _event_model(a.Finding, "FindingEvent")
FindingIndicatorEvent = _event_model(a.Finding.indicators.through, "FindingIndicatorEvent")
FindingEvidenceEvent = _event_model(a.Finding.evidence.through, "FindingEvidenceEvent")
AssuranceEvent = _event_model(a.Assurance, "AssuranceEvent")
ReviewEvent = _event_model(a.Review, "ReviewEvent")
FlagEvent = _event_model(a.Flag, "FlagEvent")
VoluntaryReturnConsentEvent = _event_model(a.VoluntaryReturnConsent, "VoluntaryReturnConsentEvent")
RemovalDecisionEvent = _event_model(a.RemovalDecision, "RemovalDecisionEvent")

# Accounts: who was given which role, activated or deactivated, and second-factor devices. Password
# hashes, login times and device secrets are never copied.
UserEvent = _event_model(User, "UserEvent", exclude=("password", "last_login"))
UserGroupEvent = _event_model(User.groups.through, "UserGroupEvent")
TOTPDeviceEvent = _event_model(TOTPDevice, "TOTPDeviceEvent", fields=["user", "name", "confirmed"])
StaticDeviceEvent = _event_model(StaticDevice, "StaticDeviceEvent", fields=["user", "name", "confirmed"])
StaticTokenEvent = _event_model(StaticToken, "StaticTokenEvent", fields=["device"])


# ---------------------------------------------------------------------------------------------------------
# Who saw what


class AccessKind(models.TextChoices):
    """What a row of the access log is about. A kind covers opening a page and the POSTs sent from it (the
    change itself is in the history); `what` is not a choices column, so a new kind needs no migration."""

    PERSON = "person", "Profile viewed"
    PERSON_EDIT = "person_edit", "Edit form opened or saved"
    PERSON_RECORD = "person_record", "Record form opened or saved"
    PERSON_MERGE = "person_merge", "Merge page opened or used"
    PERSON_HISTORY = "person_history", "History viewed"
    PERSON_VIEWERS = "person_viewers", "Access log viewed"
    CASE_FILE = "case_file", "Printable case file viewed"
    ASSESSMENT = "assessment", "Assessment opened or changed"
    ASSESSMENT_HISTORY = "assessment_history", "Assessment history viewed"
    FINDING = "finding", "Finding opened or saved"
    EVIDENCE_FILE = "evidence_file", "Evidence file downloaded"
    FLAG = "flag", "Flag opened or resolved"
    CONSENT = "consent", "Consent to return opened, confirmed or withdrawn"
    DECISION_PAGE = "decision_page", "Decision page opened or used"
    EXPORT = "export", "Export downloaded"
    EXPORT_CSV = "export_csv", "Export downloaded (CSV)"
    EXPORT_XLSX = "export_xlsx", "Export downloaded (Excel)"
    IMPORT_JOB = "import_job", "Import opened or run"
    IMPORT_NOT_IMPORTED = "import_not_imported", "Rows not imported downloaded"


class Outcome(models.TextChoices):
    VIEWED = "viewed", "Viewed"
    DENIED = "denied", "Denied (out of scope or missing)"


class AccessLog(models.Model):
    """One row per view of personal data, written by `audit.access.record`. Append-only.

    A denied attempt keeps only what was asked for (the id in the URL), never anything looked up.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(db_default=Now(), editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    username = models.CharField(max_length=150, blank=True, help_text="As it was when the row was written.")
    what = models.CharField(max_length=40)
    object_id = models.BigIntegerField(null=True)
    person_id = models.BigIntegerField(null=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.VIEWED)
    ip = models.GenericIPAddressField(null=True)
    route = models.CharField(max_length=100, blank=True, help_text="The URL name; never the path or query.")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "access-log entry"
        verbose_name_plural = "access log"
        indexes = [
            models.Index(fields=["person_id", "-at", "-id"], name="accesslog_person_at"),
            models.Index(fields=["user", "-at"], name="accesslog_user_at"),
            models.Index(fields=["at"], name="accesslog_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username or 'anonymous'} {self.what} {self.object_id} {self.outcome}"

    @property
    def what_display(self) -> str:
        try:
            return AccessKind(self.what).label
        except ValueError:
            return self.what.replace("_", " ").capitalize()


# ---------------------------------------------------------------------------------------------------------
# Sign-in events


class AuthEventKind(models.TextChoices):
    LOGIN = "login", "Logged in (password)"
    LOGIN_FAILED = "login_failed", "Failed log-in"
    LOCKED_OUT = "locked_out", "Locked out after repeated failures"
    LOGOUT = "logout", "Logged out"
    SESSION_EXPIRED = "session_expired", "Session ended (idle or too long)"
    OTP_VERIFIED = "otp_verified", "Second factor verified"
    OTP_FAILED = "otp_failed", "Wrong second-factor code"
    RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"
    OTP_ENROLLED = "otp_enrolled", "Authenticator app set up"
    RECOVERY_CODES_ISSUED = "recovery_codes_issued", "New recovery codes issued"
    SESSIONS_ENDED = "sessions_ended", "All sessions ended (account deactivated or secured)"


class AuthEvent(models.Model):
    """Sign-in and account-security events, next to django-axes' own tables (which axes itself rewrites and
    deletes as attempts expire; this one is append-only). Never holds a password or a code."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(db_default=Now(), editable=False)
    kind = models.CharField(max_length=24, choices=AuthEventKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    username = models.CharField(max_length=150, blank=True, help_text="As typed or as it was then.")
    ip = models.GenericIPAddressField(null=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "sign-in event"
        indexes = [
            models.Index(fields=["user", "-at"], name="authevent_user_at"),
            models.Index(fields=["at"], name="authevent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.username}"
