"""Roster import: real files written to disk, parse → validate → commit, re-import, bad input, progress."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from people import imports
from people.models import ImportJob, Person, PersonName, Registration, Residence
from tests.factories import CampFactory, PersonFactory

HEADER = ["Roster ID", "Name", "Persian name", "Aliases", "Sex", "Date of birth", "Nationality", "Camp", "UNHCR number"]


def rows_ok(camp):
    return [
        ["R-1", "Fictional Mohammad Rezaei", "محمد رضایی", "Muhammad Rezai", "M", "1971", "IR", camp.name, "LBL-1001"],
        ["R-2", "Fictional Zahra Karimi", "زهرا کریمی", "", "F", "1980-03", "Iran", camp.name, "LBL-1002"],
        ["R-3", "Fictional Behrouz Tehrani", "بهروز تهرانی", "", "male", "1965-07-21", "IR", "", "LBL-1003"],
    ]


def rows_bad(camp):
    return [
        ["R-4", "", "مریم", "", "F", "1990", "IR", camp.name, "LBL-2001"],  # missing Latin name
        ["R-5", "Fictional Bad Date", "", "", "F", "21/03/1979", "IR", camp.name, "LBL-2002"],  # bad date
        ["R-6", "Fictional Unknown Camp", "", "", "M", "1970", "IR", "Camp Nowhere (fictional)", "LBL-2003"],
        ["R-7", "Fictional Same Number", "", "", "M", "1972", "IR", camp.name, "LBL-1001"],  # repeats row 2's number
        ["R-8", "=HYPERLINK(\"http://x.invalid\")", "", "", "M", "1972", "IR", camp.name, "LBL-2005"],  # formula
    ]


def write_csv(path, rows, *, encoding="utf-8", header=HEADER, delimiter=","):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def upload(actor, team, path):
    return imports.import_upload(actor=actor, data=path.read_bytes(), label=path.name, team=team)


@pytest.fixture
def camp(db):
    return CampFactory(name="Camp Golestan (fictional)")


@pytest.mark.django_db
def test_preview_lists_every_rejected_row_with_its_number_and_reason_and_writes_nothing(tmp_path, caseworker, team, camp):
    existing = PersonFactory(full_name_latin="Fictional Leila Hashemi", full_name_original="لیلا هاشمی", birth_date=datetime.date(1975, 1, 1), owning_team=team)
    from people.services import person_reindex

    person_reindex(person=existing)
    likely = ["R-9", "Fictional Leyla Hachemi", "", "", "F", "1975", "IR", camp.name, "LBL-2006"]
    path = write_csv(tmp_path / "roster.csv", rows_ok(camp) + rows_bad(camp) + [likely])
    before = Person.objects.count()
    job = imports.import_preview(actor=caseworker, job=upload(caseworker, team, path))
    reasons = {r["row"]: " ".join(r["reasons"]) for r in job.report["rejected"]}
    assert (job.rows_read, job.rows_accepted, job.rows_rejected) == (9, 3, 6)
    assert reasons[5] == imports.MISSING_NAME
    assert "Date of birth: Enter the date as YYYY" in reasons[6]
    assert reasons[7] == imports.UNKNOWN_CAMP.format(value="Camp Nowhere (fictional)")
    assert reasons[8] == imports.DUPLICATE_NUMBER_IN_FILE.format(label="UNHCR LBL-1001", row=2)
    assert reasons[9] == imports.FORMULA.format(column="Name")
    assert reasons[10].startswith(f"Likely duplicate of {existing.reference} (score ")
    assert job.encoding == "UTF-8" and job.status == ImportJob.Status.PREVIEWED
    assert Person.objects.count() == before  # nothing written by the preview


@pytest.mark.django_db
def test_commit_writes_accepted_rows_and_a_reimport_creates_no_duplicates(tmp_path, caseworker, team, camp):
    path = write_csv(tmp_path / "roster.csv", rows_ok(camp) + rows_bad(camp))
    job = imports.import_commit(actor=caseworker, job=imports.import_preview(actor=caseworker, job=upload(caseworker, team, path)))
    assert job.status == ImportJob.Status.COMMITTED and job.rows_created == 3
    person = Person.objects.get(external_id="R-1")
    assert person.owning_team == team and person.created_by == caseworker
    assert person.birth_date == datetime.date(1971, 1, 1) and person.birth_date_precision == "year"
    assert Person.objects.get(external_id="R-2").birth_date_precision == "month"
    assert Residence.objects.get(person=person).camp == camp
    assert Registration.objects.get(person=person).number == "LBL-1001"
    assert PersonName.objects.get(person=person).name == "Muhammad Rezai"
    assert person.reference.lower().replace("-", "") in person.search_text and "lbl1001" in person.search_text
    assert person.name_keys  # set for later duplicate checks
    assert not (imports.import_dir() / job.stored_name).exists()  # the roster file is not kept

    again = imports.import_commit(actor=caseworker, job=imports.import_preview(actor=caseworker, job=upload(caseworker, team, path)))
    assert again.rows_created == 0 and again.rows_skipped == 3
    assert Person.objects.filter(external_id__startswith="R-").count() == 3
    assert again.report["skipped"][0]["reason"] == imports.ALREADY_REGISTERED.format(reference=person.reference, why="same external record id")


@pytest.mark.django_db
def test_reimport_without_external_ids_matches_by_registration_number(tmp_path, caseworker, team, camp):
    rows = [row[1:] for row in rows_ok(camp)]
    path = write_csv(tmp_path / "no-ids.csv", rows, header=HEADER[1:])
    imports.import_commit(actor=caseworker, job=imports.import_preview(actor=caseworker, job=upload(caseworker, team, path)))
    again = imports.import_preview(actor=caseworker, job=upload(caseworker, team, path))
    assert (again.rows_accepted, again.rows_skipped) == (0, 3)
    assert "same number UNHCR LBL-1001" in again.report["skipped"][0]["reason"]


@pytest.mark.django_db
def test_a_failure_during_commit_writes_nothing(tmp_path, caseworker, team, camp, monkeypatch):
    path = write_csv(tmp_path / "roster.csv", rows_ok(camp))
    job = imports.import_preview(actor=caseworker, job=upload(caseworker, team, path))

    real_copy = imports._copy

    def boom(model, rows, **kwargs):  # persons are already written when the registrations fail
        if model is Registration:
            raise IntegrityError("simulated race on a unique number")
        return real_copy(model, rows, **kwargs)

    monkeypatch.setattr(imports, "_copy", boom)
    with pytest.raises(imports.ImportRefused) as caught:
        imports.import_commit(actor=caseworker, job=job)
    assert caught.value.code == "registry_changed"
    assert not Person.objects.filter(external_id__startswith="R-").exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.error == imports.REGISTRY_CHANGED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "encoding, reported", [("utf-8-sig", "UTF-8 with byte-order mark"), ("cp1256", "Windows Arabic (cp1256)"), ("utf-16", "UTF-16")]
)
def test_encodings_are_recognised_and_reported(tmp_path, caseworker, team, camp, encoding, reported):
    rows = [["R-1", "Fictional Ali Ahmadi", "علي أحمدي", "", "M", "1970", "IQ", camp.name, "ENC-1"]]
    path = write_csv(tmp_path / "roster.csv", rows, encoding=encoding, delimiter="\t" if encoding == "utf-16" else ",")
    job = imports.import_commit(actor=caseworker, job=imports.import_preview(actor=caseworker, job=upload(caseworker, team, path)))
    assert job.encoding == reported
    assert Person.objects.get(external_id="R-1").full_name_original == "علي أحمدي"


@pytest.mark.django_db
def test_latin1_text_that_is_not_arabic_is_refused_not_garbled(tmp_path, caseworker, team, camp):
    path = write_csv(tmp_path / "roster.csv", [["R-1", "Fictional Hosséini Müller", "", "", "M", "1970", "IR", camp.name, "X-1"]], encoding="latin-1")
    with pytest.raises(imports.ImportRefused) as caught:
        upload(caseworker, team, path)
    assert caught.value.code == "bad_encoding" and caught.value.message == imports.BAD_ENCODING


@pytest.mark.django_db
def test_xlsx_with_dates_and_a_formula_cell(tmp_path, caseworker, team, camp):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["X-1", "Fictional Narges Rahimi", "نرگس رحیمی", "", "F", datetime.datetime(1982, 5, 4), "IR", camp.name, 991001])
    sheet.append([])  # a blank row: skipped, and the next row keeps its number in the workbook
    sheet.append(["X-2", "Fictional Formula Row", "", "", "F", "1980", "IR", camp.name, "=1+1"])
    path = tmp_path / "roster.xlsx"
    workbook.save(path)
    job = imports.import_preview(actor=caseworker, job=upload(caseworker, team, path))
    assert job.file_format == "xlsx" and (job.rows_accepted, job.rows_rejected) == (1, 1)
    assert job.report["rejected"][0]["reasons"] == [imports.FORMULA.format(column="UNHCR number")]
    assert job.report["rejected"][0]["row"] == 4
    imports.import_commit(actor=caseworker, job=job)
    person = Person.objects.get(external_id="X-1")
    assert person.birth_date == datetime.date(1982, 5, 4) and person.registrations.get().number == "991001"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, content, code",
    [
        ("empty.csv", b"", "empty_file"),
        ("header-only.csv", b"Name,Sex\n", "no_data_rows"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary_file"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old_xls"),
        ("broken.xlsx", b"this is not a zip", "bad_xlsx"),
        ("notes.pdf", b"%PDF-1.4 fictional", "unknown_type"),
    ],
)
def test_bad_files_get_a_clear_message_and_nothing_is_stored(tmp_path, caseworker, team, name, content, code):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(imports.ImportRefused) as caught:
        upload(caseworker, team, path)
    assert caught.value.code == code
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path, caseworker, team, monkeypatch):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    monkeypatch.setattr(type(path), "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(CommandError) as caught:
        call_command("import_people", str(path), team=team.name, user=caseworker.username)
    assert str(caught.value) == imports.TOO_LARGE.format(size=50.0, limit=20)


@pytest.mark.django_db
def test_a_file_without_a_name_column_is_refused_at_the_check(tmp_path, caseworker, team):
    path = write_csv(tmp_path / "wrong.csv", [["a", "b"]], header=["Colour", "Size"])
    job = upload(caseworker, team, path)
    assert "full_name_latin" not in job.mapping
    with pytest.raises(imports.ImportRefused) as caught:
        imports.import_preview(actor=caseworker, job=job)
    assert caught.value.message == imports.NO_NAME_COLUMN


@pytest.mark.django_db
def test_the_importer_may_only_choose_their_own_teams(tmp_path, caseworker, other_team, camp):
    from django.core.exceptions import ValidationError

    path = write_csv(tmp_path / "roster.csv", rows_ok(camp))
    with pytest.raises(ValidationError) as caught:
        upload(caseworker, other_team, path)
    from people.services import TEAM_NOT_YOURS

    assert caught.value.message_dict == {"team": [TEAM_NOT_YOURS]}
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_commit_uses_a_constant_number_of_statements(tmp_path, caseworker, team, camp):
    def run(n, prefix):
        rows = [[f"{prefix}-{i}", f"Fictional Person {prefix} {i:05d}", "", "", "F", "1980", "IR", camp.name, f"{prefix}-N-{i}"] for i in range(n)]
        job = imports.import_preview(actor=caseworker, job=upload(caseworker, team, write_csv(tmp_path / f"{prefix}.csv", rows)))
        with CaptureQueriesContext(connection) as ctx:
            imports.import_commit(actor=caseworker, job=job)
        return len(ctx.captured_queries)

    small, large = run(20, "S"), run(600, "L")
    assert Person.objects.filter(external_id__startswith="L-").count() == 600
    assert large == small  # one COPY per table (counted too): the statement count does not grow with the rows


@pytest.mark.django_db
def test_the_command_checks_then_commits(tmp_path, caseworker, team, camp):
    path = write_csv(tmp_path / "roster.csv", rows_ok(camp) + rows_bad(camp))
    out = io.StringIO()
    call_command("import_people", str(path), team=team.name, user=caseworker.username, stdout=out)
    assert "row 5: rejected: " + imports.MISSING_NAME in out.getvalue()
    assert "Nothing was written" in out.getvalue() and not Person.objects.filter(external_id="R-1").exists()
    report = tmp_path / "not-imported.csv"
    out = io.StringIO()
    call_command("import_people", str(path), team=team.name, user=caseworker.username, commit=True, not_imported=str(report), stdout=out)
    assert "Imported 3 people" in out.getvalue() and Person.objects.filter(external_id__startswith="R-").count() == 3
    lines = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8").lstrip("\ufeff"))))
    assert lines[0][:3] == ["Row", "Outcome", "Reason"] and len(lines) == 6
    formula_row = next(line for line in lines if line[0] == "9")
    assert formula_row[3 + 1].startswith("'=")  # the formula cell is neutralised in the download


@pytest.mark.django_db
def test_the_pages_upload_check_import_and_download(client, tmp_path, caseworker, team, camp):
    client.force_login(caseworker)
    path = write_csv(tmp_path / "roster.csv", rows_ok(camp) + rows_bad(camp))
    with open(path, "rb") as handle:
        response = client.post(reverse("people:import_start"), {"file": handle, "team": team.pk}, follow=True)
    assert "roster.csv” uploaded: 8 rows. Text encoding: UTF-8." in response.content.decode()
    job = ImportJob.objects.get()
    data = {f"map_{target}": column for target, column in job.mapping.items()}
    response = client.post(reverse("people:import_check", args=[job.pk]), data, follow=True)
    body = response.content.decode()
    assert "Checked 8 rows: 3 can be imported, 5 would be rejected" in body
    assert imports.MISSING_NAME in body and "Import 3 people" in body
    assert Person.objects.filter(external_id__startswith="R-").count() == 0
    progress = client.get(reverse("people:import_progress", args=[job.pk]))
    assert progress["HX-Refresh"] == "true" and "Rows read" in progress.content.decode()
    response = client.post(reverse("people:import_commit", args=[job.pk]), follow=True)
    assert "Imported 3 people into Field Team A." in response.content.decode()
    download = client.get(reverse("people:import_not_imported", args=[job.pk]))
    assert download["Content-Type"].startswith("text/csv") and "Missing name" in download.content.decode()
    assert client.post(reverse("people:import_commit", args=[job.pk]), follow=True).status_code == 200
    assert Person.objects.filter(external_id__startswith="R-").count() == 3  # a second click imports nothing


@pytest.mark.django_db
def test_the_upload_page_refuses_an_oversized_file_with_a_message(client, tmp_path, caseworker, team, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    client.force_login(caseworker)
    path = tmp_path / "big.csv"
    path.write_text("Name\n" + "Fictional Person\n" * 100_000, encoding="utf-8")
    with open(path, "rb") as handle:
        response = client.post(reverse("people:import_start"), {"file": handle, "team": team.pk})
    assert imports.TOO_LARGE.format(size=1.6, limit="1") in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_someone_elses_import_is_not_found(client, caseworker, other_caseworker, team, tmp_path, camp):
    job = upload(caseworker, team, write_csv(tmp_path / "roster.csv", rows_ok(camp)))
    client.force_login(other_caseworker)
    assert client.get(reverse("people:import_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("people:import_not_imported", args=[job.pk])).status_code == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_is_visible_to_another_connection_while_the_import_transaction_is_open(tmp_path, caseworker, team, camp):
    """The page polls the job row from another request; the counts must be committed while the import's own
    transaction is still open."""
    from django.db import connections, transaction

    job = upload(caseworker, team, write_csv(tmp_path / "roster.csv", rows_ok(camp)))
    observer = connections.create_connection("default")
    progress = imports.JobProgress(job.pk, interval=0)
    try:
        with transaction.atomic():
            Person.objects.create(full_name_latin="Fictional Uncommitted", owning_team=team)
            progress(read=2, total=3, accepted=1, force=True)
            with observer.cursor() as cursor:
                cursor.execute("SELECT rows_read, rows_accepted FROM people_importjob WHERE id = %s", [job.pk])
                seen = cursor.fetchone()
                cursor.execute("SELECT count(*) FROM people_person WHERE full_name_latin = 'Fictional Uncommitted'")
                uncommitted = cursor.fetchone()[0]
    finally:
        progress.close()
        observer.close()
    assert seen == (2, 1) and uncommitted == 0


@pytest.mark.django_db
def test_history_triggers_see_every_imported_row_with_the_importer_as_context(tmp_path, caseworker, team, camp):
    """pghistory's row triggers on people tables must fire for every row the import's COPY statements write,
    inside the pghistory context that names the actor, the action and the import job."""
    from audit import models as audit

    job = imports.import_preview(actor=caseworker, job=upload(caseworker, team, write_csv(tmp_path / "roster.csv", rows_ok(camp))))
    imports.import_commit(actor=caseworker, job=job)
    for event_model in (audit.PersonEvent, audit.RegistrationEvent):
        contexts = [e.pgh_context for e in event_model.objects.filter(pgh_label="insert")]
        assert len(contexts) == 3, event_model.__name__
        assert {(c["action"], c["user"], c["import_job"]) for c in contexts} == {("person_import", caseworker.pk, job.pk)}


@pytest.mark.django_db
def test_the_import_page_costs_the_same_with_5_and_50_rejected_rows(client, tmp_path, caseworker, team, camp, django_assert_max_num_queries):
    def job_with(bad):
        rows = rows_ok(camp) + [[f"Z-{i}", "", "", "", "F", "1980", "IR", camp.name, f"Z-N-{i}"] for i in range(bad)]
        return imports.import_preview(actor=caseworker, job=upload(caseworker, team, write_csv(tmp_path / f"z{bad}.csv", rows)))

    def count(job):
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(reverse("people:import_detail", args=[job.pk])).content.decode()
        return len(ctx.captured_queries), body.count(imports.MISSING_NAME)

    client.force_login(caseworker)
    small_job, large_job = job_with(5), job_with(50)
    small, shown_small = count(small_job)
    with django_assert_max_num_queries(12):
        large, shown_large = count(large_job)
    assert (shown_small, shown_large) == (5, 50) and large == small


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_the_background_the_page_polls_until_the_import_is_done(client, tmp_path, caseworker, team, camp, settings):
    import time

    settings.IMPORT_IN_BACKGROUND = True
    client.force_login(caseworker)
    job = upload(caseworker, team, write_csv(tmp_path / "roster.csv", rows_ok(camp) + rows_bad(camp)))

    def wait_for(status):
        for _ in range(200):
            job.refresh_from_db()
            if job.status == status:
                return
            time.sleep(0.1)
        raise AssertionError(f"job stayed {job.status}: {job.error}")

    data = {f"map_{target}": column for target, column in job.mapping.items()}
    response = client.post(reverse("people:import_check", args=[job.pk]), data, follow=True)
    assert response.status_code == 200
    wait_for(ImportJob.Status.PREVIEWED)
    assert (job.rows_accepted, job.rows_rejected) == (3, 5)
    client.post(reverse("people:import_commit", args=[job.pk]))
    wait_for(ImportJob.Status.COMMITTED)
    progress = client.get(reverse("people:import_progress", args=[job.pk]))
    assert progress["HX-Refresh"] == "true" and job.rows_created == 3
    assert Person.objects.filter(external_id__startswith="R-").count() == 3


@pytest.mark.django_db
def test_cancel_from_the_page_marks_the_job_and_deletes_the_file_once_committed(client, tmp_path, caseworker, team, camp, django_capture_on_commit_callbacks):
    job = upload(caseworker, team, write_csv(tmp_path / "roster.csv", rows_ok(camp)))
    stored = imports.import_dir() / job.stored_name
    client.force_login(caseworker)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("people:import_cancel", args=[job.pk]), follow=True)
        assert stored.exists()  # nothing is deleted before the cancel commits
    for callback in callbacks:
        callback()
    assert "Import cancelled: nothing was written" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED and job.finished_at is not None
    assert not stored.exists()


@pytest.mark.django_db
def test_cancel_checks_permission_and_changes_nothing_when_refused(tmp_path, caseworker, team, camp):
    from core.errors import PermissionDenied

    job = upload(caseworker, team, write_csv(tmp_path / "roster.csv", rows_ok(camp)))
    caseworker.is_active = False
    with pytest.raises(PermissionDenied) as refused:
        imports.import_cancel(actor=caseworker, job=job)
    assert refused.value.code == "permission_denied"
    job.refresh_from_db()
    assert job.status != ImportJob.Status.CANCELLED
    assert (imports.import_dir() / job.stored_name).exists()


@pytest.mark.django_db
def test_an_import_that_ran_cannot_be_cancelled(tmp_path, caseworker, team, camp):
    job = upload(caseworker, team, write_csv(tmp_path / "roster.csv", rows_ok(camp)))
    imports.import_preview(actor=caseworker, job=job)
    imports.import_commit(actor=caseworker, job=job)
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_cancel(actor=caseworker, job=job)
    assert refused.value.code == "already_done"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED
