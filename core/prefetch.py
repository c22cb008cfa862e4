"""Loading a record's related rows only where it has some.

A profile shows a dozen kinds of related records, and most people have none of several kinds (no alias, no
merge, no vulnerability, no decision yet). Each prefetch costs Django a query to compile, send and read even
when it finds nothing, so the record's own query also says, in one array of EXISTS, which kinds it has
(`presence`), and `prefetch_present` asks only for those; the others are set empty, as a prefetch finding
nothing would set them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.postgres.fields import ArrayField
from django.db.models import BooleanField, Model, Prefetch
from django.db.models.expressions import RawSQL

from core.sqljson import load_related, lookup_relation, set_loaded


def presence(model: type[Model], lookups: Sequence[str | Prefetch]) -> RawSQL:
    """For a query on `model`: an array saying, for each lookup's relation (a reverse foreign key), whether the
    row has any related row (one EXISTS each, on the foreign key's index)."""
    table, pk = model._meta.db_table, model._meta.pk.column
    checks = []
    for lookup in lookups:
        rel = lookup_relation(model, lookup)
        checks.append(
            f'EXISTS (SELECT 1 FROM "{rel.related_model._meta.db_table}" r WHERE r."{rel.field.column}" = "{table}"."{pk}")'
        )
    return RawSQL(f"ARRAY[{', '.join(checks)}]", [], output_field=ArrayField(BooleanField()))


def prefetch_present(instance: Model, lookups: Sequence[str | Prefetch], present: Sequence[bool], *, kept_as: str | None = None) -> None:
    """Load on `instance` the lookups whose relation `present` (from `presence`) says it has rows, in one
    statement (core.sqljson.load_related; kept under `kept_as` with which kinds are present, for lookups that
    depend on nothing but the record); set the others empty without a query."""
    wanted = []
    for lookup, has_rows in zip(lookups, present, strict=True):
        if has_rows:
            wanted.append(lookup)
        else:
            to_attr = lookup.to_attr if isinstance(lookup, Prefetch) else None
            set_loaded(instance, lookup_relation(type(instance), lookup), [], to_attr)
    if wanted:
        load_related(instance, wanted, kept_as=None if kept_as is None else (kept_as, tuple(present)))
