"""Several lists of a page in one statement, each read back as one JSON array.

A page like My work shows five short lists, each a small indexed query. Sent one by one, each costs Django a
round trip and a model instance per row, more than the database spends finding the rows. Here each list is
still an ORM queryset (so scoping stays `visible_to`), compiled to SQL; the statement returns every list as
one JSON array (`json_agg` of the rows, in the query's order), and `light` turns a row into an instance of
its model with only the columns read, for the same row templates and model properties.

    rows = run(statement({"drafts": compiled(drafts.values("id", "status")), "count": ...}))

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
from django.db.models.query import ModelIterable

Part = tuple[str, Sequence]  # SQL and its parameters


def compiled(queryset) -> Part:
    """The queryset's SQL and parameters, as Django would send them."""
    return queryset.query.sql_with_params()


def _order_sql(terms) -> str:
    """An ORDER BY over the selected columns from the terms a queryset is ordered by ("-name", "name",
    F("name").asc(nulls_last=True)), so merged lists are ordered by the same terms as their parts."""
    out = []
    for term in terms:
        if isinstance(term, str):
            desc, name, nulls = term.startswith("-"), term.lstrip("-"), ""
        else:  # an OrderBy of a column
            desc, name = term.descending, term.expression.name
            nulls = " NULLS LAST" if term.nulls_last else " NULLS FIRST" if term.nulls_first else ""
        out.append(f'"{name}" {"DESC" if desc else "ASC"}{nulls}')
    return ", ".join(out)


def merged(parts: Sequence[Part], *, order_by: Sequence, limit: int, distinct: bool = False) -> Part:
    """Rows of several compiled queries (with the same columns) in the order `order_by` (the terms the parts
    are ordered by), the first `limit` of them; `distinct` drops rows that more than one query found."""
    union = " UNION " if distinct else " UNION ALL "
    sql = union.join(f"({sql})" for sql, _ in parts)
    return (
        f"SELECT * FROM ({sql}) merged ORDER BY {_order_sql(order_by)} LIMIT {int(limit)}",
        [p for _, params in parts for p in params],
    )


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


class StatementCache:
    """Statements (or other renderings) kept by a key that decides them entirely (e.g. the user and their
    scope), so a page opened again does not build and compile its querysets again: a few milliseconds of
    Django per request. Least recently used ones go first; per process, nothing shared, nothing about the rows
    kept."""

    def __init__(self, size: int = 256):
        self.size = size
        self._kept: OrderedDict[Hashable, Statement] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], object]):
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


# ---------------------------------------------------------------------------------------------------------
# A record's related rows in one statement: `prefetch_related_objects` for one instance, one round trip.


def lookup_relation(model: type[models.Model], lookup):
    """The relation a prefetch lookup (a name or a Prefetch) starts with, e.g. Person.residences."""
    name = lookup.prefetch_through if isinstance(lookup, models.Prefetch) else lookup
    return model._meta.get_field(name.split("__", 1)[0])


def _reverse_fk(model: type[models.Model], lookup):
    """The lookup's reverse foreign key (e.g. Person.residences), or None for a path or any other relation."""
    name = lookup.prefetch_through if isinstance(lookup, models.Prefetch) else lookup
    if "__" in name:
        return None
    try:
        rel = lookup_relation(model, lookup)
    except Exception:
        return None
    return rel if isinstance(rel, models.ManyToOneRel) and not isinstance(rel, models.OneToOneRel) else None


def _joined(queryset) -> list[str] | None:
    """The foreign keys a queryset selects with its rows (one level), or None when it asks for more."""
    selected = queryset.query.select_related
    if not selected:
        return []
    if selected is True or any(deeper for deeper in selected.values()):
        return None
    return list(selected)


def _plan(model, lookup):
    """What one lookup reads: (relation, queryset, joined foreign keys, nested [(relation, queryset, joined,
    to_attr)], to_attr), or None for a shape this loader leaves to Django (a path, deeper joins or nesting)."""
    rel = _reverse_fk(model, lookup)
    if rel is None:
        return None
    queryset = lookup.queryset if isinstance(lookup, models.Prefetch) and lookup.queryset is not None else rel.related_model._default_manager.all()
    joined = _joined(queryset)
    if joined is None:
        return None
    nested = []
    for inner in queryset._prefetch_related_lookups:
        inner_plan = _plan(rel.related_model, inner)
        if inner_plan is None or inner_plan[3]:
            return None
        nested.append((*inner_plan[:3], inner_plan[4]))
    to_attr = lookup.to_attr if isinstance(lookup, models.Prefetch) else None
    return rel, queryset.prefetch_related(None), joined, nested, to_attr


def _columns(queryset, joined: list[str], parent_fk) -> tuple[object, dict]:
    """The queryset's rows as values: its model's columns, and each joined model's as `j<i>_<column>`; only
    those its `only()`/`defer()` leave (always the keys: primary keys, the parent's and the joined foreign keys)."""
    model = queryset.model
    names, defer = queryset.query.deferred_loading

    def keep(field, prefix="") -> bool:
        if not names or field.primary_key:
            return True
        return (f"{prefix}{field.name}" in names or f"{prefix}{field.attname}" in names) != defer

    own = [
        f.attname for f in model._meta.concrete_fields
        if keep(f) or f is parent_fk or (f.is_relation and f.name in joined)
    ]
    extra, aliases = {}, {}
    for i, fk in enumerate(joined):
        target = model._meta.get_field(fk).related_model
        aliases[fk] = (target, f"j{i}_")
        for f in target._meta.concrete_fields:
            if keep(f, f"{fk}__"):
                extra[f"j{i}_{f.attname}"] = models.F(f"{fk}__{f.attname}")
    return queryset.values(*own, **extra), aliases


