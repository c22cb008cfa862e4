"""Who saw what: the one API every view that shows personal data calls.

    from audit import access

    # a page that shows one record: look it up in scope, log the view, or log the denial and answer 404
    person = access.get_or_deny(request, Person.objects.visible_to(request.user), pk, what="person")

    # a page that looked the record up some other way (a selector that raises Http404)
    with access.deny_on_404(request, what="person", object_id=pk, person_id=pk):
        person = selectors.person_for_user(user=request.user, pk=pk)
    access.record(request, what="person", object_id=person.pk, person_id=person.pk)

    # an export: one row for the file, whatever it holds
    access.record(request, what="export", object_id=None, person_id=None)

Exactly one row per view: call it once per page or file, never from partials the page loads. A denied
attempt keeps only what was asked for (the id in the URL), never anything looked up, so the log of a denial
holds no personal data.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import Http404

from audit.models import AccessLog, Outcome

NOT_IN_CASELOAD = "No such record in your caseload."


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the first X-Forwarded-For hop behind the TLS proxy.

    The first hop is only trustworthy because the proxy overwrites the header (docs/security.md); without
    BEHIND_TLS_PROXY the header is ignored, as anyone can send it. Also django-axes' address for lockouts.
    """
    meta = getattr(request, "META", {})
    candidate = meta.get("REMOTE_ADDR")
    if getattr(settings, "BEHIND_TLS_PROXY", False):
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
        first = forwarded.split(",")[0].strip()
        if first:
            candidate = first
    try:
        return str(ipaddress.ip_address((candidate or "").strip()))
    except ValueError:
        return None


def record(
    request,
    *,
    what: str,
    person_id: int | None,
    object_id: int | None,
    outcome: str = Outcome.VIEWED,
) -> AccessLog:
    """Write one access-log row for this request: who, what (kind, object, person), when, from where."""
    if outcome not in Outcome.values:
        raise ValueError(f"Unknown outcome {outcome!r}")
    if not what or len(what) > 40:
        raise ValueError("`what` is a short kind such as 'person', 'assessment', 'evidence_file' or 'export'.")
    object_id, person_id = _bigint(object_id), _bigint(person_id)
    user = getattr(request, "user", None)
    authenticated = bool(getattr(user, "is_authenticated", False))
    match = getattr(request, "resolver_match", None)
    return AccessLog.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        what=what,
        object_id=object_id,
        person_id=person_id,
        outcome=outcome,
        ip=client_ip(request),
        route=(match.view_name if match else "")[:100],
    )


def _bigint(value: int | None) -> int | None:
    """An id typed into a URL can be any size; one that no row can have is stored as unknown."""
    return value if value is None or -(2**63) <= value < 2**63 else None


def record_denied(request, *, what: str, object_id: int | None, person_id: int | None = None) -> AccessLog:
    """Log an attempt that was refused for scope (or asked for something that does not exist)."""
    return record(request, what=what, object_id=object_id, person_id=person_id, outcome=Outcome.DENIED)


@contextlib.contextmanager
def deny_on_404(request, *, what: str, object_id: int | None, person_id: int | None = None) -> Iterator[None]:
    """Log a denial if the block raises Http404 (and let the 404 through)."""
    try:
        yield
    except Http404:
        record_denied(request, what=what, object_id=object_id, person_id=person_id)
        raise


def _person_id_of(obj: Model, person_id: str) -> int | None:
    value = obj
    for part in person_id.split("__"):
        value = getattr(value, part)
    return value


def get_or_deny(
    request,
    queryset: QuerySet,
    pk: int,
    *,
    what: str,
    person_id: str = "person_id",
) -> Any:
    """Return the object `pk` of the (already scoped) `queryset` and log the view; else log the denial, 404.

    `person_id` is the attribute path to the person the object belongs to ("person_id", "assessment__person_id",
    "pk" for a person). On a denial the person is not looked up, except on person pages, where the requested id
    is the person's: their own access log then shows attempts from outside the caseload.
    """
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        record_denied(request, what=what, object_id=pk, person_id=pk if person_id == "pk" else None)
        raise Http404(NOT_IN_CASELOAD)
    record(request, what=what, object_id=obj.pk, person_id=_person_id_of(obj, person_id))
    return obj
