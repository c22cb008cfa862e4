"""Domain errors: a stable code and a message a caseworker understands."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core import exceptions as django_exceptions
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404


class DomainError(Exception):
    """A business rule refused an action. `code` is stable; `message` is shown to the user."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def __str__(self) -> str:
        return self.message


class PermissionDenied(DomainError, django_exceptions.PermissionDenied):
    """The actor may not do this. Also Django's PermissionDenied, so one escaping a view answers 403."""

    code = "permission_denied"


class OutOfScope(DomainError, Http404):
    """The record does not exist for this user; pages answer 404, exactly as for a missing record."""

    code = "out_of_scope"


class InvalidTransition(DomainError):
    code = "invalid_transition"


@dataclass(frozen=True)
class Reason:
    """One reason a rule refused, with a stable code and a plain-words message."""

    code: str
    message: str
    fix_url: str = ""


# Database rules that are triggers rather than declared constraints register a translator here: it turns
# the trigger's message and its DETAIL (structured reasons: codes and ids, as JSON) into the sentences the
# pages use.
TRIGGER_TRANSLATORS: dict[str, Callable[[str, str | None], list[str]]] = {}


def trigger_detail_rows(detail: str | None) -> list[dict]:
    """The structured reasons a trigger put in its error's DETAIL (a JSON array of objects), or []."""
    try:
        rows = json.loads(detail or "[]")
    except ValueError:
        return []
    return [r for r in rows if isinstance(r, dict) and "code" in r] if isinstance(rows, list) else []


def constraint_messages() -> dict[str, tuple[str, str]]:
    """Map every model constraint's name to (code, message) across the installed apps."""
    found: dict[str, tuple[str, str]] = {}
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            message = constraint.get_violation_error_message() if hasattr(constraint, "get_violation_error_message") else ""
            code = getattr(constraint, "violation_error_code", None) or constraint.name
            found[constraint.name] = (code, message)
    return found


def validation_error_from_integrity(exc: IntegrityError) -> ValidationError:
    """Turn a database constraint violation into a ValidationError with the constraint's own message.

    The database is the last line of defence (two users racing past form validation); the person
    still deserves the same clear message the form would have shown.
    """
    cause = getattr(exc, "__cause__", None)
    diag = getattr(cause, "diag", None)
    name = getattr(diag, "constraint_name", None) or ""
    known = constraint_messages()
    if name in TRIGGER_TRANSLATORS:
        primary = getattr(diag, "message_primary", "") or str(exc)
        return ValidationError(TRIGGER_TRANSLATORS[name](primary, getattr(diag, "message_detail", None)), code=name)
    if name in known:
        code, message = known[name]
        return ValidationError(message or f"This change breaks the rule “{name}”.", code=code)
    trigger_message = getattr(diag, "message_primary", None)
    if trigger_message:
        return ValidationError(trigger_message, code=getattr(diag, "sqlstate", None) or "integrity")
    return ValidationError("This change conflicts with existing records and was not saved.", code="integrity")
