"""Run the time-based automatic flag rules (imminent removals, expired approvals). Schedule daily."""

import datetime

from django.core.management.base import BaseCommand

from assessments import services


class Command(BaseCommand):
    help = "Raise the automatic flags that depend on the date: imminent removals and expired approvals."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=datetime.date.fromisoformat, help="Evaluate as of this date (YYYY-MM-DD).")

    def handle(self, *args, **options):
        counts = services.flags_sweep(today=options.get("today"))
        for rule, count in counts.items():
            self.stdout.write(f"{rule}: {count}")
