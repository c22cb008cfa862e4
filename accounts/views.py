"""Sign-in pages: the lockout page (django-axes)."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from audit.access import client_ip


def locked_out(request, original_response=None, credentials=None):
    """Say plainly that this username is locked from this address, why, and when to try again."""
    from axes.helpers import get_client_username
    from axes.models import AccessAttempt

    username = get_client_username(request, credentials) or ""
    cool_off = settings.AXES_COOLOFF_TIME
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=client_ip(request))
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    retry_at = (last or timezone.now()) + cool_off
    context = {
        "username": username,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_minutes": int(cool_off.total_seconds() // 60),
        "retry_at": retry_at,
    }
    return render(request, "registration/locked_out.html", context, status=429)
