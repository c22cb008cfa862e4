"""Roster import: parse → validate → commit.

- `read_table` parses a CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, or Windows Arabic cp1256, in that
  order; the encoding used is reported) or an XLSX workbook into a header and rows of text. Files above
  `IMPORT_MAX_BYTES`, empty files, binaries, old .xls workbooks and zip bombs are refused before parsing.
- `validate` checks every row (name, approximate date, sex, nationality, camp, numbers, formulas) and
  then the whole file against itself and the registry, set-wise, in a few queries: external ids and
  registration/document numbers already registered (a re-import skips those rows), numbers repeated in
  the file, and likely duplicates by exact name key (people.duplicates). Nothing is written.
- `commit` writes every accepted row in one transaction, one COPY statement per table (persons, residences,
  registrations, documents, other names): ids are reserved from the sequence first, so `search_text`
  (which holds the P- reference) is computed in Python and each person is inserted once, never updated.
  COPY rather than bulk_create because it costs a fraction of the time at 100,000 rows (docs/performance.md)
  while row triggers (history) and constraints still apply to every row. Seven statements per import.

The services at the end (`import_upload`, `import_preview`, `import_commit`) are what the page and the
`import_people` command call; they keep an ImportJob row whose counts a polling page shows.
"""

from __future__ import annotations

import csv
import datetime
import functools
import gzip
import json
import io
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from django_countries import countries

from core.errors import DomainError, OutOfScope
from core.services import acting, require_perm
from people import choices, duplicates, names
from people.forms import parse_approximate_date
from people.models import (
    Camp,
    IdentityDocument,
    ImportJob,
    Person,
    PersonName,
    Registration,
    Residence,
    Team,
)
from people.scoping import visible_team_ids
from people.services import TEAM_NOT_YOURS

MAX_ROWS = 200_000
# What one web worker can parse well inside its 30 s timeout: openpyxl reads sheet XML at about 2.5 MB/s on
# this project's 2-core machine (bench figure), so 60 MB of XML is some 25 s and ~90,000 rows of 12 columns.
# Larger rosters go as CSV (read ~20 times faster) or in several files. A workbook that unpacks to more than
# MAX_XLSX_RATIO times its size is a decompression bomb, not a roster.
MAX_XLSX_UNPACKED = 60 * 1024 * 1024
MAX_XLSX_RATIO = 100
PREVIEW_ROWS = 20
BATCH = 1000

# File-level refusals: nothing is read further and nothing is written.
EMPTY_FILE = "The file is empty."
NO_DATA_ROWS = "The file has a header row but no data rows."
TOO_LARGE = "The file is {size} MB; the limit is {limit} MB. Split the roster into several files."
BINARY = "This is not a CSV or Excel file (it contains binary data). Export the roster as CSV (UTF-8) or .xlsx."
OLD_XLS = "This is an old Excel .xls workbook. Save it as .xlsx (Excel Workbook) or CSV UTF-8 and upload that."
BAD_XLSX = "This .xlsx file cannot be opened as an Excel workbook. Save it again from Excel, or export CSV UTF-8."
XLSX_TOO_BIG = "This workbook unpacks to more than {limit} MB; save it as CSV UTF-8 (much faster to read) or split it into several files."
XLSX_BOMB = "This workbook unpacks to {ratio:,} times its size, which no roster does; save it again from Excel or export CSV UTF-8."
PARSE_TOO_SLOW = "Reading this file took longer than {seconds} seconds (stopped at row {row}); save it as CSV UTF-8 or split it into several files."
UNKNOWN_TYPE = "Upload a .csv or .xlsx file."
BAD_ENCODING = (
    "The file's text encoding could not be recognised: it is not UTF-8, UTF-16 or Windows Arabic (cp1256). "
    "In Excel use “Save as → CSV UTF-8”."
)
TOO_MANY_ROWS = "The file has more than {limit} rows; split it into several files."
NUL_IN_ROW = "Row {row} contains a NUL byte (binary data); nothing was read. Export the roster again as CSV (UTF-8) or .xlsx."
CELL_TOO_LONG = "Row {row} has a cell longer than {limit:,} characters (often a missing closing quote); nothing was read. Correct the row and upload the file again."
NO_NAME_COLUMN = "No column is chosen for the name in Latin script; every person needs one."
UNKNOWN_COLUMN = "The column “{column}” is not in the file."
NOT_PREVIEWED = "Check the rows (preview) before importing."
ALREADY_DONE = "This import has already run."
REGISTRY_CHANGED = "The registry changed while importing (another import or registration took one of these numbers). Nothing was written: check the file again."

# Row-level reasons.
MISSING_NAME = "Missing name (Latin script)."
BAD_SEX = "Unknown sex “{value}”: use M, F, X or U."
BAD_NATIONALITY = "Unknown nationality “{value}”: use a country name or its ISO code (e.g. IR)."
BAD_LANGUAGE = "Unknown language “{value}”."
UNKNOWN_CAMP = "Unknown camp “{value}”: create the camp first or correct the name."
BAD_DATE = "{label}: {message}"
FORMULA = "Column “{column}” holds a formula or starts with a formula character (= + - @); paste plain values."
TOO_LONG = "Column “{column}” is longer than {limit} characters."
DUPLICATE_EXTERNAL_ID = "Duplicate external record id “{value}” (also on row {row})."
DUPLICATE_NUMBER_IN_FILE = "Duplicate registration number {label} (also on row {row})."
NUMBER_TAKEN = "Registration number {label} already belongs to {reference}, whose name differs."
DOCUMENT_NEEDS_COUNTRY = "An identity document needs its issuing country (or the person's nationality)."
BAD_DOCUMENT_KIND = "Unknown document type “{value}”."
LIKELY_DUPLICATE = "Likely duplicate of {reference} (score {score}: {reasons})"
LIKELY_DUPLICATE_ROW = "Likely duplicate of row {row} (score {score}: {reasons})"
ALREADY_REGISTERED = "Already registered as {reference} ({why})."


