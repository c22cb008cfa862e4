"""Exports of the person list (scoped, filtered, formula-safe) and the printable case file."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import Evidence
from people import exports, services
from tests.assessments import builders
from tests.factories import CampFactory, LegalStatusFactory, PersonFactory, ResidenceFactory


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize(
    "value, expected",
    [("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("Ali", "Ali"), (None, "")],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


@pytest.mark.django_db
def test_csv_export_is_scoped_filtered_streamed_and_neutralised(client, caseworker, team, other_team):
    camp, other_camp = CampFactory(), CampFactory()
    inside = PersonFactory(owning_team=team, full_name_latin="=HYPERLINK(\"http://x.invalid\",\"Fictional\")")
    ResidenceFactory(person=inside, camp=camp)
    elsewhere = PersonFactory(owning_team=team, full_name_latin="Fictional Elsewhere")
    ResidenceFactory(person=elsewhere, camp=other_camp)
    ResidenceFactory(person=PersonFactory(owning_team=other_team, full_name_latin="Fictional Other Team"), camp=camp)
    client.force_login(caseworker)
    response = client.get(reverse("people:person_export", args=["csv"]), {"camp": camp.pk})
    assert response.streaming and response["Content-Disposition"].startswith('attachment; filename="people-')
    rows = _csv(response)
    assert rows[0] == exports.COLUMNS
    assert [r[0] for r in rows[1:]] == [inside.reference]  # the other camp and the other team are left out
    assert rows[1][1].startswith("'=HYPERLINK")
    assert rows[1][7] == camp.name


@pytest.mark.django_db
def test_xlsx_export_holds_text_not_formulas(client, caseworker, team):
    PersonFactory(owning_team=team, full_name_latin="@Fictional At", full_name_original="=cmd|' /C calc'!A0")
    client.force_login(caseworker)
    response = client.get(reverse("people:person_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for cell in sheet[2]]
    assert values[1] == "'@Fictional At" and values[2].startswith("'=cmd")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.django_db
def test_export_of_a_search_gives_the_ranked_matches(client, caseworker, team):
    wanted = PersonFactory(owning_team=team, full_name_latin="Fictional Mohammad Rezaei")
    services.person_reindex(person=wanted)
    other = PersonFactory(owning_team=team, full_name_latin="Fictional Zahra Karimi")
    services.person_reindex(person=other)
    client.force_login(caseworker)
    rows = _csv(client.get(reverse("people:person_export", args=["csv"]), {"q": "Muhammad Rezai"}))
    assert [r[0] for r in rows[1:]][0] == wanted.reference and other.reference not in [r[0] for r in rows[1:]]


@pytest.mark.django_db
def test_export_needs_the_permission(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get(reverse("people:person_export", args=["csv"])).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_export_writes_one_access_log_row(client, caseworker, team, fmt):
    from audit.models import AccessLog

    PersonFactory.create_batch(3, owning_team=team)
    client.force_login(caseworker)
    response = client.get(reverse("people:person_export", args=[fmt]), {"team": team.pk})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        assert len(body.decode("utf-8-sig").strip().splitlines()) == 4  # the header and the three people
    rows = list(AccessLog.objects.filter(what=f"export_{fmt}"))
    assert len(rows) == 1 and rows[0].user == caseworker and rows[0].outcome == "viewed"


@pytest.mark.django_db
def test_xlsx_above_the_limit_is_refused_with_a_message(client, caseworker, team, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    PersonFactory.create_batch(3, owning_team=team)
    client.force_login(caseworker)
    response = client.get(reverse("people:person_export", args=["xlsx"]), follow=True)
    assert "more than the 2 an Excel export can hold" in response.content.decode()


@pytest.mark.django_db
def test_csv_export_costs_the_same_for_5_and_50_people(client, caseworker, team, django_assert_max_num_queries):
    camp = CampFactory()

    def add(n):
        for person in PersonFactory.create_batch(n, owning_team=team):
            ResidenceFactory(person=person, camp=camp)
            LegalStatusFactory(person=person)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            _csv(client.get(reverse("people:person_export", args=["csv"])))
        return len(ctx.captured_queries)

    client.force_login(caseworker)
    add(5)
    small = count()
    add(45)
    with django_assert_max_num_queries(12):
        large = count()
    assert large == small


# ---------------------------------------------------------------------------------------------------------
# The printable case file


def _evidence(assessment, user, n, *, restricted=False):
    for i in range(n):
        Evidence.objects.create(
            assessment=assessment, kind="coi", title=f"Fictional report {i}{' (restricted)' if restricted else ''}",
            source="Fictional source", added_by=user, restricted=restricted,
        )


@pytest.mark.django_db
def test_case_file_shows_the_record_and_hides_restricted_evidence_from_others(client, caseworker, supervisor, team, person):
    from core import roles
    from tests.factories import UserFactory

    assessment = builders.approved(assessor=caseworker, reviewer=supervisor, person=person)
    _evidence(assessment, caseworker, 1)
    _evidence(assessment, caseworker, 1, restricted=True)
    colleague = UserFactory(username="cw_colleague", role=roles.CASEWORKER)
    team.members.add(colleague)

    client.force_login(colleague)
    body = client.get(reverse("people:person_case_file", args=[person.pk])).content.decode()
    assert "Case file: <bdi>Fictional Reza Hosseini</bdi>" in body and assessment.reference in body
    assert "Fictional report 0" in body and "(restricted)" not in body
    assert "Some restricted evidence" in body
    assert 'href="/static/css/print.css" media="print"' in body

    for allowed in (caseworker, supervisor):  # the assessor and the team's supervisor see it
        client.force_login(allowed)
        assert "Fictional report 0 (restricted)" in client.get(reverse("people:person_case_file", args=[person.pk])).content.decode()


@pytest.mark.django_db
def test_case_file_of_someone_out_of_scope_is_not_found(client, caseworker, other_person):
    client.force_login(caseworker)
    assert client.get(reverse("people:person_case_file", args=[other_person.pk])).status_code == 404


@pytest.mark.django_db
def test_case_file_costs_the_same_with_few_and_many_records(client, caseworker, team, person, django_assert_max_num_queries):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("people:person_case_file", args=[person.pk])).status_code == 200
        return len(ctx.captured_queries)

    client.force_login(caseworker)
    first = builders.start(assessor=caseworker, person=person, destination="IR", transit=("TR",))
    _evidence(first, caseworker, 2)
    small = count()
    for destination in ("AF", "SY", "PK"):
        _evidence(builders.start(assessor=caseworker, person=person, destination=destination, transit=()), caseworker, 10)
    _evidence(first, caseworker, 10, restricted=True)
    with django_assert_max_num_queries(30):
        large = count()
    assert large == small
