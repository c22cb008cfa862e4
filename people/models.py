"""The registry: people, camps, where they live, their legal status, affiliations, families, vulnerabilities."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Count, F, Func, Q
from django.db.models.functions import Greatest, Least
from django.urls import reverse
from django_countries.fields import CountryField

from core.models import TimeStamped
from people import choices
from people.scoping import visible_team_ids


class CompactNumber(Func):
    """A number as compared by search: lower case, letters and digits only (see people.names.compact_number)."""

    template = "lower(regexp_replace(%(expressions)s, '[^[:alnum:]]', '', 'g'))"
    output_field = models.CharField()


class DateRange(Func):
    function = "DATERANGE"
    output_field = DateRangeField()


def _ended_after_started(prefix: str, start: str, end: str, label: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": F(start)}),
        name=f"{prefix}_dates_in_order",
        violation_error_code="dates_out_of_order",
        violation_error_message=f"The {label} end date cannot be before its start date.",
    )


# ---------------------------------------------------------------------------------------------------------
# Teams


class TeamQuerySet(models.QuerySet):
    def visible_to(self, user) -> TeamQuerySet:
        ids = visible_team_ids(user)
        return self if ids is None else self.filter(pk__in=ids)


class Team(TimeStamped):
    """An office or unit. People are owned by a team; users are its members or supervise it."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    supervisors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="supervised_teams", blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------------------------------------------------
# Camps


class CampQuerySet(models.QuerySet):
    def with_population(self) -> CampQuerySet:
        """Annotate `population`: the people whose open residence is this camp."""
        return self.annotate(population=Count("residences", filter=Q(residences__ended_on__isnull=True)))


class Camp(TimeStamped):
    name = models.CharField(max_length=160, unique=True)
    country = CountryField()
    region = models.CharField("Governorate or region", max_length=120, blank=True)
    managing_authority = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveIntegerField(help_text="Number of residents the camp is meant to hold.")
    is_open = models.BooleanField("Open", default=True)
    notes = models.TextField(blank=True)

    objects = CampQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gt=0),
                name="camp_capacity_positive",
                violation_error_code="capacity_not_positive",
                violation_error_message="Capacity must be at least 1.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:camp_detail", args=[self.pk])

    @staticmethod
    def occupancy_percent(population: int, capacity: int) -> int:
        return round(100 * population / capacity) if capacity else 0


# ---------------------------------------------------------------------------------------------------------
# Organisations


