"""Who saw what: one row per view, denials too (without personal data), shown to those allowed to see it."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, connections, transaction
from django.db.utils import DatabaseError
from django.test import RequestFactory, override_settings
from django.urls import resolve, reverse

from audit import access
from audit.models import AccessLog


def _rows(**filters):
    return list(AccessLog.objects.filter(**filters).order_by("id"))


@pytest.mark.django_db
def test_each_profile_view_writes_exactly_one_row(client, caseworker, person):
    client.force_login(caseworker)
    url = reverse("people:person_detail", args=[person.pk])
    client.get(url, REMOTE_ADDR="192.0.2.10")
    client.get(url, REMOTE_ADDR="192.0.2.10")
    rows = _rows(person_id=person.pk)
    assert len(rows) == 2
    row = rows[0]
    assert (row.user_id, row.username, row.what, row.object_id, row.outcome) == (caseworker.pk, "cw_a", "person", person.pk, "viewed")
    assert row.ip == "192.0.2.10" and row.route == "people:person_detail" and row.at is not None


@pytest.mark.django_db
def test_opening_the_edit_form_and_posting_it_are_a_row_each(client, caseworker, person):
    client.force_login(caseworker)
    client.get(reverse("people:person_update", args=[person.pk]))
    assert client.post(reverse("people:person_update", args=[person.pk]), {}).status_code == 200  # shown back, with errors
    assert [(r.what, r.outcome) for r in _rows(person_id=person.pk)] == [("person_edit", "viewed")] * 2


def _posted_urls(caseworker, person) -> dict[str, tuple[str, int]]:
    """POSTs that reach one person's data: URL name -> (URL, the id the log names)."""
    from assessments import services as case_services
    from tests.assessments import builders

    assessment = builders.start(assessor=caseworker, person=person)
    flag = case_services.flag_raise(actor=caseworker, person=person, reason="Fictional flag")
    consent = case_services.consent_record(
        actor=caseworker, person=person, destination="IR", transit_countries=[],
        data={"given_on": datetime.date(2026, 1, 1), "language": "fa", "conditions_explained": "Fictional",
              "no_pressure_confirmed": True, "safe_setting_confirmed": True},
    )
    return {
        "person_edit": (reverse("people:person_update", args=[person.pk]), person.pk),
        "person_record": (reverse("assessments:proposal_create", args=[person.pk]), person.pk),
        "decision_page": (reverse("assessments:decision", args=[person.pk]), person.pk),
        "assessment": (reverse("assessments:section_save", args=[assessment.pk, "conclusion"]), assessment.pk),
        "assessment_submit": (reverse("assessments:assessment_submit", args=[assessment.pk]), assessment.pk),
        "assessment_withdraw": (reverse("assessments:assessment_action", args=[assessment.pk, "withdraw"]), assessment.pk),
        "flag": (reverse("assessments:flag_resolve", args=[flag.pk]), flag.pk),
        "consent": (reverse("assessments:consent_action", args=[consent.pk, "withdraw"]), consent.pk),
    }


def _history_rows() -> int:
    from django.apps import apps

    return sum(m.objects.count() for m in apps.get_app_config("audit").get_models() if m is not AccessLog)


@pytest.mark.django_db
def test_a_post_out_of_scope_is_logged_as_denied_answers_404_and_changes_nothing(client, caseworker, other_caseworker, person):
    urls = _posted_urls(caseworker, person)
    client.force_login(other_caseworker)
    history = _history_rows()
    for key, (url, asked) in urls.items():
        assert client.post(url, {}).status_code == 404, url
        rows = _rows(user=other_caseworker, route=resolve(url).view_name)
        assert [(r.object_id, r.outcome) for r in rows] == [(asked, "denied")], url
        assert rows[0].person_id in (None, asked) and rows[0].what == key.removesuffix("_submit").removesuffix("_withdraw")
    assert _history_rows() == history


@pytest.mark.django_db
def test_a_post_in_scope_is_one_row_whether_it_saves_or_shows_its_errors(client, caseworker, person):
    urls = _posted_urls(caseworker, person)
    client.force_login(caseworker)
    for key, (url, asked) in urls.items():
        assert client.post(url, {}).status_code in (200, 302), url
        rows = _rows(user=caseworker, route=resolve(url).view_name)
        assert [(r.what, r.object_id, r.person_id, r.outcome) for r in rows] == [
            (key.removesuffix("_submit").removesuffix("_withdraw"), asked, person.pk, "viewed")
        ], url


@pytest.mark.django_db
def test_a_denied_attempt_is_logged_with_the_requested_id_only(client, other_caseworker, person):
    client.force_login(other_caseworker)
    response = client.get(reverse("people:person_detail", args=[person.pk]))
    assert response.status_code == 404
    rows = _rows(user=other_caseworker)
    assert len(rows) == 1
    row = rows[0]
    assert (row.what, row.object_id, row.person_id, row.outcome) == ("person", person.pk, person.pk, "denied")
    assert person.full_name_latin not in response.content.decode()


