"""Write a sign-in event (append-only, audit.AuthEvent)."""

from __future__ import annotations

from audit.access import client_ip
from audit.models import AuthEvent


def auth_event(kind: str, *, request=None, user=None, username: str = "", detail: str = "") -> AuthEvent:
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return AuthEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        ip=client_ip(request) if request is not None else None,
        detail=detail[:200],
    )
