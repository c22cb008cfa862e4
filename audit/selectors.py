"""Reads of the access log."""

from __future__ import annotations

from django.db.models import QuerySet

from audit.models import AccessLog

RECENT = 10


def access_to_person(person_id: int) -> QuerySet:
    """Every access-log row about one person (views of their file and its parts, and denied attempts)."""
    return AccessLog.objects.filter(person_id=person_id).select_related("user")


def recent_access_to_person(person_id: int, limit: int = RECENT) -> list[AccessLog]:
    return list(access_to_person(person_id).order_by("-at", "-id")[:limit])
