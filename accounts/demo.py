"""Demo second factors: fixed, documented, obviously fake keys for the demo supervisor and administrator.

Only for `make run` on a developer's machine: the keys are in this file and in the README, so anyone can
compute the codes. `manage.py demo_code <username>` prints the current code for these accounts only.
"""

from __future__ import annotations

import base64

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import policy

DEVICE_NAME = "Demo authenticator"
# 20 bytes each; the base32 form is what an authenticator app is given.
DEMO_KEYS = {
    "supervisor": b"DEMO-ONLY-supervisor".hex(),
    "admin": b"DEMO-ONLY-admin-2fa!".hex(),
}


def base32_key(hex_key: str) -> str:
    return base64.b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")


def seed_two_factor() -> list[tuple[str, str]]:
    """Give the demo accounts that need a second factor a confirmed TOTP device with the demo key.
    Returns (username, base32 key) for each. Idempotent; resets a changed key to the documented one."""
    User = get_user_model()
    seeded = []
    for username, hex_key in DEMO_KEYS.items():
        user = User.objects.filter(username=username).first()
        if user is None or not policy.second_factor_required(user):
            continue
        device, _ = TOTPDevice.objects.get_or_create(user=user, name=DEVICE_NAME, defaults={"key": hex_key, "confirmed": True})
        if device.key != hex_key or not device.confirmed:
            device.key, device.confirmed = hex_key, True
            device.save(update_fields=["key", "confirmed"])
        seeded.append((username, base32_key(hex_key)))
    return seeded


def current_code(username: str) -> str:
    """The code a demo account's authenticator shows now. Refuses any account but the demo ones."""
    from django_otp.oath import TOTP

    if username not in DEMO_KEYS:
        raise ValueError(f"{username!r} is not a demo account with a documented key.")
    device = TOTPDevice.objects.get(user__username=username, name=DEVICE_NAME, key=DEMO_KEYS[username])
    clock = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{clock.token():0{device.digits}d}"
