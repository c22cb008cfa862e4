"""Settings read the environment, and refuse to run in production with a weak secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k3J9-x_Vq2LrT8wZpN4mB7cY1fH6sD0aGeUiOoPlKjHgFdSaQwErTy"


def _check(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "APP_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env["DATABASE_URL"] = "postgres://nobody@127.0.0.1:1/never"  # settings only parse it; no connection is made
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "secret, reason",
    [
        (None, "SECRET_KEY is not set."),
        ("django-insecure-" + "x" * 60, "insecure placeholder"),
        ("short-secret", "at least 50 characters"),
        ("a" * 64, "at least 5 distinct characters"),
    ],
)
def test_debug_off_refuses_a_missing_or_insecure_secret(secret, reason):
    env = {"DEBUG": "0"}
    if secret is not None:
        env["SECRET_KEY"] = secret
    result = _check(env)
    assert result.returncode != 0
    assert "Refusing to start with DEBUG off" in result.stderr and reason in result.stderr


def test_debug_off_starts_with_a_strong_secret():
    result = _check({"DEBUG": "0", "SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "cases.example.org"})
    assert result.returncode == 0, result.stderr


def test_database_url_must_be_postgresql():
    result = _check({"DEBUG": "1", "DATABASE_URL": "sqlite:///tmp/db.sqlite3"})
    assert result.returncode != 0 and "DATABASE_URL must point at PostgreSQL" in result.stderr


def test_tests_run_on_postgresql_with_pg_trgm(db):
    from django.db import connection

    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        extensions = {row[0] for row in cursor.fetchall()}
    assert {"pg_trgm", "btree_gist"} <= extensions


def test_debug_off_without_database_url_refuses_to_start_and_starts_no_embedded_server(tmp_path):
    pgdata = tmp_path / "pgdata"
    result = _check({"DEBUG": "0", "SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "cases.example.org",
                     "DATABASE_URL": "", "EMBEDDED_PGDATA": str(pgdata)})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Refusing to start with DEBUG off and no DATABASE_URL" in result.stderr
    assert not pgdata.exists()


@pytest.mark.parametrize("debug, testing", [(True, False), (False, True)])
def test_without_database_url_development_and_tests_use_the_embedded_server(monkeypatch, tmp_path, debug, testing):
    from config import database

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("EMBEDDED_PGDATA", str(tmp_path / "pgdata"))
    monkeypatch.setattr(database, "embedded_settings", lambda pgdata: {"default": {"embedded": str(pgdata)}})
    assert database.database_settings(base_dir=tmp_path, testing=testing, debug=debug) == {"default": {"embedded": str(tmp_path / "pgdata")}}
    with pytest.raises(ImproperlyConfigured, match="no DATABASE_URL"):
        database.database_settings(base_dir=tmp_path, testing=False, debug=False)