class ImportRefused(DomainError):
    code = "import_refused"


# ---------------------------------------------------------------------------------------------------------
# Target fields and column mapping


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    synonyms: tuple[str, ...] = ()
    max_length: int = 200
    required: bool = False


REGISTRATION_TARGETS = {f"reg_{issuer}": issuer for issuer in choices.RegistrationIssuer.values}

TARGETS: list[Target] = [
    Target("external_id", "External record id", ("external id", "id", "record id", "roster id", "ref"), 80),
    Target("full_name_latin", "Name (Latin script)", ("name", "full name", "name latin", "latin name", "english name", "name (latin)"), required=True),
    Target("full_name_original", "Name (original script)", ("name original", "original name", "name persian", "persian name", "arabic name", "نام", "الاسم", "name (original)")),
    Target("original_script", "Script of the original name", ("script",), 8),
    Target("other_names", "Aliases and other spellings (separated by ;)", ("aliases", "alias", "other names", "also known as", "aka")),
    Target("sex", "Sex", ("sex", "gender", "جنسیت", "الجنس"), 20),
    Target("birth_date", "Date of birth (YYYY, YYYY-MM or YYYY-MM-DD)", ("date of birth", "birth date", "dob", "born", "birth year", "تاریخ تولد")),
    Target("nationality", "Nationality", ("nationality", "citizenship", "country", "ملیت", "الجنسية"), 60),
    Target("languages", "Languages (separated by ;)", ("languages", "language")),
    Target("camp", "Camp", ("camp", "camp name", "location", "اردوگاه", "مخيم")),
    Target("residence_since", "Living in the camp since", ("since", "arrival", "arrival date", "residence since", "arrived")),
    *[
        Target(name, f"Registration number: {choices.RegistrationIssuer(issuer).label}", (f"{issuer} number", f"{issuer} no", f"{issuer} registration", f"{issuer} id"), 60)
        for name, issuer in REGISTRATION_TARGETS.items()
    ],
    Target("document_kind", "Identity document type", ("document type", "doc type", "id type"), 40),
    Target("document_number", "Identity document number", ("document number", "document no", "passport number", "passport no", "id number"), 60),
    Target("document_country", "Document issuing country", ("issuing country", "document country", "issued by"), 60),
    Target("notes", "Notes", ("notes", "remarks", "comment", "comments"), 2000),
]
TARGET_BY_NAME = {t.name: t for t in TARGETS}


def _header_key(text: str) -> str:
    return names.normalize(text).replace("_", " ")


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Map target fields to the file's column names by exact or synonym match (header names are kept)."""
    keyed = {_header_key(h): h for h in headers if h and h.strip()}
    mapping: dict[str, str] = {}
    for target in TARGETS:
        for candidate in (target.name.replace("_", " "), _header_key(target.label), *target.synonyms):
            column = keyed.get(_header_key(candidate))
            if column and column not in mapping.values():
                mapping[target.name] = column
                break
    return mapping


def check_mapping(headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """Keep the mapped targets that name a real column; refuse a mapping without a name column."""
    clean = {t: c for t, c in mapping.items() if t in TARGET_BY_NAME and c}
    for column in clean.values():
        if column not in headers:
            raise ImportRefused(UNKNOWN_COLUMN.format(column=column), code="unknown_column")
    if "full_name_latin" not in clean:
        raise ImportRefused(NO_NAME_COLUMN, code="no_name_column")
    return clean


# ---------------------------------------------------------------------------------------------------------
# Parse


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    file_format: str
    encoding: str = ""
    formula_cells: set[tuple[int, int]] = field(default_factory=set)  # (row index, column index) of XLSX formulas
    row_numbers: list[int] = field(default_factory=list)  # each data row's number in the file (blank rows skipped)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise ImportRefused(BAD_ENCODING, code="bad_encoding") from None
    try:
        text = data.decode("utf-8-sig")
        return text, "UTF-8 with byte-order mark" if data.startswith(b"\xef\xbb\xbf") else "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1256")
    except UnicodeDecodeError:
        raise ImportRefused(BAD_ENCODING, code="bad_encoding") from None
    # cp1256 decodes almost any bytes; accept it only if the non-ASCII letters are mostly Arabic script.
    letters = [ch for ch in text if ord(ch) > 127 and ch.isalpha()]
    arabic = sum(1 for ch in letters if "\u0600" <= ch <= "\u06ff")
    if letters and arabic / len(letters) < 0.8:
        raise ImportRefused(BAD_ENCODING, code="bad_encoding")
    return text, "Windows Arabic (cp1256)"


