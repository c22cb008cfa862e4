"""Every response carries the security headers; no template needs an inline script or style; production
settings pass Django's deployment checks with no warning."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.database import environment_for_check, url_for

ROOT = Path(__file__).resolve().parents[2]


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def _assert_common_headers(response):
    policy = _csp(response)
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"] and "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_login_page_carries_the_headers(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    _assert_common_headers(response)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("name, args", [("home", []), ("people:person_list", []), ("people:person_detail", ["person"]), ("audit:person_history", ["person"])])
def test_authenticated_pages_carry_the_headers_and_are_never_stored(client, supervisor, person, name, args):
    client.force_login(supervisor)
    response = client.get(reverse(name, args=[person.pk for _ in args]))
    assert response.status_code == 200
    _assert_common_headers(response)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_error_pages_and_admin_carry_the_headers(client, caseworker, administrator):
    client.force_login(caseworker)
    missing = client.get("/no/such/page/")
    assert missing.status_code == 404
    _assert_common_headers(missing)
    client.force_login(administrator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    _assert_common_headers(response)
    assert "no-store" in response["Cache-Control"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on…= event handler attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"https?://(?!www\.w3\.org/2000/svg)", re.I), "a resource from another origin"),
]


def _project_templates():
    for base in [ROOT / "templates", *ROOT.glob("*/templates")]:
        if ".venv" in base.parts:
            continue
        yield from base.rglob("*.html")


def test_no_template_needs_unsafe_inline():
    """The CSP forbids inline scripts and styles: a template that uses one is broken, so it fails here."""
    found = []
    templates = list(_project_templates())
    assert len(templates) > 30, "the project's templates were not found"
    for template in templates:
        text = template.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                found.append(f"{template.relative_to(ROOT)}: {what}: {match.group(0)!r}")
    assert not found, "\n".join(found)


def test_htmx_is_told_not_to_inject_its_indicator_style():
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    assert '<meta name="htmx-config"' in base and '"includeIndicatorStyles": false' in base
    assert ".htmx-indicator" in (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")


def test_production_settings_pass_check_deploy_without_warnings(django_db_setup):
    # check --deploy connects (core.database_roles): to the migrated test database, as the runtime role.
    env = environment_for_check(os.environ, url_for("default"))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
