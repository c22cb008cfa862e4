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
