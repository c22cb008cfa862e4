"""The History pages: readable (labels, old → new, names), scoped, paged, in constant queries."""

from __future__ import annotations

import datetime

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services as assessment_services
from audit import history
from audit.models import AccessLog
from people import services
from people.models import Person, Residence
from tests.assessments import builders
from tests.factories import CampFactory

D = datetime.date


@pytest.mark.django_db
def test_person_history_reads_like_sentences(client, supervisor, caseworker, person):
    camp = CampFactory(name="Fictional Camp Ashraf")
    services.person_update(actor=caseworker, person=person, data={"nationality": "", "stateless": True, "sex": "M"})
    services.residence_add(actor=caseworker, person=person, camp=camp, started_on=D(2012, 3, 1))
    with connection.cursor() as cursor:  # a change that bypassed the app entirely
        cursor.execute("UPDATE people_person SET interpreter_needed = true WHERE id = %s", [person.pk])
    client.force_login(supervisor)
    body = client.get(reverse("audit:person_history", args=[person.pk])).content.decode()
    # Field labels, not column names; choice labels and names, not codes and ids; old and new values.
    assert "Stateless" in body and "stateless" not in body.replace("Stateless", "")
    assert "<del>Iran" in body and "<del>Female</del>" in body and "<ins>Male</ins>" in body
    assert "Fictional Camp Ashraf" in body and "Created</strong> Residence" in body
    assert caseworker.get_full_name() in body and "Person update" in body
    assert "No user recorded (a change made directly in the database)" in body
    assert "Interpreter needed" in body and "interpreter_needed" not in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, status", [("caseworker", 403), ("supervisor", 200), ("administrator", 200), ("other_supervisor", 404)]
)
def test_person_history_is_for_supervisors_and_administrators_in_scope(client, request, role, status, person):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get(reverse("audit:person_history", args=[person.pk])).status_code == status
    if status == 404:
        assert AccessLog.objects.get(user=user).outcome == "denied"
    if status == 200:
        assert AccessLog.objects.get(user=user).what == "person_history"


@pytest.mark.django_db
def test_profile_links_to_history_for_supervisors_only(client, supervisor, caseworker, person):
    url = reverse("audit:person_history", args=[person.pk])
    client.force_login(supervisor)
    assert url in client.get(person.get_absolute_url()).content.decode()
    client.force_login(caseworker)
    assert url not in client.get(person.get_absolute_url()).content.decode()


def _walk(page_fn, per_page):
    pages, seen = [], []
    page = page_fn(per_page=per_page)
    while True:
        pages.append(page)
        seen += [(e.at, e.record, e.operation) for e in page]
        if not page.has_next:
            break
        page = page_fn(per_page=per_page, after=page.next_cursor)
    back = pages[-1]
    for previous in reversed(pages[:-1]):
        back = page_fn(per_page=per_page, before=back.previous_cursor)
        assert [(e.at, e.record) for e in back] == [(e.at, e.record) for e in previous]
    assert not back.has_previous
    return seen


@pytest.mark.django_db
@pytest.mark.parametrize("per_page", [1, 4, 7, 100])
def test_history_pages_cover_every_event_once_both_ways(supervisor, caseworker, person, per_page):
    for i in range(5):
        services.person_name_add(actor=caseworker, person=person, name=f"Fictional Alias {i}")
        Person.objects.filter(pk=person.pk).update(contact_notes=f"note {i}")
    everything = _walk(lambda **kw: history.person_history(person, user=supervisor, **kw), 1000)
    assert len(everything) == len({(a, r, o) for a, r, o in everything}) >= 11
    assert sum(record.startswith("Other name") for _, record, _ in everything) == 5  # the added names are in it
    assert _walk(lambda **kw: history.person_history(person, user=supervisor, **kw), per_page) == everything
    times = [a for a, _, _ in everything]
    assert times == sorted(times, reverse=True)


@pytest.mark.django_db
def test_assessment_history_covers_its_parts(client, supervisor, caseworker, person):
    assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    assessment_services.evidence_add(
        actor=caseworker, assessment=assessment, data={"kind": "medical", "title": "Fictional medical report", "source": "Clinic", "restricted": True, "summary": "Scars consistent"},
        consistencies=[{"finding": "Fictional scar", "alleged_cause": "beating", "degree": "consistent"}],
    )
    client.force_login(supervisor)
    response = client.get(reverse("audit:assessment_history", args=[assessment.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    for record in ("Interview", "Finding", "Evidence", "Medical consistency", "Assessment A-"):
        assert record in body, record
    assert "Fictional medical report" in body  # the team's supervisor may see restricted evidence
    assert AccessLog.objects.get(user=supervisor, what="assessment_history").person_id == person.pk


@pytest.mark.django_db
def test_restricted_evidence_is_hidden_in_history_from_those_who_may_not_see_it(client, team, caseworker, person):
    from core import roles
    from tests.factories import UserFactory

    member = UserFactory(username="sup_member_only", role=roles.SUPERVISOR)  # in the team, not its supervisor
    team.members.add(member)
    assessment = builders.start(assessor=caseworker, person=person)
    assessment_services.evidence_add(
        actor=caseworker, assessment=assessment, data={"kind": "medical", "title": "Fictional medical report", "source": "Clinic", "restricted": True},
        consistencies=[{"finding": "Fictional scar", "alleged_cause": "beating", "degree": "consistent"}],
    )
    client.force_login(member)
    body = client.get(reverse("audit:assessment_history", args=[assessment.pk])).content.decode()
    assert "Fictional medical report" not in body and "Fictional scar" not in body
    assert "Restricted: hidden" in body


@pytest.mark.django_db
def test_history_and_profile_cost_the_same_with_5_and_50_changes(client, supervisor, caseworker, person, django_assert_max_num_queries):
    camp = CampFactory()

    def change(n, offset):
        for i in range(offset, offset + n):
            with pghistory.context(user=caseworker.pk, action="test"):
                Person.objects.filter(pk=person.pk).update(contact_notes=f"note {i}")
                Residence.objects.create(person=person, camp=camp, started_on=D(1900 + i, 1, 1), ended_on=D(1900 + i, 6, 1))
            AccessLog.objects.create(user=caseworker, username="cw_a", what="person", object_id=person.pk, person_id=person.pk)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    client.force_login(supervisor)
    urls = [reverse("audit:person_history", args=[person.pk]), reverse("audit:person_access_log", args=[person.pk]), person.get_absolute_url()]
    change(5, 0)
    small = [count(u) for u in urls]
    change(45, 5)
    large = []
    for url, budget in zip(urls, small):
        with django_assert_max_num_queries(budget):
            large.append(count(url))
    assert large == small
    assert small[0] <= 14, small  # history: session, user, 2FA device, perms, roles, teams, person, access row, 3 reads
