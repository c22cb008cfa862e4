"""What happens around signing in: the session's clocks and owner at login, and the sign-in event log."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts import policy, sessions
from accounts.events import auth_event
from audit.models import AuthEventKind
from core import clock


@receiver(user_logged_in, dispatch_uid="accounts.logged_in")
def on_logged_in(sender, request, user, **kwargs):
    session = request.session
    now = clock.now().timestamp()
    session[policy.AUTH_AT] = now
    session[policy.LAST_SEEN] = now
    session.set_expiry(int(policy.idle_timeout().total_seconds()))
    session[policy.SECOND_FACTOR_OPTIONAL] = policy.second_factor_optional(user)
    if session.session_key is None:
        session.save()
    sessions.remember(user, session.session_key)
    auth_event(AuthEventKind.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="accounts.logged_out")
def on_logged_out(sender, request, user, **kwargs):
    sessions.forget(getattr(request.session, "session_key", None))
    if user is not None and not getattr(request, "accounts_session_expired", False):
        auth_event(AuthEventKind.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="accounts.login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    auth_event(AuthEventKind.LOGIN_FAILED, request=request, username=str(credentials.get("username", "")))


@receiver(user_locked_out, dispatch_uid="accounts.locked_out")
def on_locked_out(sender, request, username, ip_address, **kwargs):
    auth_event(AuthEventKind.LOCKED_OUT, request=request, username=username or "")


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts.deactivated")
def on_user_saved(sender, instance, **kwargs):
    """Deactivating a user ends every session they have, at once (not at their next request)."""
    if not instance.is_active and sessions.end_all_sessions(instance):
        auth_event(AuthEventKind.SESSIONS_ENDED, user=instance, detail="account deactivated")
