"""Response headers every page carries, beyond what Django's SecurityMiddleware and django-csp add."""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import add_never_cache_headers

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), xr-spatial-tracking=()"
)


class SecurityHeadersMiddleware:
    """Permissions-Policy, Cross-Origin-Resource-Policy, and `Cache-Control: no-store` on every page.

    Every page the app renders is either a case file or a form to reach one, so none may be kept by the
    browser or a proxy (static files are served before this runs and stay cacheable).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", getattr(settings, "PERMISSIONS_POLICY", PERMISSIONS_POLICY))
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
