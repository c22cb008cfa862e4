"""What every admin of the project shares: scoping through the one rule, read-only timestamps."""

from __future__ import annotations

from django.contrib import admin

from people.scoping import visible_team_ids


class ReadOnlyAdminMixin:
    """View-only: no add, change or delete through the admin (records the database keeps append-only or that
    only the application's services may write)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TimestampedAdmin(admin.ModelAdmin):
    """Creation and change times are shown, never edited."""

    timestamp_fields = ("created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        model_fields = {f.name for f in self.model._meta.get_fields()}
        extra = tuple(f for f in self.timestamp_fields if f in model_fields)
        return tuple(super().get_readonly_fields(request, obj)) + extra


class ScopedAdmin(TimestampedAdmin):
    """Admin lists and pages show only what the person scoping rule lets the user see.

    `team_path` is the lookup from this model to the owning team id (e.g. "person__owning_team_id").
    """

    team_path: str = "person__owning_team_id"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = visible_team_ids(request.user)
        return queryset if ids is None else queryset.filter(**{f"{self.team_path}__in": ids})
