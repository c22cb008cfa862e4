"""Two database roles: the application runs as a role that cannot switch the database's rules off.

The runtime role (alias `default`) is neither a superuser nor the owner of any table or routine, so it can
neither `SET session_replication_role = replica` nor disable, drop or replace a trigger or the functions the
triggers call. The owner role (alias `owner`, when configured) runs `migrate` and nothing else. See
docs/security.md, "Two database roles".

- `migration_alias()`: the alias `migrate` uses by default (core/management/commands/migrate.py).
- `default_is(alias)`: while `migrate` runs, the `default` connection is the one being migrated, so data
  migrations and post-migrate handlers write as the owner, in the database and transaction being migrated.
- `after_migrate`: once per `migrate`, as the owner: install django-pgtrigger's triggers and set exactly what
  the runtime role may do (`grant_runtime_privileges`).
- `check_runtime_role`: the deploy check (`manage.py check --deploy`) that the runtime role is what it must be.
"""

from __future__ import annotations

import contextlib
import re

from django.conf import settings
from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

OWNER_ALIAS = "owner"
# The removal gate's tables: the runtime role must own none of them (nor any other; these are named first).
GATE_TABLES = ("assessments_removaldecision", "assessments_assessment", "assessments_finding")
# ...and the functions its triggers call, named first when the role owns routines.
GATE_ROUTINES = ("removal_decision_guard", "removal_gate_reasons", "assessment_status_guard")
FULL_PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE"]

def migration_alias() -> str:
    """The alias that owns the schema: `owner` when configured, else `default` (one role for everything)."""
    return OWNER_ALIAS if OWNER_ALIAS in settings.DATABASES else DEFAULT_DB_ALIAS


@contextlib.contextmanager
def default_is(alias: str):
    """Make `alias`'s connection the `default` one while the block runs (the migrate command wraps itself in it).

    Data migrations and post-migrate handlers reach the database through `Model.objects`, `connection` or an
    explicit `using="default"` (Django's `create_permissions` in a migration, for one); while migrating as the
    owner, all of that must be the owner's connection, in the database and the transaction being migrated.
    """
    if alias == DEFAULT_DB_ALIAS:
        yield
        return
    runtime = connections[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS] = connections[alias]
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS] = runtime


# ---------------------------------------------------------------------------------------------------------
# After migrate, as the owner


def after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Install pgtrigger's triggers and the runtime role's privileges, when migrating as the owner.

    Connected for core's app config only, so it runs once per `migrate`, after every migration. A post-migrate
    signal for another alias (`flush` as the runtime role in transactional tests) changes nothing.
    """
    if using != migration_alias():
        return
    import pgtrigger

    pgtrigger.install(database=using)
    grant_runtime_privileges(connections[using], runtime_role())


def runtime_role() -> str:
    """The role of the `default` alias."""
    user = settings.DATABASES[DEFAULT_DB_ALIAS].get("USER")
    if user:
        return user
    # libpq's default user: ask the server, through a connection of our own (while migrating, `default`
    # is the owner's connection).
    connection = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def table_privileges(table: str) -> list[str]:
    """What the runtime role may do on `table` (settings: DATABASE_RUNTIME_*)."""
    if table in settings.DATABASE_RUNTIME_READ_ONLY_TABLES:
        privileges = ["SELECT"]
    else:
        privileges = FULL_PRIVILEGES
        for pattern, extra in settings.DATABASE_RUNTIME_APPEND_ONLY_TABLES.items():
            if _like(pattern).fullmatch(table):
                privileges = ["SELECT", "INSERT", *extra]
                break
    if settings.DATABASE_RUNTIME_MAY_TRUNCATE:
        privileges = [*privileges, "TRUNCATE"]
    return privileges


def _like(pattern: str) -> re.Pattern:
    """SQL LIKE (`%`, `_`, backslash escapes) as a regular expression."""
    parts, escaped = [], False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            parts.append({"%": ".*", "_": "."}.get(char) or re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def grant_runtime_privileges(connection, role: str) -> None:
    """Set exactly what `role` may do on the tables `connection`'s role owns in schema public (idempotent).

    Every table is revoked and granted anew, so a privilege granted by hand does not survive a migrate.
    Default privileges cover what the owner creates later; the next migrate narrows them table by table.
    Routines need nothing: EXECUTE is PUBLIC's by default.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == role:
            return  # one role for everything (no DATABASE_OWNER_URL); the deploy check reports it
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
            "AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) ORDER BY c.relname"
        )
        tables = [row[0] for row in cursor.fetchall()]
        grantee = quote(role)
        statements = [f"GRANT USAGE ON SCHEMA public TO {grantee}"]
        for table in tables:
            statements.append(f"REVOKE ALL ON TABLE {quote(table)} FROM {grantee}")
            statements.append(f"GRANT {', '.join(table_privileges(table))} ON TABLE {quote(table)} TO {grantee}")
        statements += [
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {grantee}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {', '.join(FULL_PRIVILEGES)} ON TABLES TO {grantee}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {grantee}",
        ]
        cursor.execute(";\n".join(statements))


