"""The one scoping rule, used by every page, export, admin list, file download and API.

Administrators see everyone. Anyone else sees the people owned by the teams they belong to (as a
caseworker) or supervise (as a supervisor). A user with no role sees no one.
"""

from __future__ import annotations

from core import roles


def visible_team_ids(user) -> frozenset[int] | None:
    """Return the ids of the teams whose people `user` may see, or None for "every team".

    Cached on the user object, so a request pays for it once.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if roles.is_administrator(user):
        return None
    cached = getattr(user, "_visible_team_ids", None)
    if cached is not None:
        return cached
    ids: set[int] = set()
    if roles.is_caseworker(user) or roles.is_supervisor(user):
        ids.update(user.teams.values_list("pk", flat=True))
    if roles.is_supervisor(user):
        ids.update(user.supervised_teams.values_list("pk", flat=True))
    user._visible_team_ids = frozenset(ids)
    return user._visible_team_ids


def supervised_team_ids(user) -> frozenset[int] | None:
    """Teams whose work `user` reviews: every team for administrators, else those they supervise."""
    if roles.is_administrator(user):
        return None
    if not roles.is_supervisor(user):
        return frozenset()
    cached = getattr(user, "_supervised_team_ids", None)
    if cached is None:
        cached = frozenset(user.supervised_teams.values_list("pk", flat=True))
        user._supervised_team_ids = cached
    return cached
