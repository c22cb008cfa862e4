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


@pytest.fixture(scope="session")
def django_db_setup(
    request, django_test_environment, django_db_blocker, django_db_use_migrations, django_db_keepdb,
    django_db_createdb, django_db_modify_db_settings,
):
    """The test database is created and migrated as the owning role, and the suite runs as the runtime role.

    pytest-django's own fixture would create it through `default`, the role production runs as, which may not
    create databases or own tables; Django's TEST MIRROR would copy the owner's USER into `default` as well.
    So: create and migrate it through the `owner` alias, point `default` (same server, the runtime role) at it,
    and drop it as the owner at the end. Every trigger test then proves its rule against the role production
    uses. Without an `owner` alias (DATABASE_URL alone) the suite refuses to start.
    """
    from django.db import connections

    from core.database_roles import OWNER_ALIAS

    keepdb = django_db_keepdb and not django_db_createdb
    verbosity = request.config.option.verbose
    if not django_db_use_migrations:
        pytest.exit("--nomigrations is not supported: the database's rules are installed by migrations")
    if OWNER_ALIAS not in connections:
        pytest.exit(
            "The suite runs as the runtime role and migrates as the owner: with DATABASE_URL, set "
            "DATABASE_OWNER_URL too (README, \"A real PostgreSQL server\").", returncode=4,
        )

    owner, default = connections[OWNER_ALIAS], connections["default"]
    old_name = owner.settings_dict["NAME"]
    with django_db_blocker.unblock():
        test_name = owner.creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False, keepdb=keepdb)
        owner.close()
        default.close()
        default.settings_dict["NAME"] = test_name  # the same dict as settings.DATABASES["default"]
        # For `serialized_rollback` tests, read as the runtime role, as Django's setup_databases does after
        # creating them.
        default._test_serialized_contents = default.creation.serialize_db_to_string()
    yield
    with django_db_blocker.unblock():
        connections.close_all()
        default.settings_dict["NAME"] = old_name
        owner.creation.destroy_test_db(old_name, verbosity=verbosity, keepdb=keepdb)


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
