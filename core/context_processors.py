from core import roles as role_rules


def roles(request):
    """Expose the user's roles to every template (one query per request, cached on the user)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_caseworker": False, "is_supervisor": False, "is_administrator": False}
    return {
        "is_caseworker": role_rules.is_caseworker(user),
        "is_supervisor": role_rules.is_supervisor(user),
        "is_administrator": role_rules.is_administrator(user),
    }
