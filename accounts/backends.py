"""The authentication backend: Django's ModelBackend, with everything a page asks about its user read at once.

Every page of ours asks who the user is (the session's user), what they may do (permissions, their own and their
groups'), which roles they hold and which teams they belong to or supervise. ModelBackend and the scoping rule
ask that in five queries; `get_user` here asks it in one, when the session's user is loaded, and leaves the
answers where `has_perm`, `core.roles` and `people.scoping` look first. Nothing is kept between requests, so a
role, permission or team changed by an administrator applies to the user's next request, in every process.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission


@cache
def _user_sql() -> str:
    from people.models import Team

    user_model = get_user_model()
    user = user_model._meta.db_table
    user_groups = user_model.groups.through._meta
    user_perms = user_model.user_permissions.through._meta
    group_perms = Group.permissions.through._meta
    members = Team.members.through._meta
    supervisors = Team.supervisors.through._meta

    def column(through, model) -> str:
        return next(f.column for f in through.fields if f.is_relation and f.related_model is model)

    permission = Permission._meta.db_table
    content_type = Permission._meta.get_field("content_type")

    def perms(ids: str) -> str:
        """The names of the permissions whose ids `ids` selects; every one for a superuser (as ModelBackend)."""
        return (
            f"ARRAY(SELECT ct.app_label || '.' || p.codename FROM {permission} p "
            f"JOIN {content_type.related_model._meta.db_table} ct ON ct.id = p.{content_type.column} "
            f"WHERE u.is_superuser OR p.id IN ({ids}))"
        )

    own = (
        f"SELECT {column(user_perms, Permission)} FROM {user_perms.db_table} "
        f"WHERE {column(user_perms, user_model)} = u.id"
    )
    via_groups = (
        f"SELECT gp.{column(group_perms, Permission)} FROM {group_perms.db_table} gp "
        f"JOIN {user_groups.db_table} ug ON ug.{column(user_groups, Group)} = gp.{column(group_perms, Group)} "
        f"WHERE ug.{column(user_groups, user_model)} = u.id"
    )
    return (
        f"SELECT u.*, "
        f"ARRAY(SELECT g.name FROM {Group._meta.db_table} g JOIN {user_groups.db_table} ug "
        f"ON ug.{column(user_groups, Group)} = g.id WHERE ug.{column(user_groups, user_model)} = u.id) AS authz_groups, "
        f"{perms(own)} AS authz_user_perms, {perms(via_groups)} AS authz_group_perms, "
        f"ARRAY(SELECT {column(members, Team)} FROM {members.db_table} WHERE {column(members, user_model)} = u.id) "
        f"AS authz_member_teams, "
        f"ARRAY(SELECT {column(supervisors, Team)} FROM {supervisors.db_table} "
        f"WHERE {column(supervisors, user_model)} = u.id) AS authz_supervised_teams "
        f"FROM {user} u WHERE u.id = %s"
    )


class AuthorisationBackend(ModelBackend):
    """ModelBackend whose `get_user` also reads the user's permissions, roles and teams, in the same query."""

    def get_user(self, user_id):
        try:
            user_id = get_user_model()._meta.pk.to_python(user_id)
        except Exception:  # a session naming no valid id: nobody, as ModelBackend answers
            return None
        rows = list(get_user_model()._default_manager.raw(_user_sql(), [user_id]))
        if not rows or not self.user_can_authenticate(rows[0]):
            return None
        user = rows[0]
        remember_authorisation(
            user,
            groups=user.authz_groups,
            user_perms=user.authz_user_perms,
            group_perms=user.authz_group_perms,
            member_teams=user.authz_member_teams,
            supervised_teams=user.authz_supervised_teams,
        )
        return user


def remember_authorisation(user, *, groups, user_perms, group_perms, member_teams, supervised_teams) -> None:
    """Leave the answers where ModelBackend, `core.roles` and `people.scoping` look before they query."""
    from core.roles import ROLES

    for name in ("authz_groups", "authz_user_perms", "authz_group_perms", "authz_member_teams",
                 "authz_supervised_teams"):
        user.__dict__.pop(name, None)
    user._user_perm_cache = set(user_perms)
    user._group_perm_cache = set(group_perms)
    user._role_names = frozenset(g for g in groups if g in ROLES)
    user._member_team_ids = frozenset(member_teams)
    user._supervised_team_ids = frozenset(supervised_teams)
