"""The Django admin site: every page behind a verified second factor (django-otp's OTPAdminSite)."""

from __future__ import annotations


from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django_otp.admin import OTPAdminSite

from accounts import policy


class SecureAdminSite(OTPAdminSite):
    """django-otp's admin site (every page needs `request.user.is_verified()`), signing in through the app's
    own pages: the password page, then the second factor. It has no login form of its own."""

    site_header = "Non-refoulement case assessment: administration"
    site_title = "Administration"

    def __init__(self, name: str = "admin"):
        super().__init__(name)  # OTPAdminSite calls itself "otpadmin"; this one is the project's admin

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, settings.LOGIN_URL)
        if not user.is_verified():
            return redirect(policy.step_url("accounts:verify", next_url))
        raise PermissionDenied("The administration is for administrators.")

    def get_urls(self):
        """Django's "view on site" redirect looks objects up without any scope; this one asks the model's
        admin (scoped like every page), so an id outside the user's scope is a 404 like a missing one."""
        urls = super().get_urls()
        for index, pattern in enumerate(urls):
            if getattr(pattern, "name", None) == "view_on_site":
                urls[index] = path(
                    "r/<int:content_type_id>/<path:object_id>/",
                    self.admin_view(self.scoped_view_on_site),
                    name="view_on_site",
                )
        return urls

    def scoped_view_on_site(self, request, content_type_id, object_id):
        content_type = ContentType.objects.filter(pk=content_type_id).first()
        model = content_type.model_class() if content_type else None
        model_admin = self._registry.get(model)
        if model_admin is None or not model_admin.has_view_or_change_permission(request):
            raise Http404("No such object.")
        if model_admin.get_object(request, object_id) is None:
            raise Http404("No such object.")
        return shortcut(request, content_type_id, object_id)