def _read_csv(data: bytes) -> Table:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(BINARY, code="binary_file")
    text, encoding = _decode(data)
    if "\x00" in text[:8192]:
        raise ImportRefused(BINARY, code="binary_file")
    if (nul := text.find("\x00")) >= 0:  # past the sniffed start: name the row rather than fail later
        raise ImportRefused(NUL_IN_ROW.format(row=text.count("\n", 0, nul) + 1), code="binary_file")
    sample = text[:16384]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows, numbers = [], []
    try:
        for row in reader:
            if len(rows) > MAX_ROWS:
                raise ImportRefused(TOO_MANY_ROWS.format(limit=MAX_ROWS), code="too_many_rows")
            rows.append([cell.strip() for cell in row])
            numbers.append(reader.line_num)  # the line the record ends on, as a spreadsheet numbers it
    except csv.Error:  # a cell past the csv module's field limit (an unclosed quote swallows the rest)
        raise ImportRefused(CELL_TOO_LONG.format(row=len(rows) + 1, limit=csv.field_size_limit()), code="cell_too_long") from None
    return _table(rows, "csv", encoding, numbers)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_XLSX_UNPACKED:
                raise ImportRefused(XLSX_TOO_BIG.format(limit=MAX_XLSX_UNPACKED // (1024 * 1024)), code="xlsx_too_big")
            if unpacked > 1024 * 1024 and unpacked > MAX_XLSX_RATIO * len(data):
                raise ImportRefused(XLSX_BOMB.format(ratio=unpacked // max(len(data), 1)), code="xlsx_bomb")
            if "xl/workbook.xml" not in archive.namelist():
                raise ImportRefused(BAD_XLSX, code="bad_xlsx")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except ImportRefused:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise ImportRefused(BAD_XLSX, code="bad_xlsx") from None
    sheet = workbook.worksheets[0]
    rows, formula_columns, numbers = [], [], []
    # Values only (much faster than cell objects); with data_only=False a formula cell's value is its
    # formula text, "=…", which is how it is recognised.
    deadline = time.monotonic() + parse_seconds()
    for r, row in enumerate(sheet.iter_rows(values_only=True)):
        if r > MAX_ROWS:
            raise ImportRefused(TOO_MANY_ROWS.format(limit=MAX_ROWS), code="too_many_rows")
        if r % 1000 == 0 and time.monotonic() > deadline:
            workbook.close()
            raise ImportRefused(PARSE_TOO_SLOW.format(seconds=parse_seconds(), row=r + 1), code="parse_too_slow")
        values = [_cell_text(value) for value in row]
        if any(values):  # blank rows are dropped here, so formula positions stay aligned with the rows kept
            rows.append(values)
            numbers.append(r + 1)
            formula_columns.append({c for c, value in enumerate(row) if isinstance(value, str) and value.startswith("=")})
    workbook.close()
    table = _table(rows, "xlsx", "", numbers)
    table.formula_cells = {(i, c) for i, columns in enumerate(formula_columns[1:]) for c in columns}
    return table


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(rows: list[list[str]], file_format: str, encoding: str, numbers: list[int] | None = None) -> Table:
    """Header and data rows, blank rows dropped; `numbers` are the rows' numbers in the file (1-based)."""
    numbers = numbers or list(range(1, len(rows) + 1))
    kept = [(n, row) for n, row in zip(numbers, rows) if any(cell for cell in row)]
    if not kept:
        raise ImportRefused(EMPTY_FILE, code="empty_file")
    headers = [h.strip() for h in kept[0][1]]
    width = len(headers)
    body = [(row + [""] * width)[:width] if len(row) != width else row for _, row in kept[1:]]
    if not body:
        raise ImportRefused(NO_DATA_ROWS, code="no_data_rows")
    return Table(headers=headers, rows=body, file_format=file_format, encoding=encoding, row_numbers=[n for n, _ in kept[1:]])


def parse_seconds() -> int:
    """How long reading one uploaded file may take (settings.IMPORT_PARSE_SECONDS, 20 unless configured): less
    than the web server's worker timeout, so a hostile file gets a message, never a killed worker."""
    return getattr(settings, "IMPORT_PARSE_SECONDS", 20)


def max_bytes() -> int:
    """The largest roster file accepted (settings.IMPORT_MAX_BYTES, 20 MB unless configured)."""
    return getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024)


def read_table(data: bytes, *, label: str) -> Table:
    """Parse an uploaded roster, or raise ImportRefused saying why it cannot be read."""
    check_size(len(data))
    extension = label.rsplit(".", 1)[-1].lower() if "." in label else ""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(OLD_XLS, code="old_xls")
    if data.startswith(b"PK\x03\x04"):
        if extension not in ("xlsx", "csv"):
            raise ImportRefused(UNKNOWN_TYPE, code="unknown_type")
        return _read_xlsx(data)  # an .xlsx renamed .csv is still read as what it is
    if extension == "xlsx":
        raise ImportRefused(BAD_XLSX, code="bad_xlsx")
    if extension not in ("csv", "txt", "tsv"):
        raise ImportRefused(UNKNOWN_TYPE, code="unknown_type")
    return _read_csv(data)


def check_size(size: int) -> None:
    """Refuse a file above the limit before reading it (uploads and the command call this first)."""
    if size > max_bytes():
        limit = f"{max_bytes() / 1048576:g}"
        raise ImportRefused(TOO_LARGE.format(size=round(size / 1048576, 1), limit=limit), code="file_too_large")
    if size == 0:
        raise ImportRefused(EMPTY_FILE, code="empty_file")


# ---------------------------------------------------------------------------------------------------------
# Validate


@dataclass
class Row:
    number: int  # the row number in the file, the header being row 1
    cells: list[str]
    values: dict[str, str]
    reasons: list[str] = field(default_factory=list)
    person: dict = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    registrations: list[tuple[str, str]] = field(default_factory=list)
    document: tuple[str, str, str] | None = None
    camp: Camp | None = None
    residence_since: datetime.date | None = None
    skipped: str = ""
    facts: duplicates.Facts | None = None
    numbers: list[tuple[str, str, str]] = field(default_factory=list)  # (issuer or doc:kind:country, compact, label)


@dataclass
class Validation:
    table: Table
    rows: list[Row]

    @property
    def accepted(self) -> list[Row]:
        return [r for r in self.rows if not r.reasons and not r.skipped]

    @property
    def rejected(self) -> list[Row]:
        return [r for r in self.rows if r.reasons]

    @property
    def skipped(self) -> list[Row]:
        return [r for r in self.rows if r.skipped and not r.reasons]


Progress = Callable[..., None]

_SEX = {
    "m": "M", "male": "M", "man": "M", "مرد": "M", "ذكر": "M", "ذکر": "M",
    "f": "F", "female": "F", "woman": "F", "زن": "F", "انثى": "F", "انثی": "F", "أنثى": "F",
    "x": "X", "other": "X", "u": "U", "unknown": "U", "": "U",
}
_LANGUAGES = {code: code for code, _ in choices.LANGUAGES} | {label.casefold(): code for code, label in choices.LANGUAGES} | {
    "persian": "fa", "farsi": "fa", "arabic": "ar", "english": "en", "kurdish": "ckb", "sorani": "ckb", "kurmanji": "kmr"
}
_DOCUMENT_KINDS = {value: value for value in choices.DocumentKind.values} | {
    label.casefold(): value for value, label in choices.DocumentKind.choices
} | {"passport": "passport", "id card": "national_id", "national id": "national_id"}
_PERSIAN_LETTERS = set("پچژگکی")
_SCRIPTS = frozenset(choices.Script.values)
_ISSUER_LABELS = dict(choices.RegistrationIssuer.choices)


def _formula_like(value: str) -> bool:
    if not value:
        return False
    if value[0] in "=@":
        return True
    return value[0] in "+-" and any(ch.isalpha() or ch in "(=!" for ch in value[1:])


@functools.lru_cache(maxsize=1 << 14)
def _script_of(text: str) -> str:
    if any("\u0600" <= ch <= "\u06ff" for ch in text):
        return choices.Script.PERSIAN if any(ch in _PERSIAN_LETTERS for ch in text) else choices.Script.ARABIC
    return ""


@functools.lru_cache(maxsize=4096)
def _country(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if len(value) in (2, 3) and value.isalpha():
        code = countries.alpha2(value.upper())
        if code:
            return code
    return countries.by_name(value) or ""


def _parse_row(row: Row, *, camps: dict[str, Camp], default_since: datetime.date, columns: dict[str, str]) -> None:
    """Check one row on its own and fill in what it would create; reasons are appended, never raised."""
    v = row.values
    for target, value in v.items():
        if _formula_like(value):
            row.reasons.append(FORMULA.format(column=columns[target]))
        elif len(value) > TARGET_BY_NAME[target].max_length:
            row.reasons.append(TOO_LONG.format(column=columns[target], limit=TARGET_BY_NAME[target].max_length))
    if row.reasons:
        return
    latin = " ".join(v.get("full_name_latin", "").split())
    original = " ".join(v.get("full_name_original", "").split())
    if not latin:
        row.reasons.append(MISSING_NAME)
    sex = _SEX.get(v.get("sex", "").strip().casefold())
    if sex is None:
        row.reasons.append(BAD_SEX.format(value=v.get("sex", "")))
    try:
        birth_date, precision = parse_approximate_date(v.get("birth_date", ""))
    except ValidationError as exc:
        birth_date, precision = None, choices.DatePrecision.DAY
        row.reasons.append(BAD_DATE.format(label="Date of birth", message=exc.messages[0]))
    nationality_text = v.get("nationality", "").strip()
    stateless = nationality_text.casefold() in {"stateless", "none", "بدون تابعیت", "عديم الجنسية"}
    nationality = "" if stateless else _country(nationality_text)
    if nationality_text and not stateless and not nationality:
        row.reasons.append(BAD_NATIONALITY.format(value=nationality_text))
    languages = []
    for part in filter(None, (p.strip() for p in v.get("languages", "").replace(",", ";").replace("/", ";").split(";"))):
        code = _LANGUAGES.get(part.casefold()) or _LANGUAGES.get(part)
        if code is None:
            row.reasons.append(BAD_LANGUAGE.format(value=part))
        elif code not in languages:
            languages.append(code)
    camp_name = v.get("camp", "").strip()
    if camp_name:
        row.camp = camps.get(names.normalize(camp_name))
        if row.camp is None:
            row.reasons.append(UNKNOWN_CAMP.format(value=camp_name))
    since_text = v.get("residence_since", "").strip()
    row.residence_since = default_since
    if since_text:
        try:
            row.residence_since = parse_approximate_date(since_text)[0]
        except ValidationError as exc:
            row.reasons.append(BAD_DATE.format(label="Living in the camp since", message=exc.messages[0]))
    for target, issuer in REGISTRATION_TARGETS.items():
        number = v.get(target, "").strip()
        if number:
            row.registrations.append((issuer, number))
    document_number = v.get("document_number", "").strip()
    if document_number:
        kind_text = v.get("document_kind", "").strip().casefold()
        kind = _DOCUMENT_KINDS.get(kind_text, None) if kind_text else choices.DocumentKind.OTHER
        country = _country(v.get("document_country", "")) or nationality
        if kind is None:
            row.reasons.append(BAD_DOCUMENT_KIND.format(value=v.get("document_kind", "")))
        elif not country:
            row.reasons.append(DOCUMENT_NEEDS_COUNTRY)
        else:
            row.document = (kind, country, document_number)
    row.aliases = [a for a in dict.fromkeys(" ".join(p.split()) for p in v.get("other_names", "").replace("|", ";").split(";")) if a]
    script = v.get("original_script", "").strip().lower()
    if script not in _SCRIPTS:
        script = _script_of(original)
    row.person = {
        "full_name_latin": latin,
        "full_name_original": original,
        "original_script": script,
        "sex": sex or choices.Sex.UNKNOWN,
        "birth_date": birth_date,
        "birth_date_precision": precision,
        "nationality": nationality,
        "stateless": stateless,
        "languages": languages,
        "external_id": v.get("external_id", "").strip(),
        "contact_notes": v.get("notes", "").strip(),
    }
    row.numbers = [(issuer, names.compact_number(n), f"{_ISSUER_LABELS[issuer]} {n}") for issuer, n in row.registrations]
    if row.document:
        row.numbers.append((f"doc:{row.document[0]}:{row.document[1]}", names.compact_number(row.document[2]), row.document[2]))
    row.facts = duplicates.Facts(
        names=[latin, original, *row.aliases],
        birth_date=birth_date,
        birth_date_precision=precision,
        nationality=nationality,
        registrations={(i, c) for i, c, _ in row.numbers if not i.startswith("doc:")},
        documents={(row.document[0], row.document[1], row.numbers[-1][1])} if row.document else set(),
        external_id=row.person["external_id"],
    )


def _reason_words(match: duplicates.Match) -> str:
    return "; ".join(r.message.rstrip(".").lower() for r in match.reasons if not r.code.startswith("different"))


def _check_file_duplicates(rows: list[Row]) -> None:
    seen_external: dict[str, int] = {}
    seen_numbers: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.reasons:
            continue
        external = row.person["external_id"]
        if external:
            if external in seen_external:
                row.reasons.append(DUPLICATE_EXTERNAL_ID.format(value=external, row=seen_external[external]))
            else:
                seen_external[external] = row.number
        for issuer, compact, label in row.numbers:
            if (issuer, compact) in seen_numbers:
                row.reasons.append(DUPLICATE_NUMBER_IN_FILE.format(label=label, row=seen_numbers[(issuer, compact)]))
            else:
                seen_numbers[(issuer, compact)] = row.number


def _check_registry(rows: list[Row]) -> None:
    """Set-wise checks against the registry: already registered (skip), numbers taken, likely duplicates."""
    live = [r for r in rows if not r.reasons]
    externals = {r.person["external_id"] for r in live if r.person["external_id"]}
    known: dict[str, tuple[int, str]] = {}
    with duplicates.lookup_table("import_external_ids", externals) as cursor:
        cursor.execute(
            "SELECT p.id, p.external_id FROM people_person p JOIN import_external_ids t ON p.external_id = t.v WHERE p.external_id <> ''"
        )
        for pk, external in cursor.fetchall():
            known[external] = (pk, "same external record id")
        cursor.execute("SELECT m.survivor_id, m.merged_external_id FROM people_personmerge m JOIN import_external_ids t ON m.merged_external_id = t.v")
        for survivor, external in cursor.fetchall():
            known.setdefault(external, (survivor, "same external record id, merged into this record"))
    for row in live:
        hit = known.get(row.person["external_id"])
        if hit:
            row.skipped = ALREADY_REGISTERED.format(reference=f"P-{hit[0]:06d}", why=hit[1])
            row.person["existing"] = hit[0]

    # Registration and document numbers already used (the compact-number indexes answer these).
    live = [r for r in rows if not r.reasons and not r.skipped]
    wanted = {c for r in live for _, c, _ in r.numbers}
    taken: dict[tuple[str, str], tuple[int, list[str]]] = {}
    compact = "lower(regexp_replace(x.number, '[^[:alnum:]]', '', 'g'))"
    with duplicates.lookup_table("import_numbers", wanted) as cursor:  # joined through the compact-number indexes
        cursor.execute(
            f"SELECT x.issuer, t.v, x.person_id, p.name_keys FROM people_registration x "
            f"JOIN import_numbers t ON {compact} = t.v JOIN people_person p ON p.id = x.person_id"
        )
        for issuer, number, pk, keys in cursor.fetchall():
            taken[(issuer, number)] = (pk, keys)
        cursor.execute(
            f"SELECT 'doc:' || x.kind || ':' || x.issuing_country, t.v, x.person_id, p.name_keys FROM people_identitydocument x "
            f"JOIN import_numbers t ON {compact} = t.v JOIN people_person p ON p.id = x.person_id"
        )
        for issuer, number, pk, keys in cursor.fetchall():
            taken[(issuer, number)] = (pk, keys)
    for row in live:
        for issuer, compact, label in row.numbers:
            hit = taken.get((issuer, compact))
            if hit is None:
                continue
            pk, keys = hit
            if set(keys) & set(row.facts.keys):
                row.skipped = ALREADY_REGISTERED.format(reference=f"P-{pk:06d}", why=f"same number {label}")
                row.person["existing"] = pk
            else:
                row.reasons.append(NUMBER_TAKEN.format(label=label, reference=f"P-{pk:06d}"))
            break

    # Likely duplicates of people already registered, by exact name key.
    live = [r for r in rows if not r.reasons and not r.skipped]
    found = duplicates.find_duplicates_bulk([r.facts for r in live])
    for index, matches in found.items():
        best = matches[0]
        live[index].reasons.append(LIKELY_DUPLICATE.format(reference=best.person.reference, score=best.score, reasons=_reason_words(best)))

    # Likely duplicates within the file: each row against the earlier rows sharing a name key and born within
    # two years (or of unknown birth), so the work stays proportional to the rows, not to their square.
    live = [r for r in rows if not r.reasons and not r.skipped]
    by_key: dict[str, dict[int | None, list[Row]]] = {}
    for row in live:
        born = row.facts.birth_date.year if row.facts.birth_date else None
        earlier: dict[int, Row] = {}
        for key in row.facts.keys:
            buckets = by_key.get(key)
            if not buckets:
                continue
            years = list(buckets) if born is None else [born - 2, born - 1, born, born + 1, born + 2, None]
            for year in years:
                for other in buckets.get(year, ()):
                    earlier[other.number] = other
        for other in sorted(earlier.values(), key=lambda r: r.number):
            points, reasons = duplicates.score(row.facts, other.facts)
            if points >= duplicates.LIKELY:
                match = duplicates.Match(None, points, reasons)
                row.reasons.append(LIKELY_DUPLICATE_ROW.format(row=other.number, score=points, reasons=_reason_words(match)))
                break
        if not row.reasons:
            for key in row.facts.keys:
                by_key.setdefault(key, {}).setdefault(born, []).append(row)


def validate(
    table: Table,
    mapping: dict[str, str],
    *,
    default_since: datetime.date | None = None,
    progress: Progress | None = None,
) -> Validation:
    """Check every row; nothing is written. `mapping` maps target fields to column names of `table`."""
    mapping = check_mapping(table.headers, mapping)
    index = {target: table.headers.index(column) for target, column in mapping.items()}
    camps = {names.normalize(c.name): c for c in Camp.objects.all()}
    default_since = default_since or timezone.localdate()
    rows: list[Row] = []
    formula_columns = {c for _, c in table.formula_cells}
    for i, cells in enumerate(table.rows):
        values = {target: cells[col] for target, col in index.items()}
        row = Row(number=table.row_numbers[i] if table.row_numbers else i + 2, cells=cells, values=values)
        if formula_columns and any((i, col) in table.formula_cells for col in index.values()):
            column = next(table.headers[col] for col in index.values() if (i, col) in table.formula_cells)
            row.reasons.append(FORMULA.format(column=column))
        else:
            _parse_row(row, camps=camps, default_since=default_since, columns=mapping)
        rows.append(row)
        if progress and (i + 1) % BATCH == 0:
            progress(read=i + 1, total=len(table.rows))
    _check_file_duplicates(rows)
    _check_registry(rows)
    validation = Validation(table=table, rows=rows)
    if progress:
        progress(
            read=len(rows), total=len(rows), accepted=len(validation.accepted), rejected=len(validation.rejected),
            skipped=len(validation.skipped), force=True,
        )
    return validation


# ---------------------------------------------------------------------------------------------------------
# Commit


def _reserve_ids(count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('people_person', 'id')) FROM generate_series(1, %s)", [count])
        return [row[0] for row in cursor.fetchall()]


def _copy(model, rows: list[dict], *, progress: Progress | None = None, key: str = "") -> None:
    """Insert `rows` (field attname → value) into `model`'s table with one COPY statement.

    Row-level triggers fire as for INSERT (so history triggers record every row), constraints are checked,
    and pghistory's context, set by the statements before it in this transaction, applies. Fields a row
    leaves out take their model default; the primary key is left to its sequence unless given.
    """
    if not rows:
        return
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in rows[0])]
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        else:
            defaults[f.attname] = f.get_default()  # the default, "" for text, None otherwise
    country_fields = {f.attname for f in fields if f.get_internal_type() == "CharField" and f.__class__.__name__ == "CountryField"}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    started = time.monotonic()
    with connection.cursor() as cursor:  # the Django cursor: opens the connection inside the transaction
        with cursor.cursor.copy(sql) as copy:
            for done, row in enumerate(rows, start=1):
                values = defaults | row
                for name in country_fields:
                    values[name] = str(values[name] or "")
                copy.write_row([values[f.attname] for f in fields])
                if progress and key and done % BATCH == 0:
                    progress(**{key: done})
    if connection.queries_logged:  # so query counts in tests and debug tooling see the COPY too
        connection.queries_log.append({"sql": f"{sql} -- {len(rows)} rows", "time": f"{time.monotonic() - started:.3f}"})


def commit(validation: Validation, *, actor, team: Team, progress: Progress | None = None) -> list[int]:
    """Write every accepted row, all or nothing, one COPY per table; return the new persons' ids.

    Run inside the caller's transaction (the services use `acting()`, so history rows carry the actor).
    Ids are reserved from the sequence first, so each person's `search_text`, which holds its P- reference,
    is computed here and the row is inserted once, never updated.
    """
    accepted = validation.accepted
    if not accepted:
        return []
    ids = _reserve_ids(len(accepted))
    people, residences, registrations, documents, other_names = [], [], [], [], []
    for pk, row in zip(ids, accepted):
        p = {k: v for k, v in row.person.items() if k != "existing"}
        numbers = [n for _, n in row.registrations] + ([row.document[2]] if row.document else [])
        p.update(
            id=pk,
            owning_team_id=team.pk,
            created_by_id=actor.pk,
            search_text=names.build_search_text(
                names=[p["full_name_latin"], p["full_name_original"], *row.aliases],
                numbers=[*numbers, f"P-{pk:06d}", p["external_id"]],
            ),
            name_keys=row.facts.keys,
            search_words=names.search_words([p["full_name_latin"], p["full_name_original"], *row.aliases]),
        )
        people.append(p)
        if row.camp is not None:
            residences.append({"person_id": pk, "camp_id": row.camp.pk, "started_on": row.residence_since})
        for issuer, number in row.registrations:
            registrations.append({"person_id": pk, "issuer": issuer, "number": number})
        if row.document:
            kind, country, number = row.document
            documents.append({"person_id": pk, "kind": kind, "issuing_country": country, "number": number})
        for alias in row.aliases:
            if alias != p["full_name_latin"]:
                other_names.append({"person_id": pk, "name": alias, "script": _script_of(alias) or choices.Script.LATIN})
    with connection.cursor() as cursor:
        # COPY goes to psycopg directly, past Django's execute wrappers, and pghistory's wrapper (which sets
        # the history context for the transaction) skips SELECTs: this statement carries the context, and
        # names the session in pg_stat_activity while the import runs.
        cursor.execute("SET LOCAL application_name = 'people_import'")
    _copy(Person, people, progress=progress, key="created")
    if progress:
        progress(created=len(people), force=True)
    for model, rows in ((Residence, residences), (Registration, registrations), (IdentityDocument, documents), (PersonName, other_names)):
        _copy(model, rows)
    return ids


# ---------------------------------------------------------------------------------------------------------
# Progress: written through a connection of its own, so a polling page sees it before the import commits.


class JobProgress:
    """Update an ImportJob's counts at most every `interval` seconds, outside the importer's transaction."""

    def __init__(self, job_id: int | None, *, echo: Progress | None = None, interval: float = 0.5):
        self.job_id = job_id
        self.echo = echo
        self.interval = interval
        self.last = 0.0
        self.counts: dict[str, int] = {}
        self._connection = None

    def __call__(self, *, force: bool = False, **counts) -> None:
        self.counts.update({k: v for k, v in counts.items() if v is not None})
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        if self.echo:
            self.echo(**self.counts)
        if self.job_id is None:
            return
        columns = {"read": "rows_read", "accepted": "rows_accepted", "rejected": "rows_rejected", "skipped": "rows_skipped", "created": "rows_created", "total": "rows_total"}
        sets = [(columns[k], v) for k, v in self.counts.items() if k in columns]
        if not sets:
            return
        if self._connection is None:
            self._connection = connections.create_connection("default")
        with self._connection.cursor() as cursor:
            cursor.execute(
                "UPDATE people_importjob SET " + ", ".join(f"{c} = %s" for c, _ in sets) + ", updated_at = now() WHERE id = %s",
                [v for _, v in sets] + [self.job_id],
            )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


# ---------------------------------------------------------------------------------------------------------
# Services: what the page and the command call.


def import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _check_team(actor, team: Team) -> None:
    ids = visible_team_ids(actor)
    if team is None or (ids is not None and team.pk not in ids):
        raise ValidationError({"team": TEAM_NOT_YOURS}, code="team_not_yours")


def import_upload(*, actor, data: bytes, label: str, team: Team) -> ImportJob:
    """Check and store a roster file; return its job with the headers and a guessed column mapping."""
    require_perm(actor, "people.add_person")
    _check_team(actor, team)
    check_size(len(data))
    from core.uploads import clean_label

    label = clean_label(label)
    table = read_table(data, label=label)
    # The parsed table is kept, not the file: the check and the import read it back without parsing the
    # spreadsheet again (openpyxl needs ~25 s for 100,000 rows), and the formula cells go with it.
    stored = f"{uuid.uuid4().hex}.json.gz"
    payload = {"headers": table.headers, "rows": table.rows, "formula_cells": sorted(table.formula_cells), "row_numbers": table.row_numbers}
    (import_dir() / stored).write_bytes(gzip.compress(json.dumps(payload, ensure_ascii=False).encode("utf-8"), compresslevel=1))
    with acting(actor, "import_upload"):
        return ImportJob.objects.create(
            created_by=actor, team=team, file_label=label, stored_name=stored, file_format=table.file_format,
            encoding=table.encoding, headers=table.headers, mapping=guess_mapping(table.headers), rows_total=len(table.rows),
        )


def job_for(*, actor, pk: int) -> ImportJob:
    """The import job if `actor` may see it (its creator, the supervisors of its team, administrators), else
    OutOfScope (404)."""
    from people.scoping import supervised_team_ids

    job = ImportJob.objects.select_related("team", "created_by").filter(pk=pk).first()
    supervised = supervised_team_ids(actor)
    if job is None or not (job.created_by_id == actor.pk or supervised is None or job.team_id in supervised):
        raise OutOfScope("No such import.")
    return job


def _load(job: ImportJob) -> Table:
    path = import_dir() / job.stored_name
    if not job.stored_name or not path.exists():
        raise ImportRefused("The uploaded file is no longer stored; upload it again.", code="file_gone")
    payload = json.loads(gzip.decompress(path.read_bytes()))
    return Table(
        headers=payload["headers"], rows=payload["rows"], file_format=job.file_format, encoding=job.encoding,
        formula_cells={tuple(cell) for cell in payload["formula_cells"]}, row_numbers=payload["row_numbers"],
    )


def _report(validation: Validation) -> dict:
    return {
        "rejected": [{"row": r.number, "reasons": r.reasons, "cells": r.cells} for r in validation.rejected],
        "skipped": [{"row": r.number, "reason": r.skipped, "cells": r.cells} for r in validation.skipped],
        "preview": [
            {
                "row": r.number,
                "name": r.person["full_name_latin"],
                "original": r.person["full_name_original"],
                "born": r.values.get("birth_date", ""),
                "camp": r.camp.name if r.camp else "",
                "numbers": ", ".join(n for _, n in r.registrations),
            }
            for r in validation.accepted[:PREVIEW_ROWS]
        ],
    }


def _since(job: ImportJob) -> datetime.date | None:
    text = job.options.get("residence_since")
    return datetime.date.fromisoformat(text) if text else None


def import_preview(*, actor, job: ImportJob, mapping: dict[str, str] | None = None, options: dict | None = None, echo: Progress | None = None) -> ImportJob:
    """Validate every row with the chosen mapping and store the report; nothing is written to the registry."""
    require_perm(actor, "people.add_person")
    if job.status in (ImportJob.Status.COMMITTED, ImportJob.Status.COMMITTING, ImportJob.Status.CANCELLED):
        raise ImportRefused(ALREADY_DONE, code="already_done")
    table = _load(job)
    mapping = check_mapping(table.headers, mapping if mapping is not None else job.mapping)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.VALIDATING, mapping=mapping, options=options if options is not None else job.options,
        rows_read=0, rows_accepted=0, rows_rejected=0, rows_skipped=0, rows_created=0, error="",
    )
    job.refresh_from_db()
    progress = JobProgress(job.pk, echo=echo)
    try:
        validation = validate(table, mapping, default_since=_since(job), progress=progress)
    finally:
        progress.close()
    job.status = ImportJob.Status.PREVIEWED
    _store_counts(job, validation)
    job.report = _report(validation)
    job.save()
    return job


def _store_counts(job: ImportJob, validation: Validation) -> None:
    job.rows_total = job.rows_read = len(validation.rows)
    job.rows_accepted, job.rows_rejected, job.rows_skipped = len(validation.accepted), len(validation.rejected), len(validation.skipped)


def claim_commit(*, actor, job: ImportJob) -> None:
    """Mark a checked job as importing, once: a second click, or a second user, is refused."""
    require_perm(actor, "people.add_person")
    _check_team(actor, job.team)
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEWED).update(
        status=ImportJob.Status.COMMITTING, rows_created=0
    )
    if not claimed:
        job.refresh_from_db()
        raise ImportRefused(ALREADY_DONE if job.status in (ImportJob.Status.COMMITTED, ImportJob.Status.COMMITTING) else NOT_PREVIEWED, code="not_previewed")
    job.status = ImportJob.Status.COMMITTING


