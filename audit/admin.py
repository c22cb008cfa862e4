"""The access log and sign-in events, for administrators: read-only (the database refuses changes anyway)."""

from django.contrib import admin

from audit.models import AccessLog, AuthEvent
from core.admin import ReadOnlyAdminMixin


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "username", "what", "object_id", "person_id", "outcome", "ip")
    list_filter = ("outcome", "what")
    search_fields = ("username", "=person_id", "=object_id", "ip")
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(AuthEvent)
class AuthEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "kind", "username", "ip", "detail")
    list_filter = ("kind",)
    search_fields = ("username", "ip")
    date_hierarchy = "at"
    show_full_result_count = False
