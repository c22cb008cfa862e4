"""Retention: old access-log rows can be pruned by the documented procedure; young ones by nobody."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from audit.models import AccessLog


def _row(days_old: int) -> AccessLog:
    return AccessLog.objects.create(what="person", object_id=1, person_id=1, at=timezone.now() - datetime.timedelta(days=days_old))


@pytest.mark.django_db
def test_prune_deletes_rows_past_the_retention_period_only():
    ancient, old, recent = _row(800), _row(400), _row(10)
    out = io.StringIO()
    call_command("prune_access_log", stdout=out)  # default: 730 days
    assert set(AccessLog.objects.values_list("id", flat=True)) == {old.id, recent.id}
    assert "Deleted 1 access-log rows" in out.getvalue()
    call_command("prune_access_log", "--days", "365", stdout=io.StringIO())
    assert set(AccessLog.objects.values_list("id", flat=True)) == {recent.id}
    assert ancient.id not in AccessLog.objects.values_list("id", flat=True)


@pytest.mark.django_db
def test_prune_refuses_a_period_below_the_database_floor():
    _row(100)
    with pytest.raises(CommandError, match="at least 365 days"):
        call_command("prune_access_log", "--days", "30", stdout=io.StringIO())
    assert AccessLog.objects.count() == 1


@pytest.mark.django_db
def test_the_database_refuses_to_delete_a_young_row_even_in_the_retention_procedure():
    row = _row(364)
    with pytest.raises(DatabaseError, match="audit_append_only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL audit.prune_access_log = 'on'")
        cursor.execute("DELETE FROM audit_accesslog WHERE id = %s", [row.id])
    assert AccessLog.objects.filter(id=row.id).exists()


@pytest.mark.django_db
def test_without_the_retention_switch_not_even_an_old_row_can_be_deleted():
    row = _row(1000)
    with pytest.raises(DatabaseError, match="audit_append_only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_accesslog WHERE id = %s", [row.id])
    with pytest.raises(DatabaseError, match="permission denied for table audit_accesslog"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL audit.prune_access_log = 'on'")
        cursor.execute("UPDATE audit_accesslog SET username = 'x' WHERE id = %s", [row.id])
    assert AccessLog.objects.filter(id=row.id, username="").exists()


@pytest.mark.django_db(databases=["default", "owner"])
def test_the_retention_switch_lets_not_even_the_owner_change_an_old_row():
    """The owner holds UPDATE (the runtime role does not); the trigger refuses it all the same."""
    row = AccessLog.objects.using("owner").create(what="person", object_id=1, person_id=1, at=timezone.now() - datetime.timedelta(days=1000))
    with pytest.raises(DatabaseError, match="audit_append_only"), transaction.atomic(using="owner"), connections["owner"].cursor() as cursor:
        cursor.execute("SET LOCAL audit.prune_access_log = 'on'")
        cursor.execute("UPDATE audit_accesslog SET username = 'x' WHERE id = %s", [row.id])
    assert AccessLog.objects.using("owner").filter(id=row.id, username="").exists()
