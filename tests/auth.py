"""Logging in as a real user would, second factor included, for Django's test client and for browsers.

    from tests.auth import login_with_2fa, totp_code, totp_device

    login_with_2fa(client, supervisor)            # password page, then the code page (enrols a device if needed)
    device = totp_device(supervisor)              # a confirmed TOTP device with a known key
    page.fill("Code", totp_code(device))          # Playwright: type the current code on the real page

`client.force_login(user)` is patched for every test (tests/conftest.py) to also mark the session as having
passed the second factor when the user's role requires one, as force_login already skips the password:
tests that are not about signing in stay about what they test. `password_only_login` is the unpatched
force_login, for tests of the second factor itself.
"""

from __future__ import annotations

import re
import time

from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import policy

TEST_PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's password
TEST_DEVICE_NAME = "Test authenticator"
# A fixed key (hex, 20 bytes) so a browser test can compute codes too. Obviously not a secret.
TEST_KEY = "3132333435363738393031323334353637383930"

_original_force_login = Client.force_login


def password_only_login(client, user, backend=None) -> Client:
    """Django's own force_login: logged in, second factor not yet given."""
    _original_force_login(client, user, backend)
    return client


def totp_device(user, *, key: str = TEST_KEY) -> TOTPDevice:
    """The user's confirmed TOTP device for tests, created with a known key if missing."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, name=TEST_DEVICE_NAME, defaults={"confirmed": True, "key": key})
    return device


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code the user's authenticator app shows now (or at the Unix time `at`).

    A code is accepted once (django-otp refuses a replay), so when this time step's code was already used
    the next step's is returned, which the server accepts (tolerance 1): a test can log in twice in 30 s.
    """
    device.refresh_from_db(fields=["last_t", "drift"])
    clock = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    clock.time = time.time() if at is None else at
    if at is None and device.last_t >= clock.t():
        clock.time += device.step * (device.last_t - clock.t() + 1)
    return f"{clock.token():0{device.digits}d}"


def verified_force_login(client, user, backend=None) -> Client:
    """force_login, then (for users whose role requires it) a session that has passed the second factor."""
    _original_force_login(client, user, backend)
    if policy.second_factor_required(user):
        device = totp_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def login_with_2fa(client, user, *, password: str = TEST_PASSWORD, next_url: str = "/") -> Client:
    """Log in through the real pages: the password form, then the code (setting up an app if the user has
    none: the test reads the key from the set-up page, as a person would scan it). Asserts each step."""
    response = client.post(reverse("login"), {"username": user.get_username(), "password": password, "next": next_url})
    assert response.status_code == 302, f"password step refused ({response.status_code})"
    response = client.get(response["Location"])
    if response.status_code == 302 and reverse("accounts:verify") in response["Location"]:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        response = client.post(response["Location"], {"code": totp_code(device), "next": next_url})
        assert response.status_code == 302 and reverse("accounts:verify") not in response["Location"], "code refused"
    elif response.status_code == 302 and reverse("accounts:setup") in response["Location"]:
        setup_url = response["Location"]
        page = client.get(setup_url).content.decode()
        secret = re.search(r'<code class="fs-6 user-select-all">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        assert device.bin_key == _b32(secret)
        response = client.post(setup_url, {"code": totp_code(device), "next": next_url})
        assert response.status_code == 302 and reverse("accounts:recovery_codes") in response["Location"], "set-up refused"
    return client


def _b32(secret: str) -> bytes:
    import base64

    return base64.b32decode(secret + "=" * (-len(secret) % 8))
