"""Forms of the assessment pages. They parse input; the services decide."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.contrib.auth import get_user_model
from django.forms import formset_factory

from assessments import choices, services
from assessments.completeness import standing_risks_for_cell
from assessments.models import ApprovedFinding, Assurance, Evidence, Finding, Indicator, Interview, VoluntaryReturnConsent
from core import clock
from core.countries import country_name
from core.widgets import CountryChoiceField
from people.forms import CrispyMixin, DateInput

MAX_TRANSIT_FIELDS = services.MAX_TRANSIT_COUNTRIES
DECIDED_IN_FUTURE = "A decision cannot be dated in the future."
TOO_MANY_TRANSIT = f"A route can have at most {MAX_TRANSIT_FIELDS} transit countries."
_TRANSIT_KEY = re.compile(r"transit_[0-9]+")


class RouteFormMixin(forms.Form):
    """Destination and up to MAX_TRANSIT_FIELDS transit countries, in order of travel."""

    destination = CountryChoiceField(label="Destination country", blank_label="Choose the destination")

    def add_route_fields(self) -> None:
        for i in range(1, MAX_TRANSIT_FIELDS + 1):
            self.fields[f"transit_{i}"] = CountryChoiceField(
                label=f"Transit country {i}", required=False, blank_label="None",
                help_text="In order of travel, before the destination." if i == 1 else "",
            )

    def route(self) -> tuple[str, list[str]]:
        transit = [self.cleaned_data.get(f"transit_{i}") for i in range(1, MAX_TRANSIT_FIELDS + 1)]
        return self.cleaned_data["destination"], [c for c in transit if c]

    @staticmethod
    def route_initial(destination: str, transit: list[str]) -> dict:
        initial = {"destination": destination}
        for i, code in enumerate(transit, start=1):
            initial[f"transit_{i}"] = code
        return initial


class ProposalForm(CrispyMixin, RouteFormMixin):
    measure = forms.ChoiceField(label="Kind of measure", choices=choices.Measure.choices)
    proposed_by = forms.CharField(label="Proposed by", max_length=200, help_text="The authority or officer proposing the removal.")
    planned_date = forms.DateField(label="Planned date", required=False, widget=DateInput())
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_route_fields()
        self.setup_helper()
        self.order_fields(["measure", "destination", *[f"transit_{i}" for i in range(1, MAX_TRANSIT_FIELDS + 1)], "proposed_by", "planned_date", "notes"])


class RouteForm(CrispyMixin, RouteFormMixin):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_route_fields()
        self.setup_helper()


class InterviewForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Interview
        fields = [
            "held_on", "place", "interviewer", "language", "interpreter_name", "interpreter_not_representative",
            "same_sex_requested", "same_sex_provided", "counsel_present", "information_given", "record",
            "confirmation", "corrections",
        ]
        widgets = {
            "held_on": DateInput(),
            "information_given": forms.Textarea(attrs={"rows": 3}),
            "record": forms.Textarea(attrs={"rows": 6}),
            "corrections": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper()
        users = get_user_model().objects.filter(is_active=True)
        self.fields["interviewer"].queryset = users.filter(teams=team).order_by("username") if team else users.none()
        self.fields["interviewer"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        self.fields["information_given"].required = False
        self.fields["record"].required = False


class NoInterviewForm(CrispyMixin, forms.Form):
    no_interview_reason = forms.CharField(
        label="Reason no interview was possible", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only if the person could not be interviewed. Leave empty otherwise.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper()


class EvidenceForm(CrispyMixin, forms.ModelForm):
    upload = forms.FileField(
        label="File", required=False,
        help_text="Optional. PDF, JPEG, PNG, Word (.docx) or plain text, up to 20 MB.",
    )

    class Meta:
        model = Evidence
        fields = [
            "kind", "title", "source", "document_date", "accessed_on", "reliability", "corroboration", "citation",
            "disclosed_to_person", "restricted", "summary", "examination_offered", "consent_to_examination", "examiner",
        ]
        widgets = {"document_date": DateInput(), "accessed_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper()


class ConsistencyForm(forms.Form):
    finding = forms.CharField(label="Physical or psychological finding", required=False, max_length=300)
    alleged_cause = forms.CharField(label="Alleged cause", required=False, max_length=300)
    degree = forms.ChoiceField(label="Istanbul Protocol degree of consistency", required=False, choices=[("", "—"), *choices.IstanbulDegree.choices])

    def clean(self):
        data = super().clean()
        if data.get("finding") and not data.get("degree"):
            self.add_error("degree", "Choose the degree of consistency for this finding.")
        return data


ConsistencyFormSet = formset_factory(ConsistencyForm, extra=2, max_num=10)


class FindingForm(CrispyMixin, forms.ModelForm):
    convention_grounds = forms.MultipleChoiceField(
        label="Convention grounds", required=False, choices=choices.ConventionGround.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Finding
        fields = [
            "outcome", "feared_actor", "convention_grounds", "grounds_imputed", "indicators", "legal_test", "reasons",
            "charges_or_sentence", "sentenced_in_absentia", "evidence", "revisits", "revisit_reasons",
        ]
        widgets = {
            "revisit_reasons": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.RadioSelect,
            "indicators": forms.CheckboxSelectMultiple,
            "evidence": forms.CheckboxSelectMultiple,
            "reasons": forms.Textarea(attrs={"rows": 4}),
            "charges_or_sentence": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"outcome": "Finding", "evidence": "Evidence relied on"}

    def __init__(self, *args, assessment=None, risk_type=None, country=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # A finding of no real risk where an earlier approved finding of real risk still stands must revisit it.
        standing = standing_risks_for_cell(assessment, country, risk_type) if assessment and risk_type and country else []
        if standing:
            self.fields["revisits"].queryset = ApprovedFinding.objects.filter(pk__in=[r.pk for r in standing]).select_related("assessment")
            self.fields["revisits"].label_from_instance = lambda r: f"{r.assessment.reference}: real risk found, approved {r.approved_at:%Y-%m-%d}"
            self.fields["revisits"].empty_label = "— none: this finding does not revisit it —"
            self.fields["revisits"].help_text = (
                "An earlier approved finding of real risk for this country and risk type still bars removal. A finding of "
                "no real risk must name it and say why the risk no longer holds; the reviewer approves that too."
            )
        else:
            self.fields.pop("revisits")
            self.fields.pop("revisit_reasons")
        self.setup_helper()
        self.fields["indicators"].queryset = Indicator.objects.filter(is_active=True)
        # Restricted evidence is offered only to those who may see it (the one rule: Evidence.objects.visible_to).
        self.fields["evidence"].queryset = (
            Evidence.objects.visible_to(user).filter(assessment=assessment) if assessment else Evidence.objects.none()
        )
        self.fields["reasons"].help_text = "Required for a finding of real risk or insufficient information."
        if risk_type is None or risk_type.code != "death_penalty":
            for name in ("charges_or_sentence", "sentenced_in_absentia"):
                self.fields.pop(name)


class AssuranceForm(CrispyMixin, forms.ModelForm):
    class Meta:
        model = Assurance
        fields = [
            "country", "issuer", "given_on", "text", "text_disclosed", "specificity", "issuer_can_bind_state",
            "local_compliance_likely", "treatment_legal_in_state", "track_record", "independent_monitoring",
            "lawyer_access", "prior_ill_treatment", "evaluation", "weight",
        ]
        widgets = {
            "given_on": DateInput(),
            "text": forms.Textarea(attrs={"rows": 3}),
            "track_record": forms.Textarea(attrs={"rows": 2}),
            "evaluation": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, assessment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper()
        if assessment is not None:
            self.fields["country"].choices = [(c, country_name(c)) for c in assessment.route]


class ConclusionForm(CrispyMixin, forms.Form):
    conclusion = forms.ChoiceField(label="Conclusion", choices=choices.Conclusion.choices, widget=forms.RadioSelect, required=False)
    conclusion_reasons = forms.CharField(
        label="Reasons", required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Reasons good enough to support an appeal: say how each country's findings lead to the conclusion.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper()


class DeclarationForm(CrispyMixin, forms.Form):
    not_involved = forms.BooleanField(label="I am not involved in the decision on this person's removal.", required=False)
    no_conflict = forms.BooleanField(label="I have no conflict of interest in this case.", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper()


class ReviewForm(CrispyMixin, forms.Form):
    decision = forms.ChoiceField(label="Your decision", choices=choices.ReviewDecision.choices, widget=forms.RadioSelect)
    comments = forms.CharField(
        label="Comments", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required when you return the assessment: say what needs to change.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper()


class ReasonForm(CrispyMixin, forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, label: str = "Reason", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.setup_helper()


class FlagForm(CrispyMixin, forms.Form):
    category = forms.ChoiceField(label="What is it about", choices=services.HAND_RAISED_FLAG_CATEGORIES)
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}))
    severity = forms.TypedChoiceField(label="Severity", choices=choices.Severity.choices, coerce=int, initial=choices.Severity.MEDIUM)
    blocks_removal = forms.BooleanField(
        label="This flag blocks removal until it is resolved", required=False,
        help_text="An appeal or an interim measure suspends removal. A blocking flag also sends approved assessments back for review.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper()


class FlagResolveForm(CrispyMixin, forms.Form):
    note = forms.CharField(label="Resolution note", widget=forms.Textarea(attrs={"rows": 3}), help_text="Say how the concern was resolved.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_helper()


class ConsentForm(CrispyMixin, RouteFormMixin, forms.ModelForm):
    """Consent to return on a route: it counts only for that destination and those transit countries, in order."""

    destination = CountryChoiceField(label="Country of return", blank_label="Choose the country")

    class Meta:
        model = VoluntaryReturnConsent
        fields = ["given_on", "language", "interpreter_name", "conditions_explained", "no_pressure_confirmed", "safe_setting_confirmed"]
        widgets = {"given_on": DateInput(), "conditions_explained": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_route_fields()
        self.order_fields(["destination", *[f"transit_{i}" for i in range(1, MAX_TRANSIT_FIELDS + 1)]])
        self.setup_helper()


class DecisionForm(CrispyMixin, forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=choices.DecisionOutcome.choices, widget=forms.RadioSelect)
    decided_on = forms.DateField(label="Date of the decision", widget=DateInput())
    reasons = forms.CharField(label="Reasons", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, allowed: bool = True, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.setup_helper()
        if not allowed:
            self.fields["outcome"].choices = [
                c for c in choices.DecisionOutcome.choices if c[0] != choices.DecisionOutcome.AUTHORISED
            ]
            self.fields["outcome"].help_text = "Removal cannot be authorised (see the reasons above); it can be barred or postponed."

    def clean_decided_on(self):
        decided_on = self.cleaned_data["decided_on"]
        if decided_on > (self.today or clock.today()):
            raise forms.ValidationError(DECIDED_IN_FUTURE, code="decided_in_future")
        return decided_on


class RouteChoiceForm(RouteFormMixin):
    """The route and measure a decision page asks about, when not taken from a proposal."""

    measure = forms.ChoiceField(label="Kind of measure", choices=choices.Measure.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_route_fields()
        self.order_fields(["measure", "destination"])

    def clean(self):
        """The route as the services would take it: a transit country beyond the form's fields is refused
        rather than dropped, and a repeated country is named here instead of failing later."""
        data = super().clean()
        beyond = [k for k, v in self.data.items() if _TRANSIT_KEY.fullmatch(k) and k not in self.fields and v.strip()]
        if beyond:
            raise forms.ValidationError(TOO_MANY_TRANSIT, code="too_many_transit")
        if not self.errors:
            try:
                services.clean_route(*self.route())
            except forms.ValidationError as exc:
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return data
