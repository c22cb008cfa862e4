"""Sign-in pages: the second factor (verify, set up, recovery codes) and the lockout page (django-axes)."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import policy, services, sessions
from accounts.events import auth_event
from accounts.forms import WRONG_CODE, WRONG_SETUP_CODE, CodeForm
from audit.access import client_ip
from audit.models import AuthEventKind

RECOVERY_SESSION_KEY = "accounts_recovery_codes_to_show"
TOO_MANY = "Too many wrong codes. Wait until {time} and try again."


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: `redirect()` would read anything else ("returned") as a URL name.
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _elevate(request, device) -> None:
    """Mark the session verified with `device`, under a new session id (the privilege changed)."""
    otp_login(request, device)
    old_key = request.session.session_key
    request.session.cycle_key()
    sessions.forget(old_key)
    sessions.remember(request.user, request.session.session_key)


def _candidate_devices(user, code: str) -> list:
    """A 6-digit code is for the authenticator app, anything else is a recovery code: trying each kind only
    against its own devices keeps a recovery code from counting as a wrong app code (and the reverse)."""
    model = TOTPDevice if (code.isdigit() and len(code) == 6) else StaticDevice
    return list(model.objects.filter(user=user, confirmed=True))


def _throttled_until(devices):
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            return data["locked_until"]
    return None


@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step of logging in: a code from the authenticator app, or a recovery code."""
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    if not policy.has_confirmed_device(user):
        return redirect(policy.step_url("accounts:setup", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        candidates = _candidate_devices(user, code)
        locked_until = _throttled_until(candidates)
        device = None
        if not locked_until:
            for candidate in candidates:  # django-otp locks the device row while it checks and counts failures
                device = otp_verify_token(user, candidate.persistent_id, code)
                if device is not None:
                    break
        if device is None:
            auth_event(AuthEventKind.OTP_FAILED, request=request, user=user)
            if locked_until:  # refused unseen: the wait after earlier wrong codes has not passed
                form.add_error("code", TOO_MANY.format(time=timezone.localtime(locked_until).strftime("%H:%M:%S")))
            else:
                form.add_error("code", WRONG_CODE)
        else:
            _elevate(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                auth_event(AuthEventKind.RECOVERY_CODE_USED, request=request, user=user, detail=f"{left} left")
                messages.warning(
                    request,
                    f"You logged in with a recovery code; {left} remain. Each code works once: "
                    "if you lost your phone, set up the authenticator app again and print new codes.",
                )
            else:
                auth_event(AuthEventKind.OTP_VERIFIED, request=request, user=user)
            return redirect(next_url)
    return render(request, "accounts/verify.html", {"form": form, "next": next_url})


def _secret_for_humans(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The enrolment QR code as an SVG data: URI (an <img>, so no inline script or style is needed)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")


@require_http_methods(["GET", "POST"])
def setup(request):
    """Enrol an authenticator app: scan the QR code (or type the key), then confirm with a code."""
    user = request.user
    next_url = _next_url(request)
    if policy.has_confirmed_device(user):
        messages.info(request, "Two-step verification is already set up for your account.")
        return redirect(reverse("accounts:two_factor"))
    device = services.pending_app_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if locked_until := _throttled_until([device]):
            form.add_error("code", TOO_MANY.format(time=timezone.localtime(locked_until).strftime("%H:%M:%S")))
        elif device.verify_token(form.cleaned_data["code"]):
            codes = services.confirm_app_device(user, device)
            _elevate(request, device)
            request.session[RECOVERY_SESSION_KEY] = codes
            request.session[policy.SECOND_FACTOR_OPTIONAL] = False
            ended = sessions.end_all_sessions(user, keep=request.session.session_key)
            auth_event(AuthEventKind.OTP_ENROLLED, request=request, user=user, detail=f"{ended} other sessions ended")
            return redirect(policy.step_url("accounts:recovery_codes", next_url))
        else:
            form.add_error("code", WRONG_SETUP_CODE)
    context = {
        "form": form,
        "next": next_url,
        "qr": qr_data_uri(device),
        "secret": _secret_for_humans(device),
        "required": policy.second_factor_required(user),
    }
    return render(request, "accounts/setup.html", context)


@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """Show new recovery codes once; or issue new ones (which cancels the old)."""
    user = request.user
    if request.method == "POST":
        if not (user.is_verified() and policy.has_confirmed_device(user)):
            return redirect(reverse("accounts:two_factor"))
        request.session[RECOVERY_SESSION_KEY] = services.issue_recovery_codes(user)
        auth_event(AuthEventKind.RECOVERY_CODES_ISSUED, request=request, user=user)
        return redirect(reverse("accounts:recovery_codes"))
    codes = request.session.pop(RECOVERY_SESSION_KEY, None)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_url(request)})


@require_safe
def two_factor(request):
    """Where a user sees whether two-step verification is on, and gets new recovery codes."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    context = {"device": device, "recovery_left": left, "required": policy.second_factor_required(user)}
    return render(request, "accounts/two_factor.html", context)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response: say plainly what happened and when to try again (HTTP 429)."""
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
    retry_at = timezone.localtime((last or timezone.now()) + cool_off)
    context = {
        "username": username,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_minutes": int(cool_off.total_seconds() // 60),
        "retry_at": retry_at,
    }
    return render(request, "registration/locked_out.html", context, status=429)