def import_commit(*, actor, job: ImportJob, echo: Progress | None = None, claimed: bool = False) -> ImportJob:
    """Check the file again (the registry may have changed) and write every accepted row in one transaction."""
    require_perm(actor, "people.add_person")
    if not claimed:
        claim_commit(actor=actor, job=job)
    progress = JobProgress(job.pk, echo=echo)
    try:
        table = _load(job)
        validation = validate(table, job.mapping, default_since=_since(job), progress=progress)
        with acting(actor, "person_import", import_job=job.pk):
            ids = commit(validation, actor=actor, team=job.team, progress=progress)
    except IntegrityError:
        progress.close()
        _fail(job, REGISTRY_CHANGED)
        raise ImportRefused(REGISTRY_CHANGED, code="registry_changed") from None
    except Exception as exc:
        progress.close()
        _fail(job, str(exc) if isinstance(exc, DomainError) else "The import failed; nothing was written.")
        raise
    progress.close()
    job.refresh_from_db()
    _store_counts(job, validation)
    job.rows_created = len(ids)
    job.report = _report(validation)
    job.status = ImportJob.Status.COMMITTED
    job.finished_at = timezone.now()
    job.save()
    _discard_file(job)
    return job


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, error=message, finished_at=timezone.now())
    job.refresh_from_db()


