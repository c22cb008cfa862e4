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
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Statement:
    """Several parts compiled into one statement; `run` reads each part's rows back by its name."""

    names: tuple[str, ...]
    sql: str
    params: tuple


def statement(parts: Mapping[str, Part]) -> Statement:
    columns, params = [], []
    for sql, part_params in parts.values():
        # json_agg reads the rows in the subquery's order (PostgreSQL keeps it for a plain subquery scan).
        columns.append(f"(SELECT coalesce(json_agg(row_), '[]'::json) FROM ({sql}) row_)")
        params.extend(part_params)
    return Statement(tuple(parts), "SELECT " + ", ".join(columns), tuple(params))


def run(stmt: Statement) -> dict[str, list[dict]]:
    """Send the statement; each part comes back as the list of its rows (dicts by column name)."""
    with connection.cursor() as cursor:
        cursor.execute(stmt.sql, stmt.params)
        values = cursor.fetchone()
    return dict(zip(stmt.names, values, strict=True))


def fetch(parts: Mapping[str, Part]) -> dict[str, list[dict]]:
    """Run every part in one statement (`statement` and `run`)."""
    return run(statement(parts))


class StatementCache:
    """Statements kept by a key that decides them entirely (e.g. the user and their scope), so a page opened
    again does not build and compile its querysets again: a few milliseconds of Django per request. Least
    recently used ones go first; per process, nothing shared, nothing about the rows kept."""

    def __init__(self, size: int = 256):
        self.size = size
        self._kept: OrderedDict[Hashable, Statement] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], Statement]) -> Statement:
        found = self._kept.get(key)
        if found is None:
            found = self._kept[key] = build()
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(key)
        return found

    def clear(self) -> None:
        self._kept.clear()


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
