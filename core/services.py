"""What every service shares: who acts, inside one transaction, with history context attached."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pghistory
from django.db import IntegrityError, models, transaction

from core.errors import PermissionDenied, validation_error_from_integrity

NOT_ALLOWED = "You do not have permission to do this."


@contextlib.contextmanager
def acting(actor, action: str, **context) -> Iterator[None]:
    """Run a service body atomically, with `actor` and `action` attached to every history row it writes."""
    user_id = getattr(actor, "pk", None)
    with transaction.atomic(), pghistory.context(user=user_id, action=action, **context):
        yield


def require_perm(actor, perm: str, message: str = NOT_ALLOWED) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(perm):
        raise PermissionDenied(message)


def save_validated(instance: models.Model, *, exclude: list[str] | None = None) -> models.Model:
    """Validate every field and constraint, then save; a race the validation missed still gets a clear message."""
    instance.full_clean(exclude=exclude)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise validation_error_from_integrity(exc) from exc
    return instance
