"""Shared fixtures: a small world of two teams, one user per role, and a person in each team."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: once Playwright's loop runs in this thread, Django's connections are
    looked up per asyncio context, which the database tests before them must not see."""
    browser, others = [], []
    for item in items:
        if "/tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            browser.append(item)
        else:
            others.append(item)
    items[:] = others + browser

from core import roles
from tests.factories import PersonFactory, TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached aggregates (the dashboard) never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def team(db):
    return TeamFactory(name="Field Team A")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Field Team B")


@pytest.fixture
def caseworker(team):
    user = UserFactory(username="cw_a", role=roles.CASEWORKER)
    team.members.add(user)
    return user


@pytest.fixture
def supervisor(team):
    user = UserFactory(username="sup_a", role=roles.SUPERVISOR)
    team.members.add(user)
    team.supervisors.add(user)
    return user


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin_x", role=roles.ADMINISTRATOR)


@pytest.fixture
def other_caseworker(other_team):
    user = UserFactory(username="cw_b", role=roles.CASEWORKER)
    other_team.members.add(user)
    return user


@pytest.fixture
def other_supervisor(other_team):
    user = UserFactory(username="sup_b", role=roles.SUPERVISOR)
    other_team.members.add(user)
    other_team.supervisors.add(user)
    return user


@pytest.fixture
def no_role_user(team):
    user = UserFactory(username="norole")
    team.members.add(user)
    return user


@pytest.fixture
def person(team, caseworker):
    return PersonFactory(owning_team=team, assigned_caseworker=caseworker, full_name_latin="Fictional Reza Hosseini")


@pytest.fixture
def other_person(other_team):
    return PersonFactory(owning_team=other_team, full_name_latin="Fictional Other Team Person")


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def decider(team):
    """A second supervisor of team A: independent of the assessment, allowed to record decisions."""
    user = UserFactory(username="decider_a", role=roles.SUPERVISOR)
    team.members.add(user)
    team.supervisors.add(user)
    return user


@pytest.fixture(autouse=True)
def _evidence_files_in_a_temporary_directory(tmp_path, monkeypatch):
    """Uploaded evidence goes to a per-test directory, never to the checkout's media/."""
    from assessments.models import evidence_storage

    monkeypatch.setattr(evidence_storage, "_location", str(tmp_path / "evidence"))
    for cached in ("base_location", "location"):
        evidence_storage.__dict__.pop(cached, None)
    yield
    for cached in ("base_location", "location"):
        evidence_storage.__dict__.pop(cached, None)


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """`client.force_login` skips the password; here it also skips the second factor (see tests/auth.py)."""
    from django.test import Client

    from tests.auth import verified_force_login

    monkeypatch.setattr(Client, "force_login", verified_force_login)
