"""Keyset pagination: a page deep in a list costs what the first page costs, and no COUNT is run.

A cursor encodes the sort key of the last (or first) row shown; the next page asks the index for rows
after it with one row comparison, `(name, id) > (%s, %s)`, which PostgreSQL answers with an index range scan.
"""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import BooleanField, F, Func, QuerySet, Value


class _Row(Func):
    function = "ROW"
    template = "%(function)s(%(expressions)s)"


class RowCompare(Func):
    """`ROW(lhs...) <op> ROW(rhs...)`, a boolean usable directly in `.filter()`."""

    output_field = BooleanField()
    arity = 2

    def __init__(self, lhs, rhs, op: str):
        if op not in {">", "<"}:
            raise ValueError(op)
        self.template = "%(expressions)s"
        self.arg_joiner = f" {op} "
        super().__init__(lhs, rhs)


def _encode(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, (datetime.date, datetime.datetime)) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[Any] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != size:
        return None
    if any(not isinstance(v, (str, int, float)) or isinstance(v, bool) for v in values):
        return None
    if any(isinstance(v, str) and "\x00" in v for v in values):  # PostgreSQL text cannot hold NUL
        return None
    return values


def typed_cursor(cursor: str | None, fields: list[models.Field]) -> list[Any] | None:
    """The values of `cursor`, each converted and validated by the model field of its key (an impossible date,
    text where a number belongs, a number past the column's range), or None: a cursor that cannot be read
    is the first page, never an error from the database."""
    values = _decode(cursor, len(fields)) if cursor else None
    if values is None:
        return None
    typed = []
    for field, value in zip(fields, values, strict=True):
        try:
            converted = field.to_python(value)
            if converted is None:
                return None
            field.run_validators(converted)
        except (ValidationError, ValueError, TypeError, OverflowError):
            return None
        typed.append(converted)
    return typed


def _key_field(queryset: QuerySet, key: str) -> models.Field:
    """The field a sort key reads: an annotation's output field, or the model field along the lookup path."""
    if key in queryset.query.annotations:
        return queryset.query.annotations[key].output_field
    model, field = queryset.model, None
    for part in key.split("__"):
        field = model._meta.get_field(part)
        model = field.related_model or model
    return field.target_field if field.is_relation else field


@dataclass
class KeysetPage:
    object_list: list[Any]
    next_cursor: str | None = None
    previous_cursor: str | None = None
    per_page: int = 50
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def keyset_page(
    queryset: QuerySet,
    *,
    keys: tuple[str, ...],
    after: str | None = None,
    before: str | None = None,
    per_page: int = 50,
    descending: bool = False,
) -> KeysetPage:
    """Return the page after (or before) a cursor, ordered by `keys` (the last key must be unique), ascending
    or, with `descending`, newest first (every key descending; "after" then means further down the list).

    A cursor that cannot be read, or whose values do not fit its keys' fields, is treated as "first page" rather
    than an error: links get mangled in email, and tampered ones must not reach SQL.
    """
    lhs = _Row(*[F(k) for k in keys])
    forward_op, backward_op = ("<", ">") if descending else (">", "<")
    backwards = False
    fields = [_key_field(queryset, k) for k in keys]
    values = typed_cursor(after, fields)
    if values is not None:
        queryset = queryset.filter(RowCompare(lhs, _Row(*[Value(v) for v in values]), forward_op))
    elif before:
        values = typed_cursor(before, fields)
        if values is not None:
            queryset = queryset.filter(RowCompare(lhs, _Row(*[Value(v) for v in values]), backward_op))
            backwards = True
    order = [f"-{k}" for k in keys] if backwards != descending else list(keys)
    rows = list(queryset.order_by(*order)[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()

    def key_of(obj) -> str:
        return _encode([_attr(obj, k) for k in keys])

    page = KeysetPage(object_list=rows, per_page=per_page)
    if rows:
        has_after = more if not backwards else True
        has_before = (values is not None and not backwards) or (backwards and more)
        page.next_cursor = key_of(rows[-1]) if has_after else None
        page.previous_cursor = key_of(rows[0]) if has_before else None
    return page


def _attr(obj, key: str) -> Any:
    value = obj
    for part in key.split("__"):
        value = getattr(value, part)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


@dataclass
class OffsetPage:
    """A page of a short, ranked list (a work queue) without counting the whole list: one row more than
    the page is fetched to know whether there is a next page."""

    object_list: list[Any]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def offset_page(queryset: QuerySet, page: str | int | None, *, per_page: int = 50) -> OffsetPage:
    try:
        number = max(1, min(int(page or 1), 1000))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return OffsetPage(object_list=rows[:per_page], number=number, has_next=len(rows) > per_page)
