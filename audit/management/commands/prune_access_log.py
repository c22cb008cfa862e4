"""Delete access-log rows older than the retention period (ACCESS_LOG_RETENTION_DAYS, default 730).

The access log is append-only: its trigger refuses every UPDATE and DELETE, except a DELETE of rows older
than the floor fixed in the database (365 days, audit/migrations/0002) by a transaction that says it is
the retention procedure (`SET LOCAL audit.prune_access_log = on`). So this command can remove old rows and
nothing, not even this command with a shorter period, can remove a row younger than the floor.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from audit.models import AccessLog
from core import clock

DATABASE_FLOOR_DAYS = 365  # the same number as in audit_accesslog_guard()


class Command(BaseCommand):
    help = "Delete access-log rows older than the retention period (default: ACCESS_LOG_RETENTION_DAYS)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Keep this many days (at least 365).")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = days if days is not None else settings.ACCESS_LOG_RETENTION_DAYS
        if days < DATABASE_FLOOR_DAYS:
            raise CommandError(
                f"The access log keeps at least {DATABASE_FLOOR_DAYS} days; the database refuses to delete younger rows."
            )
        cutoff = clock.now() - datetime.timedelta(days=days)
        old = AccessLog.objects.filter(at__lt=cutoff)
        if dry_run:
            self.stdout.write(f"{old.count()} access-log rows older than {cutoff:%Y-%m-%d} would be deleted.")
            return
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL audit.prune_access_log = 'on'")
            deleted = old._raw_delete(old.db)
        self.stdout.write(f"Deleted {deleted} access-log rows older than {cutoff:%Y-%m-%d} (kept {days} days).")
