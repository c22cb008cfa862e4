"""Shared set-up of the benchmarks: a separate database on a real PostgreSQL server, migrated, with Django set up.

The server is BENCH_DATABASE_URL's, or `postgres://postgres@127.0.0.1:5432/<name>`: a role that may create
roles and databases (a local server with trust authentication). The database is dropped and created anew,
so nothing else is touched; the benchmarks never use the demo or test databases.

As in production (docs/security.md, "Two database roles"), the application runs as a role that owns nothing
(`nonrefoulement_bench_app`, DATABASE_URL) and migrations and bulk loads run as the owner of the tables
(`nonrefoulement_bench_owner`, DATABASE_OWNER_URL, Django's `owner` alias). The bench's owner may also set
`session_replication_role`, for the seeder's bulk load with the workflow triggers off (bench/caseload.py);
the application's role may not.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE = Path(__file__).resolve().parent.parent
RESULTS = BASE / "bench" / "results"
sys.path.insert(0, str(BASE))
BENCH_OWNER = "nonrefoulement_bench_owner"
BENCH_APP = "nonrefoulement_bench_app"


def _as(url: str, role: str) -> str:
    """`url` with `role` as its user and no password (the bench's server trusts its local connections)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{role}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def fresh_database(name: str, *, keep: bool = False) -> str:
    """Create (or, with keep=True, reuse) the benchmark database and set Django up on it; return the
    application role's URL (the owner's is in DATABASE_OWNER_URL)."""
    import psycopg
    from psycopg import sql

    url = os.environ.get("BENCH_DATABASE_URL") or f"postgres://postgres@127.0.0.1:5432/{name}"
    server, dbname = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        for role, attributes in ((BENCH_OWNER, "LOGIN CREATEDB"), (BENCH_APP, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")):
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                conn.execute(sql.SQL("CREATE ROLE {} " + attributes).format(sql.Identifier(role)))
        conn.execute(sql.SQL("GRANT SET ON PARAMETER session_replication_role TO {}").format(sql.Identifier(BENCH_OWNER)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if exists and not keep:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(dbname)))
        if not exists or not keep:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(dbname), sql.Identifier(BENCH_OWNER)))
    os.environ["DATABASE_URL"] = _as(url, BENCH_APP)
    os.environ["DATABASE_OWNER_URL"] = _as(url, BENCH_OWNER)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("IMPORT_IN_BACKGROUND", "0")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # as the owner (core/management/commands/migrate.py)
    return os.environ["DATABASE_URL"]


def machine() -> str:
    """The machine the figures were measured on, for docs/performance.md."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
        memory = f", {kb / 1048576:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return f"{os.cpu_count()} vCPU ({cpu}){memory}, PostgreSQL {version}, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
