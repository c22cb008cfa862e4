from django.contrib import admin

from core.admin import ScopedAdmin, TimestampedAdmin
from people import models, services


class PersonNameInline(admin.TabularInline):
    model = models.PersonName
    extra = 0


class RegistrationInline(admin.TabularInline):
    model = models.Registration
    extra = 0
    readonly_fields = ("created_at", "updated_at")


class IdentityDocumentInline(admin.TabularInline):
    model = models.IdentityDocument
    extra = 0
    readonly_fields = ("created_at", "updated_at")


@admin.register(models.Person)
class PersonAdmin(ScopedAdmin):
    team_path = "owning_team_id"
    list_display = ("reference_display", "full_name_latin", "full_name_original", "nationality", "owning_team", "assigned_caseworker")
    list_select_related = ("owning_team", "assigned_caseworker")
    list_filter = ("owning_team", "sex", "stateless", "interpreter_needed")
    search_fields = ("full_name_latin", "full_name_original", "search_text", "external_id")
    autocomplete_fields = ("owning_team", "assigned_caseworker")
    readonly_fields = ("search_text", "created_by")
    inlines = [PersonNameInline, RegistrationInline, IdentityDocumentInline]
    show_full_result_count = False

    @admin.display(description="Reference", ordering="id")
    def reference_display(self, obj):
        return obj.reference

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.person_reindex(person=form.instance)


class PersonChildAdmin(ScopedAdmin):
    list_select_related = ("person",)
    autocomplete_fields = ("person",)
    search_fields = ("person__full_name_latin", "person__full_name_original")


@admin.register(models.Residence)
class ResidenceAdmin(PersonChildAdmin):
    list_display = ("person", "camp", "place", "started_on", "ended_on")
    list_select_related = ("person", "camp")
    list_filter = ("camp",)
    autocomplete_fields = ("person", "camp")


@admin.register(models.LegalStatus)
class LegalStatusAdmin(PersonChildAdmin):
    list_display = ("person", "kind", "started_on", "ended_on", "source")
    list_filter = ("kind",)


@admin.register(models.Affiliation)
class AffiliationAdmin(PersonChildAdmin):
    list_display = ("person", "organisation", "role", "started_on", "ended_on")
    list_select_related = ("person", "organisation")
    list_filter = ("organisation",)
    autocomplete_fields = ("person", "organisation")


@admin.register(models.FamilyLink)
class FamilyLinkAdmin(PersonChildAdmin):
    list_display = ("person", "relationship", "relative", "same_household")
    list_select_related = ("person", "relative")
    list_filter = ("relationship",)
    autocomplete_fields = ("person", "relative")


@admin.register(models.Vulnerability)
class VulnerabilityAdmin(PersonChildAdmin):
    list_display = ("person", "kind", "established_on", "established_by", "relevant_until")
    list_filter = ("kind",)


@admin.register(models.PersonName)
class PersonNameAdmin(PersonChildAdmin):
    list_display = ("name", "kind", "script", "person")
    list_filter = ("kind", "script")
    search_fields = ("name", "person__full_name_latin")


@admin.register(models.Registration)
class RegistrationAdmin(PersonChildAdmin):
    list_display = ("issuer", "number", "person", "registered_on")
    list_filter = ("issuer",)
    search_fields = ("number", "person__full_name_latin")


@admin.register(models.IdentityDocument)
class IdentityDocumentAdmin(PersonChildAdmin):
    list_display = ("kind", "number", "issuing_country", "expires_on", "person")
    list_filter = ("kind",)
    search_fields = ("number", "person__full_name_latin")


@admin.register(models.Camp)
class CampAdmin(TimestampedAdmin):
    list_display = ("name", "country", "region", "capacity", "is_open")
    list_filter = ("is_open", "country")
    search_fields = ("name", "region", "managing_authority")


class OrganisationAliasInline(admin.TabularInline):
    model = models.OrganisationAlias
    extra = 1


@admin.register(models.Organisation)
class OrganisationAdmin(TimestampedAdmin):
    list_display = ("name",)
    search_fields = ("name", "aliases__name")
    inlines = [OrganisationAliasInline]


@admin.register(models.OrganisationAlias)
class OrganisationAliasAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation")
    list_select_related = ("organisation",)
    search_fields = ("name", "organisation__name")
    autocomplete_fields = ("organisation",)


@admin.register(models.Team)
class TeamAdmin(TimestampedAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    filter_horizontal = ("members", "supervisors")
