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
        ids.update(_team_ids(user, "_member_team_ids", "teams"))
    if roles.is_supervisor(user):
        ids.update(_team_ids(user, "_supervised_team_ids", "supervised_teams"))
    user._visible_team_ids = frozenset(ids)
    return user._visible_team_ids


def supervised_team_ids(user) -> frozenset[int] | None:
    """Teams whose work `user` reviews: every team for administrators, else those they supervise."""
    if roles.is_administrator(user):
        return None
    if not roles.is_supervisor(user):
        return frozenset()
    return _team_ids(user, "_supervised_team_ids", "supervised_teams")


def _team_ids(user, cache_name: str, relation: str) -> frozenset[int]:
    """The ids of the teams `user` belongs to or supervises: read with the user by
    `accounts.backends.AuthorisationBackend`, else asked once and kept on the user object."""
    cached = getattr(user, cache_name, None)
    if cached is None:
        cached = frozenset(getattr(user, relation).values_list("pk", flat=True))
        setattr(user, cache_name, cached)
    return cached
