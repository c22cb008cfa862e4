"""Browser tests: Playwright for Python driving Debian's Chromium against the live test server.

Screenshots of each main page are written to test-results/screenshots/ (not committed) for reviewers.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-results" / "screenshots"
AXE = ROOT / "static" / "vendor" / "axe" / "axe.min.js"



@pytest.fixture
def reference_data(transactional_db):
    """Content types, permissions, roles, the taxonomy and the flag rules, present in every browser test.

    Playwright's sync API runs an asyncio loop in this thread, so Django's per-context connection
    object differs from the one pytest-django serialised the database with, and `serialized_rollback`
    cannot restore what migrations seeded after an earlier transactional test flushed the tables.
    Rebuild it the way `migrate` does (post_migrate), then re-run the taxonomy seed; both are idempotent.
    """
    import importlib

    from django.apps import apps
    from django.core.management.sql import emit_post_migrate_signal

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    seed = importlib.import_module("assessments.migrations.0003_seed_taxonomy_and_rules").seed
    seed(apps, None)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium); skipped here")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test code still uses the ORM synchronously.
    # Set only while browsers run (browser tests run last), so no subprocess of another test inherits it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Browsing:
    """A page plus the things every browser test needs: login, screenshots, accessibility and CSP checks."""

    def __init__(self, browser, live_server):
        self.context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.base = live_server.url
        self.console_errors: list[str] = []  # includes every Content-Security-Policy refusal
        self.failed_responses: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        self.page.on(
            "response",
            lambda r: self.failed_responses.append(f"{r.status} {r.url}") if r.status >= 500 or (r.status >= 400 and "/static/" in r.url) else None,
        )

    def go(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def login(self, user, password: str):
        """Log in through the real pages: the password, then (for supervisors and administrators) the code
        their authenticator app shows, computed from the test device's known key."""
        from accounts import policy
        from tests.auth import totp_code, totp_device

        if policy.second_factor_required(user):
            totp_device(user)  # the authenticator app this person set up earlier
        page = self.go("/accounts/login/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        if "/accounts/two-step/verify/" in page.url:
            page.get_by_label("Code").fill(totp_code(totp_device(user)))
            page.get_by_role("button", name="Verify").click()
            page.wait_for_load_state()
        assert "/accounts/" not in page.url, f"login did not complete: {page.url}"
        return page

    def logout(self):
        self.page.get_by_role("button", name="Log out").click()
        self.page.wait_for_load_state()

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def axe_violations(self) -> list[dict]:
        """Serious and critical accessibility violations on the current page (axe-core, vendored)."""
        self.page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
        result = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    def close(self):
        self.context.close()


@pytest.fixture
def browsing(browser, live_server):
    session = Browsing(browser, live_server)
    yield session
    session.close()
