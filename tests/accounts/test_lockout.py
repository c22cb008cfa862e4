"""Login throttling: a username from one address and browser is locked after 5 failures for 15 minutes, then
released; every further try on the account, from anywhere, waits a growing delay. Time is moved by moving the
attempt timestamps, never by sleeping."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from audit.models import AuthEvent
from tests.auth import TEST_PASSWORD

HERE, ELSEWHERE = "192.0.2.10", "198.51.100.20"


def _login(client, password, *, ip=HERE, username="cw_a", browser="Fictional Browser 1.0"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, HTTP_USER_AGENT=browser)


def _fail(client, times, **kwargs):
    return [_login(client, "wrong password", **kwargs) for _ in range(times)]


def _age_attempts(minutes=0, seconds=0):
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=minutes, seconds=seconds))


@pytest.mark.django_db
def test_four_failures_do_not_lock(client, caseworker):
    responses = _fail(client, 4)
    assert all(r.status_code == 200 and "Please enter a correct username and password" in r.content.decode() for r in responses)
    assert _login(client, TEST_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_fifth_failure_locks_the_pair_and_the_page_says_when_to_retry(client, caseworker):
    responses = _fail(client, 5)
    locked = responses[-1]
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Logging in is paused" in body and "15 minutes" in body and "You can try again at" in body
    # Even the right password is refused now, from this address...
    refused = _login(client, TEST_PASSWORD)
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    # ...but not from another address, nor from another browser on this one (a colleague on the same camp
    # network), once the account's short delay has passed.
    from django.test import Client

    _age_attempts(seconds=2)
    assert _login(Client(), TEST_PASSWORD, browser="Fictional Other Browser").status_code == 302
    assert _login(Client(), TEST_PASSWORD, ip=ELSEWHERE).status_code == 302


@pytest.mark.django_db
def test_the_lock_lifts_after_fifteen_minutes_and_not_before(client, caseworker):
    _fail(client, 5)
    _age_attempts(14)
    assert _login(client, TEST_PASSWORD).status_code == 429  # a failure during the lock restarts the 15 minutes
    _age_attempts(14)
    assert _login(client, TEST_PASSWORD).status_code == 429
    _age_attempts(16)
    assert _login(client, TEST_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_failures_lock_and_successes_are_all_logged(client, caseworker):
    _fail(client, 5)
    _age_attempts(16)
    _login(client, TEST_PASSWORD)
    assert AccessFailureLog.objects.filter(username="cw_a", ip_address=HERE).count() == 5
    assert AccessLog.objects.filter(username="cw_a", ip_address=HERE).count() == 1  # axes' success log
    kinds = list(AuthEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds.count("login_failed") == 5 and kinds.count("locked_out") == 1 and kinds[-1] == "login"
    assert all("wrong password" not in str(e.detail) for e in AuthEvent.objects.all())


@pytest.mark.django_db
def test_an_administrator_can_unlock_with_a_command(client, caseworker):
    _fail(client, 5)
    call_command("axes_reset_username", "cw_a")
    assert _login(client, TEST_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_an_administrator_can_unlock_in_the_admin(client, caseworker, administrator):
    from django.test import Client

    _fail(client, 5)
    attempt = AccessAttempt.objects.get(username="cw_a")
    admin_client = Client()
    admin_client.force_login(administrator)
    assert admin_client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    response = admin_client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert _login(client, TEST_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_many_addresses_do_not_buy_more_guesses_on_one_account(client, caseworker):
    from django.test import Client

    for i in range(5):
        _login(Client(), "wrong password", ip=f"203.0.113.{i + 1}")
    refused = _login(Client(), "wrong password", ip="203.0.113.99")
    assert refused.status_code == 200 and "Wait 1 seconds" in refused.content.decode()
    assert AccessAttempt.objects.filter(username="cw_a").count() == 5  # the refused try was not even checked
    _age_attempts(seconds=2)
    _login(Client(), "wrong password", ip="203.0.113.99")  # the sixth failure: the next wait is 2 s
    assert "Wait 2 seconds" in _login(Client(), TEST_PASSWORD, ip="203.0.113.100").content.decode()
    _age_attempts(seconds=3)
    assert _login(Client(), TEST_PASSWORD, ip="203.0.113.100").status_code == 302  # the owner gets in


@pytest.mark.django_db
def test_the_delay_grows_but_never_past_a_minute(caseworker):
    from django.utils import timezone

    from accounts import throttle

    AccessAttempt.objects.create(
        username="cw_a", ip_address="203.0.113.1", user_agent="x", failures_since_start=40, attempt_time=timezone.now(),
        get_data="", post_data="", http_accept="", path_info="/accounts/login/",
    )
    assert throttle.wait_seconds("cw_a") == throttle.MAX_DELAY == 60