# ---------------------------------------------------------------------------------------------------------
# The deploy check

HINT = (
    "Run the application as a role that is neither a superuser nor the owner of anything (DATABASE_URL) and "
    "migrate as the owning role (DATABASE_OWNER_URL): see docs/security.md, \"Two database roles\"."
)


def check_runtime_role(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`manage.py check --deploy`: the role the application runs as cannot switch the database's rules off."""
    return runtime_role_problems(connections[DEFAULT_DB_ALIAS])


def runtime_role_problems(connection) -> list[checks.CheckMessage]:
    """What is wrong with `connection`'s role as the role the application runs as (empty: nothing)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolname, rolsuper, has_parameter_privilege(current_user, 'session_replication_role', 'SET') "
                "FROM pg_roles WHERE rolname = current_user"
            )
            role, superuser, may_set_replication_role = cursor.fetchone()
            cursor.execute(
                "SELECT t.tablename FROM pg_tables t WHERE t.schemaname = 'public' "
                "AND pg_has_role(current_user, t.tableowner, 'MEMBER') ORDER BY t.tablename"
            )
            owned_tables = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "SELECT DISTINCT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'public' AND pg_has_role(current_user, p.proowner, 'MEMBER') "
                "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass "
                "AND d.objid = p.oid AND d.deptype = 'e') ORDER BY p.proname"
            )
            owned_routines = sorted((row[0] for row in cursor.fetchall()), key=lambda name: name not in GATE_ROUTINES)
            cursor.execute(
                "SELECT t.tablename FROM pg_tables t WHERE t.schemaname = 'public' AND t.tablename = ANY(%s)",
                [list(GATE_TABLES)],
            )
            present = {row[0] for row in cursor.fetchall()}
    except DatabaseError as exc:
        first_line = (str(exc).strip().splitlines() or [""])[0]
        return [checks.Error(
            f"Cannot reach the database to check the role the application runs as ({type(exc).__name__}: {first_line}).",
            hint="Check DATABASE_URL and that the server is up; the check needs to connect.",
            id="core.E101",
        )]

    problems: list[checks.CheckMessage] = []
    if superuser:
        problems.append(checks.Error(
            f"The application's database role {role!r} is a superuser: it can switch every trigger off "
            "(session_replication_role) and disable or drop the removal gate.",
            hint=HINT, id="core.E102",
        ))
    if owned_tables:
        gate = [t for t in GATE_TABLES if t in owned_tables]
        named = ", ".join(gate or owned_tables[:3])
        problems.append(checks.Error(
            f"The application's database role {role!r} owns (or may act as the owner of) {len(owned_tables)} "
            f"table(s), among them {named}: it can disable or drop their triggers (ALTER TABLE ... DISABLE "
            "TRIGGER, DROP TRIGGER).",
            hint=HINT, id="core.E103",
        ))
    if owned_routines:
        problems.append(checks.Error(
            f"The application's database role {role!r} owns (or may act as the owner of) {len(owned_routines)} "
            f"routine(s), among them {', '.join(owned_routines[:3])}: it can replace what the triggers call "
            "(CREATE OR REPLACE FUNCTION).",
            hint=HINT, id="core.E104",
        ))
    if may_set_replication_role and not superuser:
        problems.append(checks.Error(
            f"The application's database role {role!r} may SET session_replication_role, which skips every trigger.",
            hint="REVOKE SET ON PARAMETER session_replication_role FROM the role.", id="core.E105",
        ))
    missing = [t for t in GATE_TABLES if t not in present]
    if missing:
        problems.append(checks.Warning(
            f"The removal gate's tables are missing ({', '.join(missing)}): the database is not migrated, so "
            "the application's role could not be checked against them.",
            hint="Run `manage.py migrate` (as the owning role) first.", id="core.W101",
        ))
    return problems
