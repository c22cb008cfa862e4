"""Shared set-up of the benchmarks: a separate database on a real PostgreSQL server, migrated, with Django set up.

The database is BENCH_DATABASE_URL's, or `postgres://postgres@127.0.0.1:5432/<name>`; it is dropped and
created anew, so nothing else is touched. The benchmarks never use the demo or test databases.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
RESULTS = BASE / "bench" / "results"
sys.path.insert(0, str(BASE))


def fresh_database(name: str, *, keep: bool = False) -> str:
    """Create (or, with keep=True, reuse) the benchmark database and set Django up on it; return its URL."""
    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL") or f"postgres://postgres@127.0.0.1:5432/{name}"
    server, dbname = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if exists and not keep:
            conn.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
        if not exists or not keep:
            conn.execute(f'CREATE DATABASE "{dbname}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("IMPORT_IN_BACKGROUND", "0")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


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


HISTORY_SQL = """
CREATE TABLE IF NOT EXISTS bench_history_event (
    id bigserial PRIMARY KEY,
    pgh_table text NOT NULL,
    pgh_obj_id bigint NOT NULL,
    pgh_label text NOT NULL,
    pgh_data jsonb NOT NULL,
    pgh_context jsonb,
    pgh_created_at timestamptz NOT NULL DEFAULT now()
);
CREATE OR REPLACE FUNCTION bench_history_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bench_history_event (pgh_table, pgh_obj_id, pgh_label, pgh_data, pgh_context)
    VALUES (TG_TABLE_NAME, NEW.id, lower(TG_OP), to_jsonb(NEW), nullif(current_setting('pghistory.context_metadata', true), '')::jsonb);
    RETURN NULL;
END $$;
"""
HISTORY_TABLES = ("people_person", "people_personname", "people_registration", "people_identitydocument", "people_residence")


def install_history_emulation() -> None:
    """Row-level AFTER INSERT/UPDATE triggers writing one event row per changed row, as django-pghistory's
    trackers do (the `audit` app that adds the real ones lives on the security branch)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(HISTORY_SQL)
        for table in HISTORY_TABLES:
            cursor.execute(f"DROP TRIGGER IF EXISTS bench_history ON {table}")
            cursor.execute(f"CREATE TRIGGER bench_history AFTER INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION bench_history_row()")