def _instances(model, rows: list[dict], joined_names: dict) -> list[models.Model]:
    out = []
    for row in rows:
        related = {}
        for fk, (target, prefix) in joined_names.items():
            values = {k[len(prefix):]: row.pop(k) for k in [k for k in row if k.startswith(prefix)]}
            related[fk] = light(target, values) if values.get(target._meta.pk.attname) is not None else None
        out.append(light(model, row, **related))
    return out


def set_loaded(instance, rel, rows: list[models.Model], to_attr: str | None = None) -> None:
    """Leave `rows` where `instance.<relation>.all()` finds them (or in `instance.<to_attr>`), as Django's
    prefetch does, each row knowing its parent. No rows: an empty queryset, without building the relation's."""
    for row in rows:
        row._state.fields_cache[rel.field.name] = instance
    if to_attr:
        setattr(instance, to_attr, rows)
        return
    if rows:
        queryset = getattr(instance, rel.get_accessor_name()).get_queryset()
    else:
        queryset = rel.related_model._default_manager.none()
    queryset._result_cache, queryset._prefetch_done = rows, True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[rel.cache_name] = queryset


_SENTINEL = -(2**62) + 918273645  # stands for the records' ids in a kept statement (minus their position)
_related_statements = StatementCache()


def _related_statement(model, lookups, ids: list):
    """The statement reading `lookups` of the records `ids`, with what is needed to read its rows back."""
    parts, plans, rest = {}, [], []
    for lookup in lookups:
        plan = _plan(model, lookup)
        if plan is None:
            rest.append(lookup)
            continue
        rel, queryset, joined, nested, to_attr = plan
        mine = queryset.filter(**{f"{rel.field.name}__in": ids})
        values, names = _columns(mine, joined, rel.field)
        key = f"p{len(plans)}"
        parts[key] = compiled(values)
        inner = []
        for j, (rel2, queryset2, joined2, to_attr2) in enumerate(nested):
            values2, names2 = _columns(queryset2.filter(**{f"{rel2.field.name}__in": mine.values("pk")}), joined2, rel2.field)
            parts[f"{key}_{j}"] = compiled(values2)
            inner.append((f"{key}_{j}", rel2, names2, to_attr2))
        plans.append((key, rel, names, inner, to_attr))
    return (statement(parts) if parts else None), plans, rest


def _spread(parents: list[models.Model], rel, rows: list[models.Model], to_attr: str | None) -> None:
    """Give each parent its rows (grouped by the foreign key), in the rows' order."""
    by_parent: dict[object, list] = {p.pk: [] for p in parents}
    for row in rows:
        by_parent[getattr(row, rel.field.attname)].append(row)
    for parent in parents:
        set_loaded(parent, rel, by_parent[parent.pk], to_attr)


def load_related(instances, lookups, *, kept_as: Hashable | None = None) -> None:
    """`prefetch_related_objects(instances, *lookups)` in one statement: each lookup's rows (with the rows its
    queryset joins, and one level of nested lookups) read back as JSON into light instances. Lookups of other
    shapes are left to Django's prefetch. `instances` is one record or a list of records of one model.

    With `kept_as`, the statement is built once for that name (and number of records) and kept, the records'
    ids put in at each use: only for lookups that depend on nothing but the records (no user, no date)."""
    instances = [instances] if isinstance(instances, models.Model) else list(instances)
    if not instances:
        return
    model = type(instances[0])
    ids = [i.pk for i in instances]
    if kept_as is None:
        stmt, plans, rest = _related_statement(model, lookups, ids)
    else:
        stand_ins = [_SENTINEL - k for k in range(len(ids))]
        stmt, plans, rest = _related_statements.get(
            (model, kept_as, len(ids)), lambda: _related_statement(model, lookups, stand_ins)
        )
        if stmt is not None:
            put = dict(zip(stand_ins, ids))
            stmt = Statement(stmt.names, stmt.sql, tuple(put.get(p, p) if type(p) is int else p for p in stmt.params))
    if stmt is not None:
        rows = run(stmt)
        for key, rel, names, inner, to_attr in plans:
            found = _instances(rel.related_model, rows[key], names)
            _spread(instances, rel, found, to_attr)
            for inner_key, rel2, names2, to_attr2 in inner:
                _spread(found, rel2, _instances(rel2.related_model, rows[inner_key], names2), to_attr2)
    if rest:
        models.prefetch_related_objects(instances, *rest)


class KeptPrefetch(models.Prefetch):
    """A Prefetch whose rows depend on nothing but the records (no user, no date), named so its statement can
    be kept (`KeptPrefetchQuerySet`)."""

    def __init__(self, lookup, queryset=None, to_attr=None, *, kept_as: str):
        super().__init__(lookup, queryset, to_attr)
        self.kept_as = kept_as


class KeptPrefetchQuerySet(models.QuerySet):
    """A QuerySet whose prefetches, when each is a `KeptPrefetch` or a plain relation name, are read by
    `load_related` in one kept statement instead of one query each; any other prefetch goes Django's way."""

    def _prefetch_related_objects(self):
        lookups = self._prefetch_related_lookups
        is_models = self._iterable_class is ModelIterable
        if is_models and lookups and all(isinstance(l, KeptPrefetch) or isinstance(l, str) for l in lookups):
            key = tuple(l.kept_as if isinstance(l, KeptPrefetch) else l for l in lookups)
            load_related(self._result_cache, lookups, kept_as=key)
            self._prefetch_done = True
        else:
            super()._prefetch_related_objects()
