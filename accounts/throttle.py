"""Per-account throttling of sign-in: however many addresses a guesser uses, an account with repeated recent
failures accepts one try per growing delay; nobody is locked out of their own account by a stranger.

Two rules work together (docs/security.md, "Sign-in throttling"):
- django-axes locks a username *from one address and browser* (username, address, user agent) for 15
  minutes after 5 failures: the guesser at that keyboard stops, a colleague on the same camp network with
  their own browser does not.
- this module: after `FREE_FAILURES` failures of a username within `WINDOW` from anywhere, each further
  try must wait 2^(n - FREE_FAILURES) seconds after the last failure, at most `MAX_DELAY` seconds. The try
  is refused before the password is checked, so waiting is the only way to guess again.
"""

from __future__ import annotations

import datetime

from axes.models import AccessAttempt
from django.db.models import Max, Sum
from django.utils import timezone

FREE_FAILURES = 5
WINDOW = datetime.timedelta(minutes=15)
MAX_DELAY = 60  # seconds: an attacker gets at most one guess a minute per account; a user waits a minute at most


def wait_seconds(username: str, *, now: datetime.datetime | None = None) -> int:
    """Seconds before `username` may try to sign in again (0: now)."""
    if not username:
        return 0
    now = now or timezone.now()
    # axes keeps one row per username, address and browser, with its failures and the time of the last one;
    # a successful sign-in from there, or an administrator's unlock, clears it.
    recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=now - WINDOW).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    count = recent["failures"] or 0
    if count < FREE_FAILURES:
        return 0
    delay = min(2 ** (count - FREE_FAILURES), MAX_DELAY)
    remaining = (recent["last"] + datetime.timedelta(seconds=delay) - now).total_seconds()
    return max(0, int(remaining + 0.999))
