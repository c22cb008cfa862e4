"""Roles are Django groups with named permissions; this module is the one place that says which.

Caseworkers register people and file assessments; supervisors also review, decide and see history;
administrators hold every permission of the project's apps and manage users and teams.
"""

from __future__ import annotations

CASEWORKER = "Caseworker"
SUPERVISOR = "Supervisor"
ADMINISTRATOR = "Administrator"
ROLES = (CASEWORKER, SUPERVISOR, ADMINISTRATOR)

_CRUD = ("view", "add", "change")

# app_label -> model -> actions, or a full codename (custom permission) when it contains an underscore.
CASEWORKER_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "people": {
        "person": _CRUD + ("export_person",),
        "personname": _CRUD + ("delete",),
        "identitydocument": _CRUD + ("delete",),
        "registration": _CRUD + ("delete",),
        "residence": _CRUD,
        "legalstatus": _CRUD,
        "affiliation": _CRUD,
        "familylink": _CRUD + ("delete",),
        "vulnerability": _CRUD,
        # Camps are shared by every team: a caseworker registers a new one; only administrators change them.
        "camp": ("view", "add"),
        "organisation": ("view", "add"),
        "organisationalias": ("view", "add"),
        "team": ("view",),
    },
    "assessments": {
        "risktype": ("view",),
        "indicator": ("view",),
        "removalproposal": _CRUD,
        "assessment": _CRUD,
        "interview": _CRUD,
        "evidence": _CRUD,
        "finding": _CRUD,
        "assurance": _CRUD,
        "flag": ("view", "add", "resolve_flag"),
        "removaldecision": ("view",),
        "review": ("view",),
    },
}

SUPERVISOR_EXTRA: dict[str, dict[str, tuple[str, ...]]] = {
    "people": {
        "person": ("view_history", "view_access_log"),
    },
    "assessments": {
        "assessment": ("review_assessment", "view_history"),
        "removaldecision": ("add", "record_decision"),
        "review": ("add",),
        "flag": ("change",),
    },
}

PROJECT_APPS = ("core", "people", "assessments", "audit", "accounts")


def _codenames(spec: dict[str, dict[str, tuple[str, ...]]]) -> set[tuple[str, str]]:
    wanted: set[tuple[str, str]] = set()
    for app_label, models in spec.items():
        for model, actions in models.items():
            for action in actions:
                codename = action if "_" in action else f"{action}_{model}"
                wanted.add((app_label, codename))
    return wanted


def permission_keys(role: str) -> set[tuple[str, str]] | None:
    """Return the (app_label, codename) pairs a role holds; None means every permission of the project."""
    if role == CASEWORKER:
        return _codenames(CASEWORKER_PERMISSIONS)
    if role == SUPERVISOR:
        return _codenames(CASEWORKER_PERMISSIONS) | _codenames(SUPERVISOR_EXTRA)
    if role == ADMINISTRATOR:
        return None
    raise ValueError(role)


def sync_roles(Group, Permission) -> None:
    """Create the three groups and give each exactly its permissions (idempotent)."""
    from django.db.models import Q

    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        keys = permission_keys(role)
        if keys is None:
            perms = Permission.objects.filter(
                Q(content_type__app_label__in=PROJECT_APPS)
                | Q(content_type__app_label="auth")
                | Q(content_type__app_label="axes")
                | Q(content_type__app_label__startswith="otp_")
                | Q(content_type__app_label="pghistory")
            )
        else:
            query = Q(pk__in=[])
            for app_label, codename in keys:
                query |= Q(content_type__app_label=app_label, codename=codename)
            perms = Permission.objects.filter(query)
        group.permissions.set(perms)


def sync_roles_after_migrate(sender, app_config=None, using="default", apps=None, **kwargs) -> None:
    """Keep the groups in step with the code after every migrate (new models bring new permissions)."""
    from django.apps import apps as installed
    from django.contrib.auth.models import Group, Permission

    # Once per migrate, after the last project app in INSTALLED_APPS has had its permissions created.
    # (post_migrate is sent only to apps that have a models module.)
    last = [c.label for c in installed.get_app_configs() if c.label in PROJECT_APPS and c.models_module][-1]
    if app_config is None or app_config.label != last:
        return

    sync_roles(Group, Permission)


# ---------------------------------------------------------------------------------------------------------
# Asking about a user's roles (one query per user object, then cached on it).


def role_names(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._role_names = cached
    return cached


def is_administrator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (user.is_superuser or ADMINISTRATOR in role_names(user))


def is_supervisor(user) -> bool:
    return SUPERVISOR in role_names(user)


def is_caseworker(user) -> bool:
    return CASEWORKER in role_names(user)


def primary_role(user) -> str:
    """The highest role a user holds, for greetings and labels."""
    if is_administrator(user):
        return ADMINISTRATOR
    if is_supervisor(user):
        return SUPERVISOR
    if is_caseworker(user):
        return CASEWORKER
    return ""
