"""The dashboard's stored caseload counts: what they count, and that a refresh another server process is
already doing is not waited for."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from assessments import caseload_counts, services
from assessments.models import CaseloadCount, CaseloadRefresh
from tests.assessments import builders
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as the other threaded tests: the flush after a plain transactional test recreates the roles, which the next restore would add again


def _count(team, chart):
    return {c.key: c.n for c in CaseloadCount.objects.filter(team=team, chart=chart)}


def test_a_refresh_counts_each_chart_of_the_team_only(team, other_team, caseworker, supervisor):
    person = PersonFactory(owning_team=team, full_name_latin="Fictional Counted Person")
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person, outcomes={("IR", "torture"): "real_risk"})
    services.flag_raise(actor=caseworker, person=person, reason="Fictional flag to count")
    PersonFactory(owning_team=other_team, full_name_latin="Fictional Other Team Person")
    assert caseload_counts.refresh_caseload_counts(team_ids=[team.pk, other_team.pk], wait=True) == sorted([team.pk, other_team.pk])
    assert _count(team, "status") == {"approved": 1}
    assert _count(team, "risk_country") == {"IR": 1}
    assert sum(_count(team, "flag").values()) >= 1 and all(k.startswith(("rule:", "category:")) for k in _count(team, "flag"))
    assert _count(other_team, "status") == {} and CaseloadRefresh.objects.filter(team=other_team).exists()


def test_a_team_another_process_is_refreshing_is_skipped_not_waited_for(team):
    caseload_counts.refresh_caseload_counts(team_ids=[team.pk], wait=True)
    held, release = threading.Event(), threading.Event()

    def other_process():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [caseload_counts._LOCK_CLASS, team.pk])
                held.set()
                release.wait(timeout=20)
                cursor.execute("COMMIT")
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_process)
    thread.start()
    try:
        assert held.wait(timeout=20)
        assert caseload_counts.refresh_caseload_counts(team_ids=[team.pk], wait=False) == []
    finally:
        release.set()
        thread.join(timeout=20)
    assert caseload_counts.refresh_caseload_counts(team_ids=[team.pk], wait=False) == [team.pk]


def test_a_write_through_raw_sql_marks_the_team_stale_and_only_its_team(team, other_team, caseworker):
    from django.db import connection

    person = PersonFactory(owning_team=team, full_name_latin="Fictional Raw Person")
    services.flag_raise(actor=caseworker, person=person, reason="Fictional flag")
    caseload_counts.refresh_caseload_counts(team_ids=[team.pk, other_team.pk], wait=True)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE assessments_flag SET severity = 4 WHERE person_id = %s", [person.pk])
    stale = dict(CaseloadRefresh.objects.values_list("team_id", "stale"))
    assert stale == {team.pk: True, other_team.pk: False}
