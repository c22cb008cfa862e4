"""Vocabularies of the assessment, review, flag and decision records."""

from django.db import models


class Measure(models.TextChoices):
    DEPORTATION = "deportation", "Deportation"
    EXTRADITION = "extradition", "Extradition"
    TRANSFER = "transfer", "Transfer to a third country"
    VOLUNTARY_RETURN = "voluntary_return", "Voluntary return"


FORCIBLE_MEASURES = (Measure.DEPORTATION, Measure.EXTRADITION, Measure.TRANSFER)


class ProposalStatus(models.TextChoices):
    OPEN = "open", "Open"
    DECIDED = "decided", "Decided"
    WITHDRAWN = "withdrawn", "Withdrawn"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for review"
    RETURNED = "returned", "Returned for changes"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Superseded"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATUSES = (AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED, AssessmentStatus.RETURNED)
EDITABLE_STATUSES = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)


class Conclusion(models.TextChoices):
    NO_REAL_RISK = "no_real_risk", "No real risk on any country of the route"
    REAL_RISK = "real_risk", "Real risk found on the route"
    INSUFFICIENT = "insufficient_information", "Insufficient information to conclude"


class Outcome(models.TextChoices):
    REAL_RISK = "real_risk", "Real risk"
    NO_REAL_RISK = "no_real_risk", "No real risk"
    INSUFFICIENT = "insufficient_information", "Insufficient information"


class FearedActor(models.TextChoices):
    STATE = "state", "State authorities"
    NON_STATE = "non_state", "Non-State actors the State cannot or will not control"
    BOTH = "both", "Both State and non-State actors"
    NONE = "none", "No actor identified"


class ConventionGround(models.TextChoices):
    RACE = "race", "Race"
    RELIGION = "religion", "Religion"
    NATIONALITY = "nationality", "Nationality"
    PSG = "psg", "Membership of a particular social group"
    POLITICAL_OPINION = "political_opinion", "Political opinion"


class IndicatorKind(models.TextChoices):
    PERSONAL = "personal", "Personal"
    COUNTRY = "country", "Country"


class EvidenceKind(models.TextChoices):
    TESTIMONY = "testimony", "Testimony"
    MEDICAL = "medical", "Medical report"
    COI = "coi", "Country-of-origin information"
    EXPERT = "expert", "Expert opinion"
    DOCUMENT = "document", "Identity or court document"
    OTHER = "other", "Other"


class Reliability(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
    UNKNOWN = "unknown", "Not yet assessed"


class Corroboration(models.TextChoices):
    CORROBORATED = "corroborated", "Corroborated by other sources"
    PARTLY = "partly", "Partly corroborated"
    UNCORROBORATED = "uncorroborated", "Not corroborated"
    CONTRADICTED = "contradicted", "Contradicted by other sources"


class IstanbulDegree(models.TextChoices):
    """Istanbul Protocol (2022) degrees of consistency between a finding and the alleged torture."""

    NOT_CONSISTENT = "not_consistent", "Not consistent"
    CONSISTENT = "consistent", "Consistent"
    HIGHLY_CONSISTENT = "highly_consistent", "Highly consistent"
    TYPICAL = "typical", "Typical of"
    DIAGNOSTIC = "diagnostic", "Diagnostic of"


class Confirmation(models.TextChoices):
    NOT_YET = "not_yet", "Not yet read back"
    CONFIRMED = "confirmed", "Confirmed by the person"
    CORRECTED = "corrected", "Confirmed with corrections"
    REFUSED = "refused", "Person declined to confirm"


class AssuranceSpecificity(models.TextChoices):
    SPECIFIC = "specific", "Specific to this person"
    GENERAL = "general", "General"
    VAGUE = "vague", "Vague"


class AssuranceWeight(models.TextChoices):
    NONE = "none", "No weight"
    LIMITED = "limited", "Limited weight"
    SIGNIFICANT = "significant", "Significant weight"


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned with comments"


class Severity(models.IntegerChoices):
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    CRITICAL = 4, "Critical"


class FlagRuleCode(models.TextChoices):
    """Automatic flag rules; a manually raised flag has no rule."""

    REAL_RISK_ABSOLUTE = "real_risk_torture_death", "Real risk of torture or the death penalty found"
    REMOVAL_IMMINENT = "removal_imminent", "Planned removal soon while the assessment is not approved"
    ASSESSMENT_EXPIRED = "assessment_expired", "Approved assessment expired"
    EVIDENCE_AFTER_APPROVAL = "evidence_after_approval", "New evidence added after approval"
    VULNERABLE_PERSON = "vulnerable_person", "Vulnerable person (torture survivor, minor) facing removal"


class FlagCategory(models.TextChoices):
    """What a manually raised flag is about."""

    APPEAL_PENDING = "appeal_pending", "Appeal pending (suspends removal)"
    INTERIM_MEASURE = "interim_measure", "Interim measure requested by a court or treaty body"
    NEW_CHARGES = "new_charges", "New charges against the person"
    COUNTRY_CONDITIONS = "country_conditions", "Country conditions changed"
    SECURITY = "security", "Security concern"
    OTHER = "other", "Other"
    AUTOMATIC = "automatic", "Raised automatically"


# Categories that suspend removal by law: such a flag always blocks, whatever its "blocks removal" box says.
SUSPENSIVE_FLAG_CATEGORIES = (FlagCategory.APPEAL_PENDING, FlagCategory.INTERIM_MEASURE)


class DecisionOutcome(models.TextChoices):
    AUTHORISED = "authorised", "Removal authorised"
    BARRED = "barred", "Removal barred"
    POSTPONED = "postponed", "Removal postponed"