class Organisation(TimeStamped):
    """A group a person may be affiliated with. One group can be known by several names (aliases)."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganisationAlias(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "organisation aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                name="organisation_alias_unique",
                violation_error_code="duplicate_alias",
                violation_error_message="This organisation already has that alias.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------------------------------------------------
# Persons


# Columns of a person that list pages never show (the search forms are wide; notes are for the profile).
SEARCH_COLUMNS = ("search_text", "search_words", "name_keys")  # derived from the names, for search only
LIST_DEFERRED = (*SEARCH_COLUMNS, "contact_notes", "created_by", "created_at", "updated_at")


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user) -> PersonQuerySet:
        """The one scoping rule: admins see everyone, others the people of their teams (see people.scoping)."""
        ids = visible_team_ids(user)
        return self if ids is None else self.filter(owning_team_id__in=ids)

    def with_list_data(self) -> PersonQuerySet:
        """What a list row shows, in a constant number of queries whatever the page size, and no more: the
        search columns and notes are wide and never shown in a list."""
        return (
            self.select_related("owning_team", "assigned_caseworker")
            .defer(*LIST_DEFERRED, "owning_team__description", "assigned_caseworker__password")
            .prefetch_related(
                models.Prefetch(
                    "residences",
                    queryset=Residence.objects.filter(ended_on__isnull=True)
                    .select_related("camp")
                    .only("id", "person_id", "place", "started_on", "ended_on", "camp__id", "camp__name"),
                    to_attr="open_residences",
                ),
                models.Prefetch(
                    "legal_statuses",
                    queryset=LegalStatus.objects.filter(ended_on__isnull=True)
                    .only("id", "person_id", "kind", "started_on", "ended_on")
                    .order_by("-started_on"),
                    to_attr="current_statuses",
                ),
            )
        )

    def in_camp(self, camp_id: int) -> PersonQuerySet:
        return self.filter(
            models.Exists(Residence.objects.filter(person=models.OuterRef("pk"), camp_id=camp_id, ended_on__isnull=True))
        )

    def with_current_status(self, kind: str) -> PersonQuerySet:
        return self.filter(
            models.Exists(LegalStatus.objects.filter(person=models.OuterRef("pk"), kind=kind, ended_on__isnull=True))
        )


class Person(TimeStamped):
    full_name_latin = models.CharField(
        "Full name (Latin script)", max_length=200, help_text="As transliterated on the registration record."
    )
    full_name_original = models.CharField("Full name (original script)", max_length=200, blank=True)
    original_script = models.CharField(max_length=8, choices=choices.Script.choices, blank=True)
    sex = models.CharField(max_length=1, choices=choices.Sex.choices, default=choices.Sex.UNKNOWN)
    birth_date = models.DateField(
        "Date of birth", null=True, blank=True, help_text="If only the year (or year and month) is known, say so below."
    )
    birth_date_precision = models.CharField(
        "Date of birth is", max_length=5, choices=choices.DatePrecision.choices, default=choices.DatePrecision.DAY
    )
    nationality = CountryField(blank=True)
    stateless = models.BooleanField(default=False)
    languages = ArrayField(models.CharField(max_length=8, choices=choices.LANGUAGES), default=list, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    contact_notes = models.TextField(blank=True)
    external_id = models.CharField(
        "External record id", max_length=80, blank=True, help_text="Identifier in the source roster, used on re-import."
    )
    owning_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="persons")
    assigned_caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_persons"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    # Normalised names, aliases and numbers, maintained by people.services; indexed for trigram search.
    search_text = models.TextField(blank=True, default="", editable=False)
    # Exact keys of every name (phonetic words sorted), maintained with search_text; for set-based duplicate checks.
    name_keys = ArrayField(models.CharField(max_length=200), default=list, blank=True, editable=False)
    # Exact words of every name (phonetic form and skeleton of Latin words, other scripts normalised): the
    # fast first step of search, answered from a GIN index without the trigram index's false positives.
    search_words = ArrayField(models.CharField(max_length=200), default=list, blank=True, editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["full_name_latin", "id"]
        permissions = [
            ("export_person", "Can export lists of persons"),
            ("view_history", "Can view the change history of a person"),
            ("view_access_log", "Can see who viewed a person's file"),
            ("merge_person", "Can merge duplicate person records"),
        ]
        indexes = [
            GinIndex(name="person_search_trgm", fields=["search_text"], opclasses=["gin_trgm_ops"]),
            GinIndex(name="person_name_keys", fields=["name_keys"]),
            GinIndex(name="person_search_words", fields=["search_words"]),
            models.Index(fields=["owning_team", "full_name_latin", "id"], name="person_team_name"),
            models.Index(fields=["assigned_caseworker", "full_name_latin", "id"], name="person_caseworker_name"),
            # Scope subqueries ("the people of these teams", "my people in my teams") answered from the index
            # alone, without visiting a row per person.
            models.Index(fields=["owning_team", "id"], name="person_team_id"),
            models.Index(fields=["assigned_caseworker", "owning_team", "id"], name="person_caseworker_team_id"),
            models.Index(fields=["full_name_latin", "id"], name="person_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(full_name_latin=""),
                name="person_latin_name_required",
                violation_error_code="name_required",
                violation_error_message="A person needs at least a name in Latin script.",
            ),
            models.CheckConstraint(
                condition=Q(stateless=False) | Q(nationality=""),
                name="person_stateless_has_no_nationality",
                violation_error_code="stateless_with_nationality",
                violation_error_message="A stateless person cannot also have a nationality: clear one of the two.",
            ),
            models.CheckConstraint(
                condition=Q(birth_date__isnull=True)
                | Q(birth_date_precision="day")
                | Q(birth_date_precision="month", birth_date__day=1)
                | Q(birth_date_precision="year", birth_date__day=1, birth_date__month=1),
                name="person_birth_date_matches_precision",
                violation_error_code="birth_date_precision",
                violation_error_message="An approximate date of birth is stored as the first day of its month or year.",
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="person_external_id_unique",
                violation_error_code="duplicate_external_id",
                violation_error_message="Another person already has this external record id.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name_latin} ({self.reference})"

    def get_absolute_url(self) -> str:
        return reverse("people:person_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """A short case reference to quote instead of a name."""
        return f"P-{self.pk:06d}" if self.pk else "P-new"

    @property
    def birth_date_display(self) -> str:
        if self.birth_date is None:
            return "Unknown"
        if self.birth_date_precision == choices.DatePrecision.YEAR:
            return f"{self.birth_date:%Y} (year only)"
        if self.birth_date_precision == choices.DatePrecision.MONTH:
            return f"{self.birth_date:%B %Y} (month only)"
        return f"{self.birth_date:%d %B %Y}"

    def age_on(self, day: datetime.date) -> int | None:
        """Age in whole years on `day`; for an approximate date, the lowest age it allows."""
        if self.birth_date is None:
            return None
        born = self.birth_date
        if self.birth_date_precision == choices.DatePrecision.YEAR:
            born = born.replace(month=12, day=31)
        elif self.birth_date_precision == choices.DatePrecision.MONTH:
            next_month = born.replace(day=28) + datetime.timedelta(days=4)
            born = next_month - datetime.timedelta(days=next_month.day)
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def language_labels(self) -> list[str]:
        return [choices.LANGUAGE_LABELS.get(code, code) for code in self.languages]

    @property
    def nationality_display(self) -> str:
        if self.stateless:
            return "Stateless"
        from core.countries import country_name

        return country_name(self.nationality) if self.nationality else "Unknown"


class PersonName(models.Model):
    """An alias, other spelling or previous name, in any script."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="other_names")
    name = models.CharField(max_length=200)
    script = models.CharField(max_length=8, choices=choices.Script.choices, blank=True)
    kind = models.CharField(max_length=16, choices=choices.NameKind.choices, default=choices.NameKind.ALIAS)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = "other name"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "name"],
                name="person_name_unique",
                violation_error_code="duplicate_name",
                violation_error_message="This name is already recorded for this person.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IdentityDocument(TimeStamped):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=choices.DocumentKind.choices)
    number = models.CharField(max_length=60)
    issuing_country = CountryField()
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "number"]
        indexes = [models.Index(CompactNumber("number"), name="identity_document_compact")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "issuing_country", "number"],
                name="identity_document_unique",
                violation_error_code="duplicate_document",
                violation_error_message="A document of this type with this number from this country is already registered.",
            ),
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True) | Q(expires_on__isnull=True) | Q(expires_on__gte=F("issued_on")),
                name="identity_document_dates_in_order",
                violation_error_code="dates_out_of_order",
                violation_error_message="A document cannot expire before it was issued.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Registration(TimeStamped):
    """A registration number given by UNHCR, the government, the camp or another issuer."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="registrations")
    issuer = models.CharField(max_length=12, choices=choices.RegistrationIssuer.choices)
    number = models.CharField(max_length=60)
    registered_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["issuer", "number"]
        indexes = [models.Index(CompactNumber("number"), name="registration_number_compact")]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "number"],
                name="registration_number_unique_per_issuer",
                violation_error_code="duplicate_registration",
                violation_error_message="This registration number is already used by another record from the same issuer.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_issuer_display()} {self.number}"


class Residence(TimeStamped):
    """Where a person lived: a camp, or another place, from one date to another (open if still there)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residences")
    camp = models.ForeignKey(Camp, on_delete=models.PROTECT, null=True, blank=True, related_name="residences")
    place = models.CharField("Other place", max_length=200, blank=True, help_text="If not a registered camp.")
    country = CountryField(blank=True)
    started_on = models.DateField("From")
    ended_on = models.DateField("To", null=True, blank=True, help_text="Leave empty while the person still lives here.")
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        indexes = [
            models.Index(fields=["camp"], condition=Q(ended_on__isnull=True), name="residence_open_by_camp"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(camp__isnull=False) | ~Q(place=""),
                name="residence_camp_or_place",
                violation_error_code="residence_without_place",
                violation_error_message="Choose a camp or describe the other place.",
            ),
            _ended_after_started("residence", "started_on", "ended_on", "residence"),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(ended_on__isnull=True),
                name="residence_one_open_per_person",
                violation_error_code="two_open_residences",
                violation_error_message="This person already has a current residence: give the earlier one an end date first.",
            ),
            ExclusionConstraint(
                name="residence_no_overlap",
                expressions=[
                    ("person", RangeOperators.EQUAL),
                    (DateRange("started_on", "ended_on", RangeBoundary(inclusive_lower=True, inclusive_upper=False)), RangeOperators.OVERLAPS),
                ],
                violation_error_code="overlapping_residence",
                violation_error_message="This stay overlaps another residence of the same person.",
            ),
        ]

    def __str__(self) -> str:
        return str(self.camp or self.place)

    @property
    def where(self) -> str:
        return self.camp.name if self.camp_id else self.place


