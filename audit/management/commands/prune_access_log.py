"""Delete access-log rows older than the retention period (ACCESS_LOG_RETENTION_DAYS, default 730); see
audit.services.prune_access_log for what the database allows."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audit import services


class Command(BaseCommand):
    help = "Delete access-log rows older than the retention period (default: ACCESS_LOG_RETENTION_DAYS)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help=f"Keep this many days (at least {services.DATABASE_FLOOR_DAYS}).")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = days if days is not None else settings.ACCESS_LOG_RETENTION_DAYS
        try:
            cutoff, count = services.prune_access_log(days=days, dry_run=dry_run)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if dry_run:
            self.stdout.write(f"{count} access-log rows older than {cutoff:%Y-%m-%d} would be deleted.")
        else:
            self.stdout.write(f"Deleted {count} access-log rows older than {cutoff:%Y-%m-%d} (kept {days} days).")
