"""The Django admin site: every page behind a verified second factor (django-otp's OTPAdminSite)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite


class SecureAdminSite(OTPAdminSite):
    """django-otp's admin site (every page needs `request.user.is_verified()`), signing in through the app's
    own pages: the password page, then the second factor. It has no login form of its own."""

    site_header = "Non-refoulement case assessment: administration"
    site_title = "Administration"

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, settings.LOGIN_URL)
        if not user.is_verified():
            return redirect(f"{reverse('accounts:verify')}?{urlencode({'next': next_url})}")
        raise PermissionDenied("The administration is for administrators.")
