"""Writes of the accounts app: second-factor devices and recovery codes (django-otp's models)."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def pending_app_device(user) -> TOTPDevice:
    """The authenticator-app device being enrolled (created on first use), not yet confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def issue_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with fresh ones and return them (to show once; each works once)."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True})
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def confirm_app_device(user, device: TOTPDevice) -> list[str]:
    """The right code was typed: the device counts from now on, abandoned enrolments go, and a fresh set of
    recovery codes is returned (to show once)."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return issue_recovery_codes(user)
