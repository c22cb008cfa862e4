"""Import a roster from the command line: the same checks and the same one-transaction write as the page."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from people import imports
from people.models import Team


class Command(BaseCommand):
    help = (
        "Check a CSV or XLSX roster and print every row that would be rejected, with its row number and reason. "
        "Nothing is written unless --commit is given; then all accepted rows are written in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The roster: .csv (UTF-8, UTF-16 or Windows Arabic) or .xlsx")
        parser.add_argument("--team", required=True, help="Name of the owning team")
        parser.add_argument("--user", required=True, help="Username of the person importing (their permissions and scope apply)")
        parser.add_argument(
            "--map", action="append", default=[], metavar="FIELD=COLUMN",
            help="Which column holds a field, e.g. --map full_name_latin='Name (English)'; overrides the guess. "
            "Fields: " + ", ".join(t.name for t in imports.TARGETS),
        )
        parser.add_argument("--since", help="Start of the camp stay when the file has no such column (YYYY-MM-DD; default today)")
        parser.add_argument("--commit", action="store_true", help="Write the accepted rows (default: check only)")
        parser.add_argument("--not-imported", metavar="PATH", help="Write the rows not imported, with reasons, to this CSV file")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user “{options['user']}”.")
        team = Team.objects.filter(name=options["team"]).first()
        if team is None:
            raise CommandError(f"No team “{options['team']}”.")
        try:
            imports.check_size(path.stat().st_size)  # before reading it
            job = imports.import_upload(actor=actor, data=path.read_bytes(), label=path.name, team=team)
            mapping = dict(job.mapping)
            for item in options["map"]:
                field, _, column = item.partition("=")
                if field not in imports.TARGET_BY_NAME:
                    raise CommandError(f"Unknown field “{field}”.")
                mapping[field] = column
            options_json = {}
            if options["since"]:
                options_json["residence_since"] = datetime.date.fromisoformat(options["since"]).isoformat()
            self.stdout.write(f"{job.file_label}: {job.rows_total} rows" + (f", encoding {job.encoding}" if job.encoding else ""))
            for field, column in sorted(mapping.items()):
                self.stdout.write(f"  {field:<20} <- {column}")
            job = imports.import_preview(actor=actor, job=job, mapping=mapping, options=options_json, echo=self.progress("checked"))
            self.report(job)
            if options["commit"]:
                job = imports.import_commit(actor=actor, job=job, echo=self.progress("imported"))
                self.stdout.write(self.style.SUCCESS(f"Imported {job.rows_created} people into {team} (import {job.pk})."))
            else:
                imports.import_cancel(actor=actor, job=job)
                self.stdout.write("Nothing was written (run again with --commit to import the accepted rows).")
        except (DomainError, ValidationError, ValueError) as exc:
            message = exc.message if isinstance(exc, DomainError) else "; ".join(getattr(exc, "messages", [str(exc)]))
            raise CommandError(message) from None
        if options["not_imported"]:
            Path(options["not_imported"]).write_text(imports.rejected_rows_csv(job), encoding="utf-8")
            self.stdout.write(f"Rows not imported, with reasons: {options['not_imported']}")

    def progress(self, verb: str):
        def echo(**counts):
            read, total = counts.get("read", 0), counts.get("total") or "?"
            line = f"  {verb}: read {read}/{total}, accepted {counts.get('accepted', '…')}, rejected {counts.get('rejected', '…')}"
            if "created" in counts:
                line += f", created {counts['created']}"
            self.stdout.write(line)
            self.stdout.flush()

        return echo

    def report(self, job) -> None:
        self.stdout.write(
            f"{job.rows_read} rows checked: {job.rows_accepted} accepted, {job.rows_rejected} rejected, {job.rows_skipped} already registered."
        )
        for row in job.report.get("rejected", []):
            self.stdout.write(f"  row {row['row']}: rejected: {' '.join(row['reasons'])}")
        for row in job.report.get("skipped", []):
            self.stdout.write(f"  row {row['row']}: {row['reason']}")
