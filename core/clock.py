"""The one place the app asks for the date, so tests inject time instead of sleeping."""

import datetime

from django.utils import timezone


def today() -> datetime.date:
    return timezone.localdate()


def now() -> datetime.datetime:
    return timezone.now()
