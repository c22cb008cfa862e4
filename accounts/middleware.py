"""Session lifetime and the second factor, enforced on every request."""

from __future__ import annotations


from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

from accounts import policy
from accounts.events import auth_event
from audit.models import AuthEventKind
from core import clock

IDLE_ENDED = "You were logged out after {minutes} minutes without activity. Log in again to continue."
LIFETIME_ENDED = "You were logged out because your session reached its {hours}-hour limit. Log in again to continue."
TOUCH_EVERY_SECONDS = 60  # the last-seen time is written at most once a minute


class SessionTimeoutMiddleware:
    """Log a user out after 30 idle minutes or 12 hours since they logged in, whichever comes first.

    Time comes from `core.clock`, so tests move it instead of waiting. The server-side session's expiry is
    kept at the idle timeout too, so an abandoned session also dies in the database (`clearsessions`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            session = request.session
            now = clock.now().timestamp()
            auth_at = session.get(policy.AUTH_AT)
            last_seen = session.get(policy.LAST_SEEN)
            if auth_at is None or last_seen is None:  # a session from before this policy: start its clocks
                auth_at = auth_at or now
                session[policy.AUTH_AT], session[policy.LAST_SEEN] = auth_at, now
                last_seen = now
            message = None
            if now - auth_at >= policy.absolute_timeout().total_seconds():
                message = LIFETIME_ENDED.format(hours=int(policy.absolute_timeout().total_seconds() // 3600))
            elif now - last_seen >= policy.idle_timeout().total_seconds():
                message = IDLE_ENDED.format(minutes=int(policy.idle_timeout().total_seconds() // 60))
            if message:
                user = request.user
                request.accounts_session_expired = True
                logout(request)  # flushes the server-side session
                auth_event(AuthEventKind.SESSION_EXPIRED, request=request, user=user)
                messages.info(request, message)
                return redirect_to_login(request.get_full_path())
            if now - last_seen >= TOUCH_EVERY_SECONDS:
                session[policy.LAST_SEEN] = now
                session.set_expiry(int(policy.idle_timeout().total_seconds()))
        return self.get_response(request)


# Pages a logged-in user can reach before the second factor: the ones that provide it, and leaving.
EXEMPT_VIEWS = frozenset({"logout", "accounts:verify", "accounts:setup", "admin:logout"})


class SecondFactorMiddleware:
    """After the password: a user with a confirmed device verifies it before any page; a user who must have
    one (supervisors, administrators, staff) and has none is sent to set one up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name in EXEMPT_VIEWS:
            return None
        if getattr(user, "is_verified", lambda: False)():
            return None
        required = policy.second_factor_required(user)
        if not required and request.session.get(policy.SECOND_FACTOR_OPTIONAL):
            return None
        if policy.has_confirmed_device(user):
            target = "accounts:verify"
        elif required:
            target = "accounts:setup"
        else:
            request.session[policy.SECOND_FACTOR_OPTIONAL] = True
            return None
        return redirect(policy.step_url(target, request.get_full_path()))
