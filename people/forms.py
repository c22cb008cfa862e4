"""Forms parse input; the services decide. Every field has a label; errors say what to fix."""

from __future__ import annotations

import datetime
import re

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model

from core.forms import SafeTextMixin

from people import choices
from people.models import (
    Affiliation,
    Camp,
    FamilyLink,
    IdentityDocument,
    LegalStatus,
    Organisation,
    Person,
    PersonName,
    Registration,
    Residence,
    Team,
    Vulnerability,
)

BAD_APPROXIMATE_DATE = "Enter the date as YYYY, YYYY-MM or YYYY-MM-DD (for example 1978, 1978-03 or 1978-03-21)."
DATE_IN_FUTURE = "A date of birth cannot be in the future."

_APPROX = re.compile(r"^\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?\s*$")


def parse_approximate_date(text: str) -> tuple[datetime.date | None, str]:
    """Parse "1978", "1978-03" or "1978-03-21" into (date, precision); raise ValidationError otherwise."""
    if not text or not text.strip():
        return None, choices.DatePrecision.DAY
    match = _APPROX.match(text)
    if not match:
        raise forms.ValidationError(BAD_APPROXIMATE_DATE, code="bad_date")
    year, month, day = match.groups()
    try:
        if day:
            value, precision = datetime.date(int(year), int(month), int(day)), choices.DatePrecision.DAY
        elif month:
            value, precision = datetime.date(int(year), int(month), 1), choices.DatePrecision.MONTH
        else:
            value, precision = datetime.date(int(year), 1, 1), choices.DatePrecision.YEAR
    except ValueError:
        raise forms.ValidationError(BAD_APPROXIMATE_DATE, code="bad_date") from None
    if value > datetime.date.today() or int(year) < 1900:
        raise forms.ValidationError(DATE_IN_FUTURE if value > datetime.date.today() else BAD_APPROXIMATE_DATE, code="bad_date")
    return value, precision


def format_approximate_date(value: datetime.date | None, precision: str) -> str:
    if value is None:
        return ""
    if precision == choices.DatePrecision.YEAR:
        return f"{value:%Y}"
    if precision == choices.DatePrecision.MONTH:
        return f"{value:%Y-%m}"
    return value.isoformat()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CrispyMixin(SafeTextMixin):
    submit_label = "Save"

    def setup_helper(self) -> None:
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


def _user_label(user) -> str:
    return user.get_full_name() or user.get_username()


class PersonForm(CrispyMixin, forms.ModelForm):
    birth_date_text = forms.CharField(
        label="Date of birth",
        required=False,
        help_text="YYYY if only the year is known, YYYY-MM for year and month, YYYY-MM-DD for the exact date.",
    )
    languages = forms.MultipleChoiceField(
        choices=choices.LANGUAGES, required=False, widget=forms.CheckboxSelectMultiple, label="Languages spoken"
    )
    other_names = forms.CharField(
        label="Aliases and other spellings",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line, in any script.",
    )

    class Meta:
        model = Person
        fields = [
            "full_name_latin",
            "full_name_original",
            "original_script",
            "sex",
            "nationality",
            "stateless",
            "languages",
            "interpreter_needed",
            "owning_team",
            "assigned_caseworker",
            "external_id",
            "contact_notes",
        ]
        widgets = {"contact_notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper()
        team_qs = teams if teams is not None else Team.objects.none()
        self.fields["owning_team"].queryset = team_qs
        self.fields["assigned_caseworker"].queryset = (
            get_user_model().objects.filter(is_active=True, teams__in=team_qs).distinct().order_by("username")
        )
        self.fields["assigned_caseworker"].label_from_instance = _user_label
        if self.instance.pk:
            self.fields["birth_date_text"].initial = format_approximate_date(
                self.instance.birth_date, self.instance.birth_date_precision
            )
            self.fields.pop("other_names")
        order = ["full_name_latin", "full_name_original", "original_script", "other_names", "sex", "birth_date_text"]
        self.order_fields(order)

    def clean_birth_date_text(self):
        value, precision = parse_approximate_date(self.cleaned_data.get("birth_date_text", ""))
        self.instance.birth_date = value
        self.instance.birth_date_precision = precision
        return self.cleaned_data.get("birth_date_text", "")

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}
        data["birth_date"] = self.instance.birth_date
        data["birth_date_precision"] = self.instance.birth_date_precision
        return data

    def other_name_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("other_names", "").splitlines() if line.strip()]


class CampForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Camp
        fields = ["name", "country", "region", "managing_authority", "capacity", "is_open", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper()


# ---------------------------------------------------------------------------------------------------------
# Records added to a person from the profile page.


class RecordForm(CrispyMixin, forms.ModelForm):
    """A form for one record of a person; `person` is set by the view, never posted."""

    def __init__(self, *args, person: Person | None = None, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.actor = actor
        self.setup_helper()
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
        if person is not None:
            self.instance.person = person

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class PersonNameForm(RecordForm):
    class Meta:
        model = PersonName
        fields = ["name", "script", "kind"]


class IdentityDocumentForm(RecordForm):
    class Meta:
        model = IdentityDocument
        fields = ["kind", "number", "issuing_country", "issued_on", "expires_on", "notes"]


class RegistrationForm(RecordForm):
    class Meta:
        model = Registration
        fields = ["issuer", "number", "registered_on"]


class ResidenceForm(RecordForm):
    class Meta:
        model = Residence
        fields = ["camp", "place", "country", "started_on", "ended_on", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["camp"].queryset = Camp.objects.order_by("name")
        self.fields["started_on"].help_text = "If the person still lives elsewhere, that stay ends on this date."


class LegalStatusForm(RecordForm):
    class Meta:
        model = LegalStatus
        fields = ["kind", "legal_basis", "source", "started_on", "ended_on", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class AffiliationForm(RecordForm):
    class Meta:
        model = Affiliation
        fields = ["organisation", "role", "started_on", "ended_on", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.prefetch_related("aliases")
        self.fields["organisation"].label_from_instance = lambda o: (
            f"{o.name} (also: {', '.join(a.name for a in o.aliases.all())})" if o.aliases.all() else o.name
        )


class FamilyLinkForm(RecordForm):
    relative_reference = forms.CharField(
        label="Relative's case reference", help_text="For example P-000123, as shown on the relative's profile."
    )

    class Meta:
        model = FamilyLink
        fields = ["relationship", "same_household", "notes"]
        labels = {"relationship": "The relative is this person's"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["relative_reference", "relationship", "same_household", "notes"])

    def clean_relative_reference(self):
        text = self.cleaned_data["relative_reference"].strip().upper().removeprefix("P-")
        if not text.isdigit():
            raise forms.ValidationError("Enter a case reference such as P-000123.", code="bad_reference")
        relative = Person.objects.visible_to(self.actor).filter(pk=int(text)).first()
        if relative is None:
            raise forms.ValidationError("No person with that reference in your caseload.", code="unknown_relative")
        self.instance.relative = relative
        return relative

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["relative"] = data.pop("relative_reference")
        return data


class VulnerabilityForm(RecordForm):
    class Meta:
        model = Vulnerability
        fields = ["kind", "established_on", "established_by", "relevant_until", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class EndDateForm(CrispyMixin, forms.Form):
    ended_on = forms.DateField(label="End date", widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper()



# ---------------------------------------------------------------------------------------------------------
# Duplicates, imports and merges


class PersonCreateForm(PersonForm):
    """The registration form; with likely duplicates shown, the caseworker confirms this is someone else."""

    confirm_distinct = forms.BooleanField(
        label="This is a different person", required=False,
        help_text="Tick only after checking the records listed above: the confirmation is recorded with your name.",
    )
    distinct_from = forms.CharField(required=False, widget=forms.HiddenInput)

    def distinct_ids(self) -> list[int]:
        if not self.cleaned_data.get("confirm_distinct"):
            return []
        return [int(x) for x in (self.cleaned_data.get("distinct_from") or "").split(",") if x.strip().isdigit()]


class ImportUploadForm(CrispyMixin, forms.Form):
    file = forms.FileField(
        label="Roster file (.csv or .xlsx)",
        help_text="CSV in UTF-8 (or Windows Arabic), or an Excel workbook; the first row names the columns. Up to {limit} MB.",
    )
    team = forms.ModelChoiceField(label="Owning team", queryset=Team.objects.none(), help_text="The team whose caseload the imported people join.")

    def __init__(self, *args, teams=None, limit_mb: int = 20, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper()
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()
        self.fields["file"].help_text = self.fields["file"].help_text.format(limit=limit_mb)
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportMappingForm(CrispyMixin, forms.Form):
    """One menu per field of the registry: which column of the file holds it (or none)."""

    residence_since = forms.DateField(
        label="Living in the camp since (when the file has no such column)", required=False, widget=DateInput(),
        help_text="Used as the start of each person's stay in the camp; today's date if left empty.",
    )

    def __init__(self, *args, headers: list[str], targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper()
        options = [("", "— not in the file —")] + [(h, h) for h in headers if h]
        for target in targets:
            self.fields[f"map_{target.name}"] = forms.ChoiceField(
                label=target.label + (" (required)" if target.required else ""), choices=options, required=target.required
            )
        self.order_fields([f"map_{t.name}" for t in targets] + ["residence_since"])

    def mapping(self) -> dict[str, str]:
        return {name[4:]: value for name, value in self.cleaned_data.items() if name.startswith("map_") and value}

    def options(self) -> dict:
        since = self.cleaned_data.get("residence_since")
        return {"residence_since": since.isoformat()} if since else {}


class MergeForm(CrispyMixin, forms.Form):
    merged_reference = forms.CharField(
        label="Reference of the duplicate record", help_text="For example P-000123. That record is merged into this one and removed."
    )
    reason = forms.CharField(label="Why are they the same person?", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, survivor: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.survivor = survivor
        self.setup_helper()

    def clean_merged_reference(self):
        text = self.cleaned_data["merged_reference"].strip().upper().removeprefix("P-")
        if not text.isdigit():
            raise forms.ValidationError("Enter a case reference such as P-000123.", code="bad_reference")
        if int(text) == self.survivor.pk:
            raise forms.ValidationError("That is this record: enter the reference of the duplicate.", code="merge_self")
        other = Person.objects.filter(pk=int(text)).first()
        if other is None:
            raise forms.ValidationError("No person has that reference.", code="unknown_person")
        return other
