"""What every service shares: who acts, inside one transaction, with history context attached."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pghistory
from django.db import IntegrityError, models, transaction

from core.errors import PermissionDenied, validation_error_from_integrity

NOT_ALLOWED = "You do not have permission to do this."


DATA_GENERATION_KEY = "data:generation"


def data_generation() -> int:
    """A number that changes whenever a service commits a write: cached aggregates are keyed by it."""
    from django.core.cache import cache

    return cache.get_or_set(DATA_GENERATION_KEY, 0, None)


def cached_until_write(name: str, team_ids, compute, *, seconds: int = 60):
    """`compute()`, kept per scope (`team_ids`, None for every team) until a service commits a write in this
    process, and for `seconds` at most (a write seen by another server process, or made outside the
    services). Only for what holds no personal data and is the same for everyone with the same scope."""
    from django.core.cache import cache

    scope = "all" if team_ids is None else ",".join(map(str, sorted(team_ids)))
    key = f"{name}:{data_generation()}:{scope}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


def _bump_data_generation() -> None:
    from django.core.cache import cache

    try:
        cache.incr(DATA_GENERATION_KEY)
    except ValueError:
        cache.set(DATA_GENERATION_KEY, 1, None)


@contextlib.contextmanager
def acting(actor, action: str, **context) -> Iterator[None]:
    """Run a service body atomically, with `actor` and `action` attached to every history row it writes."""
    user_id = getattr(actor, "pk", None)
    with transaction.atomic(), pghistory.context(user=user_id, action=action, **context):
        transaction.on_commit(_bump_data_generation)
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