def _discard_file(job: ImportJob) -> None:
    if job.stored_name:
        (import_dir() / job.stored_name).unlink(missing_ok=True)


def import_cancel(*, actor, job: ImportJob) -> ImportJob:
    """Drop an import that has not run: the stored file is deleted (once the cancel commits), the report kept."""
    require_perm(actor, "people.add_person")
    with acting(actor, "import_cancel", import_job=job.pk):
        # Locked, so an import claimed at the same moment either comes first (and is not cancelled) or sees
        # the cancel and is refused.
        locked = ImportJob.objects.select_for_update(no_key=True).get(pk=job.pk)
        if locked.status in (ImportJob.Status.COMMITTED, ImportJob.Status.COMMITTING):
            raise ImportRefused(ALREADY_DONE, code="already_done")
        locked.status = ImportJob.Status.CANCELLED
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "finished_at", "updated_at"])
        transaction.on_commit(lambda: _discard_file(locked))
    return locked


def rejected_rows_csv(job: ImportJob) -> str:
    """Every row not imported (rejected, or skipped as already registered) with its row number and reason."""
    from people.exports import neutralise

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Row", "Outcome", "Reason", *job.headers])
    items = [(r["row"], "rejected", " ".join(r["reasons"]), r["cells"]) for r in job.report.get("rejected", [])]
    items += [(r["row"], "already registered", r["reason"], r["cells"]) for r in job.report.get("skipped", [])]
    for number, outcome, reason, cells in sorted(items, key=lambda item: item[0]):
        writer.writerow([number, outcome, neutralise(reason), *(neutralise(c) for c in cells)])
    return "\ufeff" + out.getvalue()