class LegalStatus(TimeStamped):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="legal_statuses")
    kind = models.CharField(max_length=16, choices=choices.LegalStatusKind.choices)
    legal_basis = models.CharField(max_length=300, blank=True, help_text="e.g. 1951 Convention Art. 1A(2); GC IV Art. 27")
    source = models.CharField(max_length=300, blank=True, help_text="Who determined it, or the document it rests on.")
    started_on = models.DateField("From")
    ended_on = models.DateField("To", null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name_plural = "legal statuses"
        indexes = [models.Index(fields=["kind"], condition=Q(ended_on__isnull=True), name="legal_status_open_kind")]
        constraints = [_ended_after_started("legal_status", "started_on", "ended_on", "legal status")]

    def __str__(self) -> str:
        return self.get_kind_display()


class Affiliation(TimeStamped):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="affiliations")
    role = models.CharField(max_length=200, blank=True, help_text="e.g. member, supporter, former official")
    started_on = models.DateField("From", null=True, blank=True)
    ended_on = models.DateField("To", null=True, blank=True)
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(started_on__isnull=True) | Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="affiliation_dates_in_order",
                violation_error_code="dates_out_of_order",
                violation_error_message="The affiliation end date cannot be before its start date.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.role})" if self.role else str(self.organisation)


class FamilyLink(TimeStamped):
    """`relative` is `person`'s <relationship>; stored once per pair, read from either side."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="family_links")
    relative = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="family_links_as_relative")
    relationship = models.CharField(max_length=16, choices=choices.Relationship.choices)
    same_household = models.BooleanField(default=True)
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["relationship", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(person=F("relative")),
                name="family_link_not_self",
                violation_error_code="relative_is_self",
                violation_error_message="A person cannot be their own relative.",
            ),
            models.UniqueConstraint(
                Least("person", "relative"),
                Greatest("person", "relative"),
                name="family_link_once_per_pair",
                violation_error_code="duplicate_family_link",
                violation_error_message="These two people are already linked as family.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_relationship_display()}"


class Vulnerability(TimeStamped):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="vulnerabilities")
    kind = models.CharField(max_length=24, choices=choices.VulnerabilityKind.choices)
    established_on = models.DateField()
    established_by = models.CharField(max_length=200, help_text="Who established it (name and role, or the service).")
    relevant_until = models.DateField(null=True, blank=True, help_text="Leave empty if it stays relevant.")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-established_on", "-id"]
        verbose_name_plural = "vulnerabilities"
        constraints = [_ended_after_started("vulnerability", "established_on", "relevant_until", "vulnerability")]

    def __str__(self) -> str:
        return self.get_kind_display()

    def is_current(self, day: datetime.date) -> bool:
        return self.relevant_until is None or self.relevant_until >= day


# ---------------------------------------------------------------------------------------------------------
# Duplicates: confirmations that two records are different people, and merges of those that were not.


class DistinctPersonConfirmation(models.Model):
    """A caseworker confirmed that `person` is not the likely duplicate `other` the registry suggested."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="distinct_confirmations")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="distinct_confirmations_as_other")
    score = models.PositiveSmallIntegerField(help_text="The likeness score shown when it was confirmed (0-100).")
    reasons = models.JSONField(default=list, help_text="The reasons shown when it was confirmed.")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(person=F("other")),
                name="distinct_person_not_self",
                violation_error_code="distinct_from_self",
                violation_error_message="A record cannot be confirmed as different from itself.",
            ),
            models.UniqueConstraint(
                fields=["person", "other"],
                name="distinct_person_once",
                violation_error_code="already_confirmed",
                violation_error_message="This pair was already confirmed as two different people.",
            ),
        ]

    def __str__(self) -> str:
        return f"P-{self.person_id:06d} is not P-{self.other_id:06d}"


