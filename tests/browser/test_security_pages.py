"""In Chromium: a supervisor logs in through the real password and code pages, opens a person's file and
its history, and the Content-Security-Policy never has to refuse anything (Bootstrap and htmx work
without inline code)."""

from __future__ import annotations

import pytest

from core import roles
from tests.auth import TEST_PASSWORD, totp_device
from tests.factories import PersonFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.timeout(120)]


def test_supervisor_logs_in_with_two_steps_and_no_page_breaks_the_csp(browsing, reference_data):
    team = TeamFactory(name="Browser Team")
    supervisor = UserFactory(username="browser_sup", role=roles.SUPERVISOR)
    team.members.add(supervisor)
    team.supervisors.add(supervisor)
    person = PersonFactory(owning_team=team, full_name_latin="Fictional Browser Person")
    totp_device(supervisor)

    page = browsing.go("/accounts/login/")
    page.get_by_label("Username").fill("browser_sup")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/two-step/verify/**")
    browsing.screenshot("00-two-step-verify")
    assert browsing.axe_violations() == []
    from tests.auth import totp_code

    page.get_by_label("Code").fill(totp_code(totp_device(supervisor)))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{browsing.base}/")

    page = browsing.go(f"/people/{person.pk}/")
    assert page.get_by_role("heading", name="Fictional Browser Person").is_visible()
    assert page.get_by_role("heading", name="Who opened this file").is_visible()
    page.get_by_role("link", name="History").click()
    assert page.get_by_role("heading", name="History of").is_visible()
    browsing.screenshot("12-person-history")
    assert browsing.axe_violations() == []

    page.set_viewport_size({"width": 500, "height": 800})  # the collapsed menu needs Bootstrap's script
    page.get_by_role("button", name="Show navigation").click()
    page.get_by_role("link", name="People").wait_for(state="visible")

    assert not browsing.console_errors, browsing.console_errors  # CSP refusals are console errors
    assert not browsing.failed_responses, browsing.failed_responses
