"""Several lists of a page in one statement, each read back as one JSON array.

A page like My work shows five short lists, each a small indexed query. Sent one by one, each costs Django a
round trip and a model instance per row, more than the database spends finding the rows. Here each list is
still an ORM queryset (so scoping stays `visible_to`), compiled to SQL; the statement returns every list as
one JSON array (`json_agg` of the rows, in the query's order), and `light` turns a row into an instance of
its model with only the columns read, for the same row templates and model properties.

    rows = fetch({"drafts": compiled(drafts.values("id", "status")), "count": ...})

An instance from `light` has only the fields its row had: reading another one would query the database for
it, as a deferred field does, which the page tests' query budgets would show.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from functools import cache

from django.db import connection, models
from django.db.models.base import ModelState

Part = tuple[str, Sequence]  # SQL and its parameters


def compiled(queryset) -> Part:
    """The queryset's SQL and parameters, as Django would send them."""
    return queryset.query.sql_with_params()


def merged(parts: Sequence[Part], *, order_by: str, limit: int, distinct: bool = False) -> Part:
    """Rows of several compiled queries (with the same columns) in one order, the first `limit` of them;
    `distinct` drops rows that more than one query found."""
    union = " UNION " if distinct else " UNION ALL "
    sql = union.join(f"({sql})" for sql, _ in parts)
    return f"SELECT * FROM ({sql}) merged ORDER BY {order_by} LIMIT {int(limit)}", [p for _, params in parts for p in params]


def fetch(parts: Mapping[str, Part]) -> dict[str, list[dict]]:
    """Run every part in one statement; each comes back as the list of its rows (dicts by column name)."""
    columns, params = [], []
    for sql, part_params in parts.values():
        # json_agg reads the rows in the subquery's order (PostgreSQL keeps it for a plain subquery scan).
        columns.append(f"(SELECT coalesce(json_agg(row_), '[]'::json) FROM ({sql}) row_)")
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)
        values = cursor.fetchone()
    return dict(zip(parts, values, strict=True))


@cache
def _converters(model: type[models.Model]) -> dict[str, object]:
    """JSON gives dates and moments as ISO text: what to read them with, by column name."""
    out = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, models.DateTimeField):
            out[field.attname] = datetime.datetime.fromisoformat
        elif isinstance(field, models.DateField):
            out[field.attname] = datetime.date.fromisoformat
    return out


def light(model: type[models.Model], values: Mapping, **related: models.Model) -> models.Model:
    """An instance of `model` holding `values` (by attribute name, as a row from `fetch` has them), and the
    related instances given (`person=...`) as if select_related had loaded them; no query, no signals."""
    converters = _converters(model)
    obj = model.__new__(model)
    state = obj._state = ModelState()
    state.adding, state.db = False, "default"
    obj.__dict__.update(
        {k: (converters[k](v) if v is not None and k in converters else v) for k, v in values.items()}
    )
    for name, instance in related.items():
        state.fields_cache[name] = instance
    return obj
