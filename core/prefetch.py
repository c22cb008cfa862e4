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

from core.sqljson import load_related


def _relation(model: type[Model], lookup: str | Prefetch):
    name = lookup.prefetch_through if isinstance(lookup, Prefetch) else lookup
    return model._meta.get_field(name.split("__", 1)[0])


def presence(model: type[Model], lookups: Sequence[str | Prefetch]) -> RawSQL:
    """For a query on `model`: an array saying, for each lookup's relation (a reverse foreign key), whether the
    row has any related row (one EXISTS each, on the foreign key's index)."""
    table, pk = model._meta.db_table, model._meta.pk.column
    checks = []
    for lookup in lookups:
        rel = _relation(model, lookup)
        checks.append(
            f'EXISTS (SELECT 1 FROM "{rel.related_model._meta.db_table}" r WHERE r."{rel.field.column}" = "{table}"."{pk}")'
        )
    return RawSQL(f"ARRAY[{', '.join(checks)}]", [], output_field=ArrayField(BooleanField()))


def prefetch_present(instance: Model, lookups: Sequence[str | Prefetch], present: Sequence[bool], *, kept_as: str | None = None) -> None:
    """Load on `instance` the lookups whose relation `present` (from `presence`) says it has rows, in one
    statement (core.sqljson.load_related; kept under `kept_as` with which kinds are present, for lookups that
    depend on nothing but the record); set the others empty without a query."""
    wanted = []
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    for lookup, has_rows in zip(lookups, present, strict=True):
        if has_rows:
            wanted.append(lookup)
            continue
        rel = _relation(type(instance), lookup)
        empty = rel.related_model._default_manager.none()
        empty._result_cache, empty._prefetch_done = [], True
        if isinstance(lookup, Prefetch) and lookup.to_attr:
            setattr(instance, lookup.to_attr, [])
        else:
            cache[rel.cache_name] = empty
    if wanted:
        load_related(instance, wanted, kept_as=None if kept_as is None else (kept_as, tuple(present)))
