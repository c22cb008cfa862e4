"""CSV and XLSX exports of the person list a user can see, safe to open in a spreadsheet.

Every cell is neutralised against formula injection: a value starting with = + - @, a tab or a carriage
return gets a leading apostrophe, so a spreadsheet shows it as text instead of running it. CSV is
streamed row by row; XLSX is written by openpyxl's write-only workbook (constant memory per row) and is
limited to XLSX_MAX_ROWS rows (larger lists: CSV).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet, prefetch_related_objects

from core.errors import DomainError
from people.forms import format_approximate_date
from people.models import Person

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 100_000
TOO_MANY_FOR_XLSX = "This list has {count} people, more than the {limit} an Excel export can hold here. Narrow the filters or download CSV."
CHUNK = 2000

COLUMNS = [
    "Reference",
    "Name (Latin script)",
    "Name (original script)",
    "Other names",
    "Sex",
    "Date of birth",
    "Nationality",
    "Lives in",
    "Current legal status",
    "Registration numbers",
    "Owning team",
    "Assigned caseworker",
    "External record id",
]


class ExportTooLarge(DomainError):
    code = "export_too_large"


# Characters XML 1.0 (and so XLSX) cannot hold: an export never fails on stored data, whatever reached it.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def neutralise(value) -> str:
    """The cell text, with a leading apostrophe if a spreadsheet would read it as a formula, and without the
    control characters a spreadsheet cannot hold."""
    text = XML_ILLEGAL.sub("", "" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _user_label(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def person_row(person: Person) -> list[str]:
    """One exported row; expects the prefetches of `export_queryset`."""
    return [
        neutralise(v)
        for v in (
            person.reference,
            person.full_name_latin,
            person.full_name_original,
            "; ".join(n.name for n in person.other_names.all()),
            person.get_sex_display(),
            format_approximate_date(person.birth_date, person.birth_date_precision),
            person.nationality_display,
            "; ".join(r.where for r in person.open_residences),
            "; ".join(s.get_kind_display() for s in person.current_statuses),
            "; ".join(f"{r.get_issuer_display()} {r.number}" for r in person.registrations.all()),
            person.owning_team.name,
            _user_label(person.assigned_caseworker),
            person.external_id,
        )
    ]


def export_queryset(queryset: QuerySet) -> QuerySet:
    return queryset.with_list_data().prefetch_related("other_names", "registrations").order_by("full_name_latin", "id")


def iter_people(*, queryset: QuerySet | None = None, ranked: list[Person] | None = None) -> Iterator[Person]:
    """The people to export: the ranked matches as shown, else the whole filtered list in chunks."""
    if ranked is not None:
        prefetch_related_objects(ranked, "other_names", "registrations")
        yield from ranked
        return
    # Chunks by the list's own order (keyset), not a server-side cursor: the connection may be pooled.
    from core.pagination import keyset_page

    after = None
    while True:
        page = keyset_page(export_queryset(queryset), keys=("full_name_latin", "id"), after=after, per_page=CHUNK)
        yield from page.object_list
        if not page.has_next:
            return
        after = page.next_cursor


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(people: Iterable[Person]) -> Iterator[str]:
    """The CSV text, row by row: a byte-order mark first so spreadsheets read Persian and Arabic as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)
    for person in people:
        yield writer.writerow(person_row(person))


def xlsx_bytes(people: Iterable[Person], *, count: int) -> bytes:
    """The XLSX workbook, or ExportTooLarge above XLSX_MAX_ROWS."""
    from openpyxl import Workbook

    if count > XLSX_MAX_ROWS:
        raise ExportTooLarge(TOO_MANY_FOR_XLSX.format(count=count, limit=XLSX_MAX_ROWS))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("People")
    sheet.append(COLUMNS)
    for person in people:
        sheet.append(person_row(person))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(extension: str, *, today: datetime.date | None = None) -> str:
    return f"people-{today or datetime.date.today():%Y-%m-%d}.{extension}"


def record_export_access(*, request, fmt: str) -> None:
    """THE single call site for access-logging person exports: one access-log row per file, whatever it holds
    (the filters stay in the URL the log records; the rows themselves are personal data and are not copied)."""
    from audit import access

    access.record(request, what=f"export_{fmt}", object_id=None, person_id=None)
