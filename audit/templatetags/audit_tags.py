from django import template

from audit import selectors

register = template.Library()


@register.inclusion_tag("audit/_recent_access.html", takes_context=True)
def recent_access(context, person):
    """Who looked at this person's file lately, for those allowed to know (one query, whatever the log holds)."""
    user = context["request"].user
    allowed = user.has_perm("people.view_access_log")
    return {
        "person": person,
        "allowed": allowed,
        "rows": selectors.recent_access_to_person(person.pk) if allowed else [],
        "limit": selectors.RECENT,
    }
