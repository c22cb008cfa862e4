"""Admin for the assessment domain.

Administrators edit the taxonomy and the automatic flag rules here. Everything that carries a rule
(assessments and their status, reviews, flags, consent, decisions) is read-only in the admin: those
changes go through the services behind the pages, so nothing here can set a status by hand or record a
decision the gate would refuse (and the database would refuse it anyway).
"""

from django import forms
from django.contrib import admin

from assessments import models, services
from core.admin import ReadOnlyAdminMixin, ScopedAdmin, TimestampedAdmin


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        # Every shown field is read-only; without this a non-editable one (created_at) makes the change page 500.
        return tuple(self.fields or ())


class RiskTypeForm(forms.ModelForm):
    """The taxonomy cannot lift an absolute bar: the refusal the database trigger also gives, as a form error."""

    class Meta:
        model = models.RiskType
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and (refusal := services.risk_type_change_refusal(
            self.instance, absolute_bar=cleaned.get("absolute_bar", self.instance.absolute_bar),
            is_active=cleaned.get("is_active", self.instance.is_active),
        )):
            raise forms.ValidationError(refusal, code="risk_type_bar_in_use")
        return cleaned


@admin.register(models.RiskType)
class RiskTypeAdmin(TimestampedAdmin):
    form = RiskTypeForm

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", RiskTypeForm)
        return super().get_changelist_form(request, **kwargs)

    list_display = ("name", "code", "absolute_bar", "is_active", "position")
    list_editable = ("is_active", "position")
    list_filter = ("absolute_bar", "is_active")
    search_fields = ("name", "code", "description")


@admin.register(models.Indicator)
class IndicatorAdmin(TimestampedAdmin):
    list_display = ("name", "kind", "code", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")


@admin.register(models.FlagRule)
class FlagRuleAdmin(TimestampedAdmin):
    list_display = ("code", "enabled", "severity", "blocks_removal", "threshold_days")
    list_editable = ("enabled", "severity", "blocks_removal", "threshold_days")

    def has_add_permission(self, request):  # the rules are fixed in code; only their settings are edited
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.RemovalProposal)
class RemovalProposalAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ("person", "measure", "destination", "planned_date", "status")
    list_select_related = ("person",)
    list_filter = ("status", "measure", "destination")
    search_fields = ("person__full_name_latin", "proposed_by")
    date_hierarchy = "planned_date"


class InterviewInline(ReadOnlyInline):
    model = models.Interview
    fields = ("held_on", "place", "interviewer", "language", "interpreter_name", "confirmation")


class EvidenceInline(ReadOnlyInline):
    model = models.Evidence
    fields = ("kind", "title", "source", "reliability", "restricted", "created_at")


class FindingInline(ReadOnlyInline):
    model = models.Finding
    fields = ("country", "risk_type", "outcome", "feared_actor")


class ReviewInline(ReadOnlyInline):
    model = models.Review
    fields = ("reviewer", "decision", "comments", "created_at")


@admin.register(models.Assessment)
class AssessmentAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ("__str__", "status", "assessor", "approved_by", "valid_until", "updated_at")
    list_select_related = ("person", "assessor", "approved_by")
    list_filter = ("status", "destination")
    search_fields = ("person__full_name_latin", "person__search_text")
    inlines = [InterviewInline, EvidenceInline, FindingInline, ReviewInline]
    show_full_result_count = False


@admin.register(models.Interview)
class InterviewAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    team_path = "assessment__person__owning_team_id"
    list_display = ("held_on", "place", "interviewer", "language", "assessment")
    list_select_related = ("interviewer", "assessment__person")


@admin.register(models.Evidence)
class EvidenceAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    team_path = "assessment__person__owning_team_id"
    list_display = ("title", "kind", "source", "reliability", "restricted", "assessment")
    list_select_related = ("assessment__person",)
    list_filter = ("kind", "reliability", "restricted")
    search_fields = ("title", "source", "citation")
    exclude = ("file",)  # files are served only through the scope-checking download view


@admin.register(models.MedicalConsistency)
class MedicalConsistencyAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    team_path = "evidence__assessment__person__owning_team_id"
    list_display = ("finding", "degree", "evidence")
    list_select_related = ("evidence",)


@admin.register(models.Finding)
class FindingAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    team_path = "assessment__person__owning_team_id"
    list_display = ("assessment", "country", "risk_type", "outcome")
    list_select_related = ("assessment__person", "risk_type")
    list_filter = ("outcome", "risk_type", "country")


@admin.register(models.Assurance)
class AssuranceAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    team_path = "assessment__person__owning_team_id"
    list_display = ("issuer", "country", "weight", "assessment")
    list_select_related = ("assessment__person",)


@admin.register(models.Review)
class ReviewAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    team_path = "assessment__person__owning_team_id"
    list_display = ("assessment", "reviewer", "decision", "created_at")
    list_select_related = ("assessment__person", "reviewer")
    list_filter = ("decision",)


@admin.register(models.Flag)
class FlagAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ("person", "reason", "severity", "blocks_removal", "rule", "raised_at", "resolved_at")
    list_select_related = ("person",)
    list_filter = ("blocks_removal", "severity", "rule", "category")
    search_fields = ("reason", "person__full_name_latin")


@admin.register(models.VoluntaryReturnConsent)
class VoluntaryReturnConsentAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ("person", "destination", "given_on", "supervisor_confirmed_by", "withdrawn_at")
    list_select_related = ("person", "supervisor_confirmed_by")


@admin.register(models.RemovalDecision)
class RemovalDecisionAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ("person", "outcome", "measure", "destination", "decided_by", "decided_on")
    list_select_related = ("person", "decided_by")
    list_filter = ("outcome", "measure", "destination")
    search_fields = ("person__full_name_latin", "reasons")
