"""Ending sessions: at logout, on expiry, and all of a user's at once (deactivation, new second factor)."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.db import transaction

from accounts.models import UserSession


def remember(user, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def forget(session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def end_all_sessions(user, *, keep: str | None = None) -> int:
    """Delete every server-side session of `user` (but `keep`, the current one, if given). Returns how many."""
    with transaction.atomic():
        keys = UserSession.objects.filter(user=user)
        if keep:
            keys = keys.exclude(session_key=keep)
        key_list = list(keys.values_list("session_key", flat=True))
        deleted, _ = Session.objects.filter(session_key__in=key_list).delete()
        UserSession.objects.filter(session_key__in=key_list).delete()
    return deleted
