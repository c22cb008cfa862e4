"""Links to one record, for pages that list many.

Django's `reverse` walks the URL resolver on every call; a list of 50 or 125 rows with a link or two each
spent a noticeable part of its time there. A record's address differs from its neighbour's only by the
number, so each route is reversed once (per script prefix) and the number put in its place.
"""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, reverse

_PLACEHOLDER = 918273645  # an id no test or seed reaches; only ever replaced, never served


@lru_cache(maxsize=64)
def _halves(name: str, prefix: str) -> tuple[str, str]:
    url = reverse(name, args=[_PLACEHOLDER])
    head, placeholder, tail = url.rpartition(str(_PLACEHOLDER))
    if not placeholder:
        raise ValueError(f"{name} does not take one number")
    return head, tail


def record_url(name: str, pk) -> str:
    """`reverse(name, args=[pk])` for a route whose only argument is a record's number."""
    head, tail = _halves(name, get_script_prefix())
    return f"{head}{int(pk)}{tail}"
