"""Writes of the audit app: the access log's retention (its rows are otherwise never changed or deleted).

The access log is append-only: its trigger refuses every UPDATE and DELETE, except a DELETE of rows older
than the floor fixed in the database (365 days, audit/migrations/0002) by a transaction that says it is
the retention procedure (`SET LOCAL audit.prune_access_log = on`). So old rows can be removed and nothing,
not even this function with a shorter period, can remove a row younger than the floor.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from audit.models import AccessLog
from core import clock

DATABASE_FLOOR_DAYS = 365  # the same number as in audit_accesslog_guard()


def prune_access_log(*, days: int, dry_run: bool = False) -> tuple[datetime.datetime, int]:
    """Delete (or, with dry_run, count) access-log rows older than `days`; return the cut-off and the count."""
    if days < DATABASE_FLOOR_DAYS:
        raise ValidationError(
            f"The access log keeps at least {DATABASE_FLOOR_DAYS} days; the database refuses to delete younger rows.",
            code="below_floor",
        )
    cutoff = clock.now() - datetime.timedelta(days=days)
    old = AccessLog.objects.filter(at__lt=cutoff)
    if dry_run:
        return cutoff, old.count()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL audit.prune_access_log = 'on'")
        return cutoff, old._raw_delete(old.db)
