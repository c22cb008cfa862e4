"""Hostile data and files: each once answered 500 or killed a worker. Now a clear message naming the row, or
the page as if nothing odd was asked, and nothing written."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from people import imports
from people.models import ImportJob
from tests.factories import PersonFactory


@pytest.mark.django_db
def test_an_excel_export_holding_control_characters_still_downloads(client, caseworker, team):
    PersonFactory(owning_team=team, full_name_latin="Fictional\x0b Vertical\x1b Tab")
    client.force_login(caseworker)
    response = client.get(reverse("people:person_export", args=["xlsx"]))
    assert response.status_code == 200
    names = [row[1] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True)]
    assert "Fictional Vertical Tab" in names


def _refused(caseworker, team, data: bytes, label: str) -> imports.ImportRefused:
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_upload(actor=caseworker, data=data, label=label, team=team)
    assert not ImportJob.objects.exists()
    return refused.value


@pytest.mark.django_db
def test_a_nul_byte_past_the_first_8_kib_names_its_row(caseworker, team):
    lines = ["Name,Sex"] + [f"Fictional Person {i},F" for i in range(1, 800)]
    lines[700] = "Fictional\x00Broken,F"
    refused = _refused(caseworker, team, "\n".join(lines).encode(), "roster.csv")
    assert "Row 701 contains a NUL byte" in refused.message


@pytest.mark.django_db
def test_a_cell_over_the_csv_field_limit_names_its_row(caseworker, team):
    data = ("Name,Sex\nFictional A,F\n\"Fictional B" + "x" * 200_000 + ",F\n").encode()
    refused = _refused(caseworker, team, data, "roster.csv")
    assert refused.code == "cell_too_long" and "Row 3 has a cell longer than" in refused.message


def _bomb() -> bytes:
    """A small .xlsx whose sheet XML unpacks to many megabytes."""
    workbook = Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                row = b'<row><c t="inlineStr"><is><t>Fictional</t></is></c></row>'
                body = body.replace(b"<sheetData></sheetData>", b"<sheetData>" + row * 200_000 + b"</sheetData>")
                assert len(body) > 10_000_000
            target.writestr(info.filename, body)
    return out.getvalue()


@pytest.mark.django_db
def test_a_decompression_bomb_is_refused_before_parsing(caseworker, team):
    data = _bomb()
    assert len(data) < 1024 * 1024
    refused = _refused(caseworker, team, data, "roster.xlsx")
    assert refused.code == "xlsx_bomb" and "times its size" in refused.message


@pytest.mark.django_db
def test_reading_a_slow_file_stops_with_a_message(caseworker, team, settings):
    settings.IMPORT_PARSE_SECONDS = 0
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Sex"])
    for i in range(2500):
        sheet.append([f"Fictional Person {i}", "F"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    refused = _refused(caseworker, team, buffer.getvalue(), "roster.xlsx")
    assert refused.code == "parse_too_slow" and "stopped at row" in refused.message


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


TAMPERED = [
    _cursor(["not a name", "not a number"]),
    _cursor(["Fictional", 10**30]),
    _cursor(["Fictional\x00", 1]),
    _cursor([1, 2, 3, 4]),
    "%%%not-base64",
]


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", TAMPERED)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_tampered_list_cursor_shows_the_first_page(client, caseworker, team, cursor, direction):
    PersonFactory(owning_team=team, full_name_latin="Fictional First Page")
    client.force_login(caseworker)
    response = client.get(reverse("people:person_list"), {direction: cursor})
    assert response.status_code == 200 and "Fictional First Page" in response.content.decode()


HISTORY_TAMPERED = [
    _cursor(["2026-02-31T10:00:00+00:00", 0, 1]),
    _cursor(["yesterday", 0, 1]),
    _cursor(["2026-01-01T10:00:00+00:00", 10**30, 1]),
    _cursor(["2026-01-01T10:00:00+00:00", 0, "x"]),
    _cursor(["2026-01-01T10:00:00\x00", 0, 1]),
]


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", HISTORY_TAMPERED)
def test_a_tampered_history_cursor_shows_the_first_page(client, supervisor, person, cursor):
    client.force_login(supervisor)
    for direction in ("after", "before"):
        response = client.get(reverse("audit:person_history", args=[person.pk]), {direction: cursor})
        assert response.status_code == 200
