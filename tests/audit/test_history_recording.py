"""History is written by the database: every door (save, update(), bulk_create, raw SQL) leaves a row, and
no door can change or remove a row once written."""

from __future__ import annotations

import pghistory
import pgtrigger
import pytest
from django.db import connection, connections, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from audit import models as audit
from people import services
from people.models import LegalStatus, Person, PersonName, Team


def _events(model, obj_id):
    return list(model.objects.filter(pgh_obj_id=obj_id).order_by("pgh_id"))


@pytest.mark.django_db
def test_queryset_update_is_recorded_with_the_acting_user(caseworker, person):
    with pghistory.context(user=caseworker.pk, action="test_update"):
        Person.objects.filter(pk=person.pk).update(full_name_latin="Fictional Renamed By Update")
    last = _events(audit.PersonEvent, person.pk)[-1]
    assert last.pgh_label == "update"
    assert last.full_name_latin == "Fictional Renamed By Update"
    assert last.pgh_context["user"] == caseworker.pk and last.pgh_context["action"] == "test_update"


@pytest.mark.django_db
def test_raw_sql_is_recorded_even_without_any_context(person):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET contact_notes = 'changed by raw SQL' WHERE id = %s", [person.pk])
    last = _events(audit.PersonEvent, person.pk)[-1]
    assert last.pgh_label == "update" and last.contact_notes == "changed by raw SQL"
    assert last.pgh_context is None  # nobody said who: the history says so rather than guessing


@pytest.mark.django_db
def test_bulk_create_and_delete_are_recorded(person):
    names = PersonName.objects.bulk_create([PersonName(person=person, name=f"Fictional Alias {i}") for i in range(3)])
    PersonName.objects.filter(person=person).delete()
    labels = [e.pgh_label for e in audit.PersonNameEvent.objects.filter(person_id=person.pk).order_by("pgh_id")]
    assert labels == ["insert"] * 3 + ["delete"] * 3
    assert {e.name for e in audit.PersonNameEvent.objects.filter(pgh_label="delete")} == {n.name for n in names}


@pytest.mark.django_db
def test_a_save_that_changes_nothing_tracked_writes_no_event(person):
    before = len(_events(audit.PersonEvent, person.pk))
    assert before >= 1  # the insert was recorded
    person.save()  # only updated_at moves
    assert len(_events(audit.PersonEvent, person.pk)) == before


@pytest.mark.django_db
def test_a_service_records_its_action_and_actor(caseworker, person):
    services.legal_status_add(actor=caseworker, person=person, kind="refugee", started_on="2020-01-01")
    event = audit.LegalStatusEvent.objects.get(person_id=person.pk)
    assert event.pgh_label == "insert" and event.kind == "refugee"
    assert event.pgh_context["user"] == caseworker.pk and event.pgh_context["action"] == "legal_status_add"


@pytest.mark.django_db
def test_a_page_records_the_logged_in_user_and_the_path(client, caseworker, person):
    client.force_login(caseworker)
    client.post(
        reverse("people:person_record_add", args=[person.pk, "status"]),
        {"kind": "refugee", "legal_basis": "", "source": "", "started_on": "2020-01-01", "ended_on": "", "notes": ""},
    )
    status = LegalStatus.objects.get(person=person)
    event = audit.LegalStatusEvent.objects.get(pgh_obj_id=status.pk)
    assert event.pgh_context["user"] == caseworker.pk
    assert event.pgh_context["url"] == reverse("people:person_record_add", args=[person.pk, "status"])


@pytest.mark.django_db
def test_many_to_many_changes_are_recorded(team, caseworker, other_caseworker):
    team.members.add(other_caseworker)
    team.members.remove(other_caseworker)
    rows = audit.TeamMemberEvent.objects.filter(team_id=team.pk, user_id=other_caseworker.pk).order_by("pgh_id")
    assert [r.pgh_label for r in rows] == ["insert", "delete"]


@pytest.mark.django_db
def test_account_history_never_copies_password_hashes(caseworker):
    caseworker.set_password("another-long-fictional-passphrase")
    caseworker.is_active = False
    caseworker.save()
    event = audit.UserEvent.objects.filter(pgh_obj_id=caseworker.pk).order_by("pgh_id").last()
    assert event.is_active is False
    field_names = {f.name for f in audit.UserEvent._meta.fields}
    assert "password" not in field_names and "last_login" not in field_names


# ---------------------------------------------------------------------------------------------------------
# Append-only


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


REWRITES = [
    "UPDATE audit_personevent SET full_name_latin = 'Rewritten' WHERE pgh_obj_id = %s",
    "DELETE FROM audit_personevent WHERE pgh_obj_id = %s",
    "UPDATE audit_personevent SET pgh_context = '{\"user\": 1}'::jsonb WHERE pgh_obj_id = %s",
]


@pytest.mark.django_db
@pytest.mark.parametrize("sql", REWRITES)
def test_history_rows_cannot_be_updated_or_deleted_with_raw_sql(person, sql):
    """The role the application runs as holds no UPDATE or DELETE on history (docs/security.md)."""
    before = [(e.pgh_id, e.full_name_latin, e.pgh_context) for e in _events(audit.PersonEvent, person.pk)]
    assert before
    with pytest.raises(DatabaseError, match="permission denied for table audit_personevent"):
        _raw(sql, [person.pk])
    after = [(e.pgh_id, e.full_name_latin, e.pgh_context) for e in _events(audit.PersonEvent, person.pk)]
    assert after == before


