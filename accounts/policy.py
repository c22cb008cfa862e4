"""The account rules in one place: who needs a second factor, how long a session lives."""

from __future__ import annotations

import datetime

from django.conf import settings

from core import roles

# Session keys this app keeps.
AUTH_AT = "accounts_auth_at"  # when the password was accepted (epoch seconds)
LAST_SEEN = "accounts_last_seen"  # last request, to the minute (epoch seconds)
SECOND_FACTOR_OPTIONAL = "accounts_2fa_optional"  # set at login: no device and none required


def idle_timeout() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES)


def absolute_timeout() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.SESSION_ABSOLUTE_TIMEOUT_HOURS)


def second_factor_required(user) -> bool:
    """Supervisors, administrators and any staff or superuser account must use a second factor;
    caseworkers may."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.is_staff or roles.is_supervisor(user) or roles.is_administrator(user))


def step_url(name: str, next_url: str) -> str:
    """The address of a sign-in step (verify, set up, recovery codes) that returns to `next_url` afterwards."""
    from urllib.parse import urlencode

    from django.urls import reverse

    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def second_factor_optional(user) -> bool:
    """A caseworker without a device: may sign in with the password alone (and set a device up later)."""
    return not second_factor_required(user) and not has_confirmed_device(user)


def has_confirmed_device(user) -> bool:
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)
