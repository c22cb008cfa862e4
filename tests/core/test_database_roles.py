"""The role the application runs as cannot switch the database's rules off; the deploy check holds it there.

The suite runs as that role (tests/conftest.py, django_db_setup): what is refused here is refused in production.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, connections, transaction

from core.database_roles import runtime_role_problems, table_privileges
from tests.database import environment_for_check, url_for

ROOT = Path(__file__).resolve().parents[2]
INSUFFICIENT_PRIVILEGE = "42501"


def _installed(name: str) -> tuple[str, str, str]:
    """The signature, arguments (with defaults) and result of the installed function `name`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.oid::regprocedure::text, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid) "
            "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.proname = %s",
            [name],
        )
        rows = cursor.fetchall()
    assert len(rows) == 1, f"expected one function {name}, found {len(rows)}"
    return rows[0]


def _gate_reasons_returning_nothing() -> list[str]:
    _, arguments, result = _installed("removal_gate_reasons")
    return [
        f"CREATE OR REPLACE FUNCTION removal_gate_reasons({arguments}) RETURNS {result} "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN; END $$"
    ]


def _gate_reasons_renamed() -> list[str]:
    signature, _, _ = _installed("removal_gate_reasons")
    return [f"ALTER FUNCTION {signature} RENAME TO removal_gate_reasons_off"]


# Each way to switch the gate off, as the statements the runtime role would send (the last one is refused).
ATTEMPTS = {
    "replica mode skips every trigger": lambda: ["SET session_replication_role = replica"],
    "replica mode through set_config": lambda: ["SELECT set_config('session_replication_role', 'replica', false)"],
    "disable the gate trigger": lambda: ["ALTER TABLE assessments_removaldecision DISABLE TRIGGER removal_decision_gate"],
    "disable every user trigger": lambda: ["ALTER TABLE assessments_removaldecision DISABLE TRIGGER USER"],
    "drop the gate trigger": lambda: ["DROP TRIGGER removal_decision_gate ON assessments_removaldecision"],
    "replace the trigger function with one that lets everything through": lambda: [
        "CREATE OR REPLACE FUNCTION removal_decision_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
    ],
    "replace the gate's reasons with none": _gate_reasons_returning_nothing,
    "rename the gate's reasons away": _gate_reasons_renamed,
    "a trigger of its own that fires first": lambda: [
        "CREATE FUNCTION pg_temp.let_through() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "CREATE TRIGGER a_let_through BEFORE INSERT ON assessments_removaldecision "
        "FOR EACH ROW EXECUTE FUNCTION pg_temp.let_through()",
    ],
    "edit the catalogue": lambda: [
        "UPDATE pg_trigger SET tgenabled = 'D' WHERE tgname = 'removal_decision_gate'"
    ],
    "become the owner": lambda: [f"SET ROLE {connections['owner'].settings_dict['USER']}"],
    "take the table over": lambda: ["ALTER TABLE assessments_removaldecision OWNER TO CURRENT_USER"],
}


def _gate_trigger_state() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgenabled FROM pg_trigger t WHERE t.tgname = 'removal_decision_gate' "
            "AND t.tgrelid = 'assessments_removaldecision'::regclass"
        )
        row = cursor.fetchone()
    return row[0] if row else None


@pytest.mark.django_db
@pytest.mark.parametrize("attempt", ATTEMPTS, ids=list(ATTEMPTS))
def test_the_runtime_role_cannot_switch_the_gate_off(attempt):
    statements = ATTEMPTS[attempt]()
    with pytest.raises(DatabaseError) as info, transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    assert getattr(info.value.__cause__, "sqlstate", None) == INSUFFICIENT_PRIVILEGE, str(info.value)
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    assert _gate_trigger_state() == "O"  # installed, and fires in the normal (origin) mode


@pytest.mark.django_db
def test_the_runtime_role_is_no_superuser_and_owns_nothing():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user")
        role, superuser, createdb, createrole = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
        tables = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) = current_user"
        )
        routines = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        all_tables = cursor.fetchone()[0]
    assert role == connection.settings_dict["USER"] != connections["owner"].settings_dict["USER"]
    assert (superuser, createdb, createrole) == (False, False, False)
    assert (tables, routines) == (0, 0)
    assert all_tables > 50  # the migrated schema is there, owned by someone else


@pytest.mark.django_db
@pytest.mark.parametrize(
    "table, expected",
    [
        ("people_person", {"SELECT", "INSERT", "UPDATE", "DELETE"}),
        ("assessments_removaldecision", {"SELECT", "INSERT", "UPDATE", "DELETE"}),
        ("audit_personevent", {"SELECT", "INSERT"}),
        ("audit_authevent", {"SELECT", "INSERT"}),
        ("pghistory_context", {"SELECT", "INSERT"}),
        ("audit_accesslog", {"SELECT", "INSERT", "DELETE"}),
        ("assessments_approvedfinding", {"SELECT"}),
    ],
)
def test_what_the_runtime_role_may_do_on_each_kind_of_table(table, expected):
    """Granted by migrate as the owner; TRUNCATE as well in the test suite only (DATABASE_RUNTIME_MAY_TRUNCATE)."""
    everything = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        if not cursor.fetchone()[0]:
            pytest.skip(f"{table} is not in this schema yet")
        cursor.execute(
            "SELECT p FROM unnest(%s::text[]) p WHERE has_table_privilege(current_user, %s, p)", [everything, table]
        )
        held = {row[0] for row in cursor.fetchall()}
    assert held == expected | {"TRUNCATE"}
    assert set(table_privileges(table)) == expected | {"TRUNCATE"}


@pytest.mark.django_db
def test_the_runtime_role_cannot_rewrite_history_even_without_the_triggers_looking():
    with pytest.raises(DatabaseError) as info, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_personevent SET full_name_latin = 'Rewritten'")
    assert info.value.__cause__.sqlstate == INSUFFICIENT_PRIVILEGE
    assert "permission denied for table audit_personevent" in str(info.value)


@pytest.mark.django_db(databases=["default", "owner"])
def test_the_deploy_check_passes_for_the_runtime_role_and_fails_for_the_owner():
    assert runtime_role_problems(connections["default"]) == []
    problems = runtime_role_problems(connections["owner"])
    assert {p.id for p in problems} == {"core.E103", "core.E104"}
    assert all(p.level >= 40 for p in problems)  # errors, not warnings
    owns_tables = next(p for p in problems if p.id == "core.E103")
    assert "assessments_removaldecision, assessments_assessment, assessments_finding" in owns_tables.msg


def _check_deploy(database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=environment_for_check(os.environ, database_url), capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_refuses_the_owner_as_the_runtime_role(django_db_setup):
    result = _check_deploy(url_for("owner"))
    assert result.returncode != 0
    assert "core.E103" in result.stderr and "assessments_removaldecision" in result.stderr


def test_check_deploy_says_so_when_it_cannot_reach_the_database():
    result = _check_deploy("postgres://app@db.invalid:5432/nonrefoulement")
    assert result.returncode != 0
    assert "core.E101" in result.stderr and "Cannot reach the database" in result.stderr