@pytest.mark.django_db(databases=["default", "owner"])
@pytest.mark.parametrize("sql", REWRITES)
def test_the_triggers_refuse_it_to_a_role_that_holds_the_privilege(sql):
    """Behind the missing privilege, the append-only trigger: here the tables' owner, who may UPDATE and DELETE."""
    owner = connections["owner"]
    team = Team.objects.using("owner").create(name="Fictional Owner's Team")
    person = Person.objects.using("owner").create(full_name_latin="Fictional Owner's Person", owning_team=team)
    assert audit.PersonEvent.objects.using("owner").filter(pgh_obj_id=person.pk).exists()
    with pytest.raises(DatabaseError, match="audit_append_only"), transaction.atomic(using="owner"), owner.cursor() as cursor:
        cursor.execute(sql, [person.pk])
    with pytest.raises(DatabaseError, match="audit_append_only"), transaction.atomic(using="owner"):
        audit.PersonEvent.objects.using("owner").filter(pgh_obj_id=person.pk).delete()
    assert audit.PersonEvent.objects.using("owner").filter(pgh_obj_id=person.pk, full_name_latin="Fictional Owner's Person").exists()


@pytest.mark.django_db
def test_history_rows_cannot_be_deleted_through_the_orm(person):
    with pytest.raises(DatabaseError, match="permission denied for table audit_personevent"), transaction.atomic():
        audit.PersonEvent.objects.filter(pgh_obj_id=person.pk).delete()
    assert audit.PersonEvent.objects.filter(pgh_obj_id=person.pk).exists()


@pytest.mark.django_db
def test_history_tables_refuse_truncate():
    with pytest.raises(DatabaseError, match="audit_append_only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL audit.allow_truncate = 'off'")
            cursor.execute("TRUNCATE audit_personevent")


@pytest.mark.django_db
def test_switching_the_history_triggers_off_is_refused(person):
    with pgtrigger.ignore("people.Person:update_update"):
        with pytest.raises(DatabaseError, match="audit_history_bypass"), transaction.atomic():
            Person.objects.filter(pk=person.pk).update(full_name_latin="Fictional Unrecorded")
    with pytest.raises(DatabaseError, match="audit_history_bypass"):
        _raw("SELECT set_config('pgtrigger.ignore', '{pgtrigger_update_update_x}', true); "
             "UPDATE people_person SET contact_notes = 'x' WHERE id = %s", [person.pk])
    person.refresh_from_db()
    assert person.full_name_latin != "Fictional Unrecorded" and person.contact_notes != "x"


@pytest.mark.django_db
def test_every_tracked_table_and_every_audit_table_carries_its_guard_triggers():
    """A model added later without its triggers fails here, naming the table."""
    from django.apps import apps

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
        )
        triggers = {}
        for table, name in cursor.fetchall():
            triggers.setdefault(table, set()).add(name)
    event_models = [m for m in apps.get_app_config("audit").get_models() if hasattr(m, "pgh_tracked_model")]
    assert len(event_models) >= 30, "the history event models were not found"
    for model in event_models:
        table, tracked = model._meta.db_table, model.pgh_tracked_model._meta.db_table
        assert {"audit_append_only", "audit_no_truncate"} <= triggers.get(table, set()), f"add the append-only triggers to {table}"
        assert "audit_no_bypass" in triggers.get(tracked, set()), f"add the bypass guard to {tracked}"
        assert any(n.startswith("pgtrigger_") for n in triggers.get(tracked, set())), f"history triggers missing on {tracked}"
    assert {"audit_append_only", "audit_no_truncate"} <= triggers["audit_accesslog"]


@pytest.mark.django_db
def test_every_person_bearing_model_is_tracked():
    """People and assessment models all have history; a new one without it fails here."""
    from django.apps import apps

    from people.models import ImportJob

    # An import job is the operation's own progress (counters rewritten every few hundred rows); the people it
    # creates are tracked, and who ran it is on every history row it wrote.
    # An approved finding is written once by the approval and never changed (the database refuses): it is its
    # own history. The dashboard's caseload counts are numbers per team, counted again from tracked rows.
    from assessments.models import ApprovedFinding, CaseloadCount, CaseloadRefresh

    not_case_data = {ImportJob, ApprovedFinding, CaseloadCount, CaseloadRefresh}
    tracked = {m.pgh_tracked_model for m in apps.get_app_config("audit").get_models() if hasattr(m, "pgh_tracked_model")}
    for app_label in ("people", "assessments"):
        for model in apps.get_app_config(app_label).get_models(include_auto_created=True):
            assert model in tracked or model in not_case_data, f"track {model._meta.label} in audit/models.py"


@pytest.mark.django_db
def test_sessions_start_ignoring_no_trigger_and_still_record_history(person):
    """`pgtrigger.ignore` is set to the empty list for every session (config/settings.py): unset, each row's
    trigger guard raised and caught an error, which made a bulk import slower with every row written."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW pgtrigger.ignore")
        assert cursor.fetchone()[0] == "{}"
    before = person.events.count()
    Person.objects.filter(pk=person.pk).update(contact_notes="Fictional: recorded")
    assert person.events.count() == before + 1
