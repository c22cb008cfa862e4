"""In Chromium: a supervisor logs in through the real password and code pages, opens a person's file and
its history, and the Content-Security-Policy never has to refuse anything (Bootstrap and htmx work
without inline code)."""

from __future__ import annotations

import pytest

from core import roles
from tests.auth import TEST_PASSWORD, totp_code, totp_device
from tests.factories import PersonFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


@pytest.fixture
def security_page(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the test's thread
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        context = browser.new_context()
        page = context.new_page()
        page.problems = []
        page.failed = []
        page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None)
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        page.on("response", lambda r: page.failed.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
        yield page
        browser.close()
        from django.db import connections

        connections.close_all()  # the connection this thread opened while Playwright's loop was running


def test_supervisor_logs_in_with_two_steps_and_no_page_breaks_the_csp(live_server, security_page):
    page = security_page
    team = TeamFactory(name="Browser Team")
    supervisor = UserFactory(username="browser_sup", role=roles.SUPERVISOR)
    team.members.add(supervisor)
    team.supervisors.add(supervisor)
    person = PersonFactory(owning_team=team, full_name_latin="Fictional Browser Person")
    device = totp_device(supervisor)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("browser_sup")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/two-step/verify/**")
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/people/{person.pk}/")
    assert page.get_by_role("heading", name="Fictional Browser Person").is_visible()
    assert page.get_by_role("heading", name="Who opened this file").is_visible()
    page.get_by_role("link", name="History").click()
    assert page.get_by_role("heading", name="History of").is_visible()

    page.set_viewport_size({"width": 500, "height": 800})  # the collapsed menu needs Bootstrap's script
    page.get_by_role("button", name="Show navigation").click()
    page.get_by_role("link", name="People").wait_for(state="visible")

    assert not [p for p in page.problems if "Content Security Policy" in p or "Refused" in p], page.problems
    assert not page.problems, page.problems
    assert not page.failed, page.failed
