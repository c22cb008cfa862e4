"""The authentication backend reads a user's permissions, roles and teams with the user, in one query, and
gives the same answers Django's ModelBackend and the scoping rule give when they ask themselves."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.backends import AuthorisationBackend
from core import roles
from people import scoping
from tests.conftest import login
from tests.factories import PersonFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def answers(user) -> dict:
    """Everything a page asks about its user."""
    return {
        "perms": user.get_all_permissions(),
        "user_perms": user.get_user_permissions(),
        "group_perms": user.get_group_permissions(),
        "roles": roles.role_names(user),
        "primary": roles.primary_role(user),
        "visible": scoping.visible_team_ids(user),
        "supervised": scoping.supervised_team_ids(user),
        "review": user.has_perm("assessments.review_assessment"),
        "decide": user.has_perm("assessments.record_decision"),
    }


def slow_answers(user_id) -> dict:
    """The same questions asked the way Django and the scoping rule ask them without the backend."""
    return answers(ModelBackend().get_user(user_id))


@pytest.fixture
def users(team, other_team, caseworker, supervisor, administrator, no_role_user):
    """A user of each kind, one with a permission of their own and two teams, and a superuser."""
    both = UserFactory(username="sup_both", role=roles.SUPERVISOR)
    both.groups.add(Group.objects.get(name=roles.CASEWORKER))
    team.members.add(both)
    other_team.supervisors.add(both)
    both.user_permissions.add(Permission.objects.get(codename="view_access_log"))
    superuser = UserFactory(username="root_x", is_superuser=True, is_staff=True)
    return [caseworker, supervisor, administrator, no_role_user, both, superuser]


def test_one_query_answers_everything_a_page_asks(users, django_assert_num_queries):
    for user in users:
        with django_assert_num_queries(1):
            loaded = AuthorisationBackend().get_user(user.pk)
            got = answers(loaded)
        assert loaded == user
        assert got == slow_answers(user.pk), user.username


def test_the_answers_are_what_the_user_may_do(users, team, other_team):
    caseworker, supervisor, administrator, no_role_user, both, superuser = (
        AuthorisationBackend().get_user(u.pk) for u in users
    )
    assert caseworker.has_perm("people.add_person") and not caseworker.has_perm("assessments.review_assessment")
    assert scoping.visible_team_ids(caseworker) == {team.pk}
    assert supervisor.has_perm("assessments.review_assessment")
    assert scoping.supervised_team_ids(supervisor) == {team.pk}
    assert scoping.visible_team_ids(administrator) is None and roles.is_administrator(administrator)
    assert roles.role_names(no_role_user) == frozenset() and scoping.visible_team_ids(no_role_user) == frozenset()
    assert roles.role_names(both) == {roles.SUPERVISOR, roles.CASEWORKER}
    assert scoping.visible_team_ids(both) == {team.pk, other_team.pk}
    assert scoping.supervised_team_ids(both) == {other_team.pk}
    assert both.has_perm("people.view_access_log")
    assert superuser.get_all_permissions() == {
        f"{app}.{codename}" for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }


def test_an_inactive_user_or_an_unknown_id_is_nobody(caseworker):
    caseworker.is_active = False
    caseworker.save()
    assert AuthorisationBackend().get_user(caseworker.pk) is None
    assert AuthorisationBackend().get_user(10**9) is None


def test_a_change_of_team_or_role_applies_on_the_next_request(client, caseworker, team, other_team):
    """Nothing is kept between requests: what an administrator changes holds at once."""
    theirs = PersonFactory(owning_team=other_team, full_name_latin="Fictional Moved Person")
    login(client, caseworker)
    url = reverse("people:person_detail", args=[theirs.pk])
    assert client.get(url).status_code == 404

    other_team.members.add(caseworker)
    assert client.get(url).status_code == 200

    caseworker.groups.clear()
    assert client.get(url).status_code == 403  # no role: no permission to view people at all
