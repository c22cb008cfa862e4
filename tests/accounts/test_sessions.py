"""Sessions: a new id at login, 30 idle minutes, 12 hours at most, logout and deactivation end them on the
server. Time is injected through core.clock, never waited for."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserSession
from audit.models import AuthEvent
from core import clock
from tests.auth import TEST_PASSWORD

START = timezone.now()


@pytest.fixture
def at(monkeypatch):
    """Set the app's clock: `at(minutes=…)` is that long after START."""
    current = {"now": START}
    monkeypatch.setattr(clock, "now", lambda: current["now"])

    def move(**delta):
        current["now"] = START + datetime.timedelta(**delta)

    return move


def _login(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def _ok(client) -> bool:
    response = client.get(reverse("people:person_list"))
    assert response.status_code in (200, 302)
    return response.status_code == 200


@pytest.mark.django_db
def test_logging_in_issues_a_new_session_id(client, caseworker):
    session = client.session
    session["before_login"] = True
    session.save()
    anonymous_key = session.session_key
    _login(client, caseworker)
    assert client.session.session_key != anonymous_key
    assert not Session.objects.filter(session_key=anonymous_key).exists()


@pytest.mark.django_db
def test_thirty_idle_minutes_end_the_session(client, caseworker, at):
    at(minutes=0)
    _login(client, caseworker)
    key = client.session.session_key
    at(minutes=29)
    assert _ok(client)  # activity restarts the idle clock
    at(minutes=58)
    assert _ok(client)
    at(minutes=88, seconds=1)
    response = client.get(reverse("people:person_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not Session.objects.filter(session_key=key).exists()
    assert "after 30 minutes without activity" in client.get(response["Location"]).content.decode()
    assert AuthEvent.objects.filter(user=caseworker, kind="session_expired").count() == 1
    assert not AuthEvent.objects.filter(user=caseworker, kind="logout").exists()


@pytest.mark.django_db
def test_twelve_hours_end_the_session_however_active(client, caseworker, at):
    at(minutes=0)
    _login(client, caseworker)
    for minutes in range(20, 12 * 60, 20):
        at(minutes=minutes)
        assert _ok(client), minutes
    at(hours=12)
    assert not _ok(client)
    assert "12-hour limit" in client.get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_the_server_side_session_expires_with_the_idle_timeout_too(client, caseworker):
    _login(client, caseworker)
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = session.expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < remaining <= datetime.timedelta(minutes=30)


@pytest.mark.django_db
def test_logout_deletes_the_session_on_the_server(client, caseworker):
    _login(client, caseworker)
    key = client.session.session_key
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies["sessionid"] = key  # the old cookie, replayed
    assert not _ok(replay)


@pytest.mark.django_db
def test_deactivating_a_user_ends_all_their_sessions_at_once(caseworker):
    laptop, phone = _login(Client(), caseworker), _login(Client(), caseworker)
    keys = [laptop.session.session_key, phone.session.session_key]
    assert Session.objects.filter(session_key__in=keys).count() == 2
    caseworker.is_active = False
    caseworker.save()
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not _ok(laptop) and not _ok(phone)
    assert AuthEvent.objects.filter(user=caseworker, kind="sessions_ended").exists()


@pytest.mark.django_db
def test_a_user_deactivated_behind_the_orms_back_is_refused_at_the_next_request(caseworker):
    from django.contrib.auth import get_user_model

    client = _login(Client(), caseworker)
    get_user_model().objects.filter(pk=caseworker.pk).update(is_active=False)
    assert not _ok(client)
