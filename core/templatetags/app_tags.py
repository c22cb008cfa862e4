"""Filters every template may use (a builtin, config/settings.py). Python decides what a badge says and how
it is coloured (a `Badge`); the templates write its markup."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import template
from django.template.defaultfilters import pluralize
from django.utils import formats, timezone

register = template.Library()


@register.filter
def user_display(user, empty: str = "Unassigned") -> str:
    """A user's full name, else their username, else `empty` (for a missing user)."""
    if user is None:
        return empty
    return user.get_full_name() or user.get_username()


@register.filter(expects_localtime=True)
def day(value, length: str = "") -> str:
    """A date (or a moment's local date) as the app writes dates: "8 November 2026", or with "short" "8 Nov
    2026"."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return formats.date_format(value, "SHORT_DATE_FORMAT" if length == "short" else "DATE_FORMAT")


@dataclass(frozen=True)
class Badge:
    """What a badge says and its Bootstrap colour classes (`templates/core/_badge.html` draws it)."""

    css: str
    text: str


STATUS_CSS = {"approved": "text-bg-success", "submitted": "text-bg-primary", "returned": "text-bg-warning",
              "draft": "text-bg-secondary"}
OUTCOMES = {"real_risk": Badge("text-bg-danger", "Real risk"), "no_real_risk": Badge("text-bg-success", "No real risk"),
            "insufficient_information": Badge("text-bg-warning", "Insufficient information")}
NOT_ASSESSED = Badge("text-bg-light border", "Not assessed")


def days_left(days: int | None) -> Badge | None:
    """How many days remain before a planned removal, red within a week, amber within two."""
    if days is None:
        return None
    if days < 0:
        return Badge("text-bg-danger", f"overdue by {-days} day{pluralize(-days)}")
    if days == 0:
        return Badge("text-bg-danger", "today")
    css = "text-bg-danger" if days <= 7 else "text-bg-warning" if days <= 14 else "text-bg-light border"
    return Badge(css, f"{days} day{pluralize(days)} left")


def status(assessment) -> Badge:
    return Badge(STATUS_CSS.get(assessment.status, "text-bg-light border"), assessment.get_status_display())


def severity(flag) -> Badge:
    css = "text-bg-danger" if flag.severity >= 4 else "text-bg-warning" if flag.severity == 3 else "text-bg-light border"
    return Badge(css, flag.get_severity_display())


def outcome(value: str) -> Badge:
    return OUTCOMES.get(value, NOT_ASSESSED)


# Badges: `{% with b=a|status_badge %}<span class="badge {{ b.css }}">{{ b.text }}</span>{% endwith %}`.
register.filter("days_left_badge", days_left)
register.filter("status_badge", status)
register.filter("severity_badge", severity)
register.filter("outcome_badge", outcome)
