from django import template
from django.template.defaultfilters import pluralize
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def user_display(user, empty: str = "Unassigned") -> str:
    """A user's full name, else their username, else `empty` (for a missing user)."""
    if user is None:
        return empty
    return user.get_full_name() or user.get_username()


# Badges used in long lists: rendered in Python (an {% include %} per row was a large share of the
# caseworker's and supervisor's list pages). The markup is what the former partial templates produced.

_STATUS_BADGE = {"approved": "text-bg-success", "submitted": "text-bg-primary", "returned": "text-bg-warning",
                 "draft": "text-bg-secondary"}
_OUTCOME_BADGE = {"real_risk": ("text-bg-danger", "Real risk"), "no_real_risk": ("text-bg-success", "No real risk"),
                  "insufficient_information": ("text-bg-warning", "Insufficient information")}


@register.filter
def days_left_badge(days):
    """How many days remain before a planned removal, red within a week, amber within two."""
    if days is None:
        return ""
    if days < 0:
        return format_html('<span class="badge text-bg-danger">overdue by {} day{}</span>', -days, pluralize(-days))
    if days == 0:
        return mark_safe('<span class="badge text-bg-danger">today</span>')
    css = "text-bg-danger" if days <= 7 else "text-bg-warning" if days <= 14 else "text-bg-light border"
    return format_html('<span class="badge {}">{} day{} left</span>', css, days, pluralize(days))


@register.filter
def status_badge(assessment):
    css = _STATUS_BADGE.get(assessment.status, "text-bg-light border")
    return format_html('<span class="badge {}">{}</span>', css, assessment.get_status_display())


@register.filter
def severity_badge(flag):
    css = "text-bg-danger" if flag.severity >= 4 else "text-bg-warning" if flag.severity == 3 else "text-bg-light border"
    html = format_html('<span class="badge {}">{}</span>', css, flag.get_severity_display())
    if flag.blocks_removal:
        html += mark_safe(' <span class="badge text-bg-dark">blocks removal</span>')
    return html


@register.filter
def outcome_badge(outcome):
    css, label = _OUTCOME_BADGE.get(outcome, ("text-bg-light border", "Not assessed"))
    return format_html('<span class="badge {}">{}</span>', css, label)
