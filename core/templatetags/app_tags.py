from django import template

register = template.Library()


@register.filter
def user_display(user, empty: str = "Unassigned") -> str:
    """A user's full name, else their username, else `empty` (for a missing user)."""
    if user is None:
        return empty
    return user.get_full_name() or user.get_username()


@register.filter
def absolute(value):
    try:
        return abs(value)
    except TypeError:
        return value
