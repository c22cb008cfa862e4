"""Second-factor devices in the admin, without their secrets."""

from __future__ import annotations

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


class DeviceAdmin(admin.ModelAdmin):
    """Administrators see who has a second factor and can remove a lost one (the user then sets up a new
    one at their next login). Keys and recovery codes are never shown."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, DeviceAdmin)