@pytest.mark.django_db
def test_a_missing_record_is_logged_like_an_out_of_scope_one(client, caseworker):
    client.force_login(caseworker)
    assert client.get(reverse("people:person_detail", args=[987654])).status_code == 404
    assert client.get(reverse("people:person_detail", args=[10**30])).status_code == 404  # no 500 for absurd ids
    rows = _rows(user=caseworker)
    assert [(r.object_id, r.outcome) for r in rows] == [(987654, "denied"), (None, "denied")]


@pytest.mark.django_db
def test_lists_write_no_row(client, caseworker, person):
    client.force_login(caseworker)
    client.get(reverse("people:person_list"))
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "proxy, forwarded, expected",
    [(False, "203.0.113.7, 10.0.0.1", "198.51.100.2"), (True, "203.0.113.7, 10.0.0.1", "203.0.113.7"), (True, "", "198.51.100.2"), (True, "not-an-ip", None)],
)
def test_the_address_is_the_peer_unless_behind_the_tls_proxy(proxy, forwarded, expected, caseworker):
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.2", HTTP_X_FORWARDED_FOR=forwarded)
    request.user = caseworker
    with override_settings(BEHIND_TLS_PROXY=proxy):
        assert access.client_ip(request) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql, refusal",
    [
        # The runtime role holds no UPDATE on the log; it holds DELETE (for prune_access_log), which the trigger refuses.
        ("UPDATE audit_accesslog SET username = 'someone else'", "permission denied for table audit_accesslog"),
        ("DELETE FROM audit_accesslog", "audit_append_only"),
    ],
)
def test_access_log_rows_cannot_be_updated_or_deleted(client, caseworker, person, sql, refusal):
    client.force_login(caseworker)
    client.get(reverse("people:person_detail", args=[person.pk]))
    with pytest.raises(DatabaseError, match=refusal), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert [r.username for r in _rows()] == ["cw_a"]


@pytest.mark.django_db(databases=["default", "owner"])
def test_the_trigger_refuses_an_update_to_a_role_that_holds_the_privilege():
    """The tables' owner may UPDATE the log; the append-only trigger still refuses."""
    AccessLog.objects.using("owner").create(what="person", object_id=1, person_id=1, username="cw_a")
    with pytest.raises(DatabaseError, match="audit_append_only"), transaction.atomic(using="owner"), connections["owner"].cursor() as cursor:
        cursor.execute("UPDATE audit_accesslog SET username = 'someone else'")
    assert list(AccessLog.objects.using("owner").values_list("username", flat=True)) == ["cw_a"]


@pytest.mark.django_db
@pytest.mark.parametrize("role, sees", [("supervisor", True), ("administrator", True), ("caseworker", False)])
def test_the_profile_shows_who_viewed_it_to_supervisors_and_administrators(client, request, role, sees, caseworker, other_caseworker, person):
    client.force_login(other_caseworker)
    client.get(reverse("people:person_detail", args=[person.pk]))  # refused: a row with outcome "denied"
    client.force_login(caseworker)
    client.get(reverse("people:person_detail", args=[person.pk]))
    viewer = request.getfixturevalue(role)
    client.force_login(viewer)
    body = client.get(reverse("people:person_detail", args=[person.pk])).content.decode()
    assert ("Who opened this file" in body) is sees
    assert ("refused: outside the user&#x27;s caseload" in body or "refused: outside the user's caseload" in body) is sees
    full = client.get(reverse("audit:person_access_log", args=[person.pk]))
    assert full.status_code == (200 if sees else 403)


@pytest.mark.django_db
def test_the_full_access_log_pages_newest_first(client, supervisor, caseworker, person):
    from audit.models import AccessLog

    AccessLog.objects.bulk_create([AccessLog(user=caseworker, username="cw_a", what="person", object_id=person.pk, person_id=person.pk) for _ in range(120)])
    client.force_login(supervisor)
    url = reverse("audit:person_access_log", args=[person.pk])
    first = client.get(url).context["page"]
    assert len(first) == 50 and first.has_next
    seen, page = [], first
    while True:  # every page: every row once, newest first
        seen += [r.id for r in page.object_list]
        if not page.has_next:
            break
        page = client.get(url, {"after": page.next_cursor}).context["page"]
    # Rows written while paging (each view of the log is logged too) are newer than the first page: not in it.
    expected = list(AccessLog.objects.filter(person_id=person.pk, id__lte=seen[0]).order_by("-at", "-id").values_list("id", flat=True))
    assert len(expected) >= 120 and seen == expected