class PersonMerge(models.Model):
    """The record of a merge: which record was folded into which, by whom, why, and what it held.

    The merged record itself is deleted once everything it held has moved to the survivor; history rows
    (pghistory) keep its old id, and `merged_person_id` here is what links them to the survivor.
    """

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_received")
    merged_person_id = models.BigIntegerField(unique=True, help_text="The id of the record that was merged and removed.")
    merged_reference = models.CharField(max_length=20)
    merged_external_id = models.CharField(max_length=80, blank=True, db_index=True)
    snapshot = models.JSONField(help_text="Every field and linked row of the merged record, as it was.")
    outcome = models.JSONField(default=dict, help_text="What moved, what was dropped as a duplicate, and why.")
    reason = models.TextField()
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="person_merge_reason_required",
                violation_error_code="reason_required",
                violation_error_message="Say why the two records are the same person.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merged_reference} merged into P-{self.survivor_id:06d}"


# ---------------------------------------------------------------------------------------------------------
# Roster imports


class ImportJob(TimeStamped):
    """One roster upload: the stored file, its column mapping, the validation report and the progress counts.

    The progress counts are written by the importer through a separate connection while it runs, so a page
    polling this row sees them before the import's own transaction commits.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded: choose the columns"
        VALIDATING = "validating", "Checking the rows"
        PREVIEWED = "previewed", "Checked: ready to import"
        COMMITTING = "committing", "Importing"
        COMMITTED = "committed", "Imported"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="import_jobs", verbose_name="owning team")
    file_label = models.CharField(max_length=200)
    stored_name = models.CharField(max_length=100, blank=True, editable=False)
    file_format = models.CharField(max_length=4)
    encoding = models.CharField(max_length=40, blank=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    options = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    rows_accepted = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, help_text="Rejected and skipped rows with reasons; a preview of accepted rows.")
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk}: {self.file_label}"

    def get_absolute_url(self) -> str:
        return reverse("people:import_detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.VALIDATING, self.Status.COMMITTING)
