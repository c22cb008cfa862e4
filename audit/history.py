"""Read the history of a person or an assessment as a person would: who changed what, when, old → new.

A timeline gathers the events of several event tables (the person and each of their records; the
assessment and each of its parts) newest first, a page at a time, in a fixed number of queries whatever
the page holds: one for the page's keys, one for the rows and the snapshot before each, one for the names
of the users and records they mention.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django_countries import countries
from django_countries.fields import CountryField

from audit import models as audit
from core.pagination import KeysetPage, _encode, typed_cursor

PER_PAGE = 50
# Never shown: the record's own id, bookkeeping columns, and internal file paths (the original file name is).
HIDDEN = {"id", "created_at", "updated_at", "search_text", "file", "status_changed_at", "dedup_key"}
RESTRICTED = "Restricted: hidden"
NOT_RECORDED = "(not recorded)"
OPERATIONS = {"insert": "Created", "update": "Changed", "delete": "Deleted"}


@dataclass(frozen=True)
class Source:
    """One event table in a timeline, the rows of it that belong there (`where`, on alias `e`), and the
    label a person reads for its records."""

    model: type[models.Model]
    where: str
    label: str = ""

    @property
    def record_label(self) -> str:
        return self.label or capfirst(self.model.pgh_tracked_model._meta.verbose_name)


_OF_PERSON = "e.person_id = ANY(%(ids)s)"
_OF_ASSESSMENT = "e.assessment_id = %(id)s"

PERSON_SOURCES: tuple[Source, ...] = (
    Source(audit.PersonEvent, "e.pgh_obj_id = ANY(%(ids)s)", "Identity"),
    Source(audit.PersonNameEvent, _OF_PERSON, "Other name"),
    Source(audit.IdentityDocumentEvent, _OF_PERSON),
    Source(audit.RegistrationEvent, _OF_PERSON),
    Source(audit.ResidenceEvent, _OF_PERSON),
    Source(audit.LegalStatusEvent, _OF_PERSON),
    Source(audit.AffiliationEvent, _OF_PERSON),
    Source(audit.FamilyLinkEvent, "(e.person_id = ANY(%(ids)s) OR e.relative_id = ANY(%(ids)s))", "Family link"),
    Source(audit.VulnerabilityEvent, _OF_PERSON),
    Source(audit.RemovalProposalEvent, _OF_PERSON),
    Source(audit.AssessmentEvent, _OF_PERSON),
    Source(audit.FlagEvent, _OF_PERSON),
    Source(audit.VoluntaryReturnConsentEvent, _OF_PERSON),
    Source(audit.RemovalDecisionEvent, _OF_PERSON),
)

_FINDINGS_OF_ASSESSMENT = "e.finding_id IN (SELECT x.pgh_obj_id FROM audit_findingevent x WHERE x.assessment_id = %(id)s)"
ASSESSMENT_SOURCES: tuple[Source, ...] = (
    Source(audit.AssessmentEvent, "e.pgh_obj_id = %(id)s"),
    Source(audit.InterviewEvent, _OF_ASSESSMENT),
    Source(audit.EvidenceEvent, _OF_ASSESSMENT),
    Source(
        audit.MedicalConsistencyEvent,
        "e.evidence_id IN (SELECT x.pgh_obj_id FROM audit_evidenceevent x WHERE x.assessment_id = %(id)s)",
    ),
    Source(audit.FindingEvent, _OF_ASSESSMENT),
    Source(audit.FindingIndicatorEvent, _FINDINGS_OF_ASSESSMENT, "Risk indicator of a finding"),
    Source(audit.FindingEvidenceEvent, _FINDINGS_OF_ASSESSMENT, "Evidence relied on by a finding"),
    Source(audit.AssuranceEvent, _OF_ASSESSMENT),
    Source(audit.ReviewEvent, _OF_ASSESSMENT),
    Source(audit.FlagEvent, _OF_ASSESSMENT),
    Source(audit.RemovalDecisionEvent, _OF_ASSESSMENT),
)

# How a record a change points at is named, in the one "names" query. Others are named by reference or id.
_LABEL_SQL = {
    "auth.user": "SELECT id, COALESCE(NULLIF(TRIM(first_name || ' ' || last_name), ''), username) FROM auth_user",
    "auth.group": "SELECT id, name FROM auth_group",
    "people.camp": "SELECT id, name FROM people_camp",
    "people.organisation": "SELECT id, name FROM people_organisation",
    "people.team": "SELECT id, name FROM people_team",
    "assessments.risktype": "SELECT id, name FROM assessments_risktype",
    "assessments.indicator": "SELECT id, name FROM assessments_indicator",
}
_REFERENCES = {
    "people.person": lambda pk: f"P-{pk:06d}",
    "assessments.assessment": lambda pk: f"A-{pk:05d}",
}


# ---------------------------------------------------------------------------------------------------------
# What a page shows


@dataclass
class Change:
    label: str
    old: str | None
    new: str | None


@dataclass
class Entry:
    at: datetime.datetime
    actor: str
    action: str
    operation: str
    record: str
    changes: list[Change] = field(default_factory=list)
    restricted: bool = False


@dataclass
class _Row:
    tag: int
    pgh_id: int
    at: datetime.datetime
    data: dict[str, Any] | None = None
    prev: dict[str, Any] | None = None


def person_history(person, *, user, after: str | None = None, before: str | None = None, per_page: int = PER_PAGE) -> KeysetPage:
    """The history of a person and every record of theirs, newest first, including the history of records
    merged into this one (their rows keep the old id; PersonMerge links them). The caller checks scope."""
    from people.models import PersonMerge

    ids = [person.pk, *PersonMerge.objects.filter(survivor=person).values_list("merged_person_id", flat=True)]
    return _timeline(PERSON_SOURCES, person.pk, user=user, after=after, before=before, per_page=per_page, ids=ids)


def assessment_history(
    assessment, *, user, after: str | None = None, before: str | None = None, per_page: int = PER_PAGE
) -> KeysetPage:
    """The history of an assessment and every part of it, newest first. Restricted evidence (and its medical
    findings) is shown only to those who may see it. The caller checks scope."""
    from assessments.models import may_see_restricted

    hide = None if may_see_restricted(user, assessment) else assessment.pk
    return _timeline(ASSESSMENT_SOURCES, assessment.pk, user=user, after=after, before=before, per_page=per_page, hide_restricted_of=hide)


def _timeline(
    sources, object_id: int, *, user, after, before, per_page, hide_restricted_of: int | None = None, ids: list[int] | None = None
) -> KeysetPage:
    rows, next_cursor, previous_cursor = _page_keys(sources, object_id, after=after, before=before, per_page=per_page, ids=ids)
    _load_rows(sources, rows)
    restricted_evidence = _restricted_evidence(hide_restricted_of) if hide_restricted_of and rows else set()
    names = _names(sources, rows)
    entries = [_entry(sources[row.tag], row, names, restricted_evidence) for row in rows]
    return KeysetPage(object_list=entries, next_cursor=next_cursor, previous_cursor=previous_cursor, per_page=per_page)


# ---------------------------------------------------------------------------------------------------------
# The three queries


def _union(sources, columns: str, per_source_where: Iterable[str]) -> str:
    parts = []
    for tag, (source, where) in enumerate(zip(sources, per_source_where, strict=True)):
        parts.append(f'SELECT {tag} AS tag, {columns} FROM "{source.model._meta.db_table}" e WHERE {where}')
    return "\nUNION ALL\n".join(parts)


# The timeline's sort key: when, which kind of event (a small number), which event.
CURSOR_FIELDS = [models.DateTimeField(), models.SmallIntegerField(), models.BigIntegerField()]


def _page_keys(sources, object_id, *, after, before, per_page, ids=None) -> tuple[list[_Row], str | None, str | None]:
    params: dict[str, Any] = {"id": object_id, "ids": list(ids or [object_id]), "limit": per_page + 1}
    cursor_values = None
    backwards = False
    if after:
        cursor_values = typed_cursor(after, CURSOR_FIELDS)
    elif before:
        cursor_values = typed_cursor(before, CURSOR_FIELDS)
        backwards = cursor_values is not None
    condition = ""
    if cursor_values is not None:
        at, tag, pgh_id = cursor_values
        params.update(c_at=at, c_tag=tag, c_id=pgh_id)
        op = ">" if backwards else "<"
        condition = f"WHERE (h.pgh_created_at, h.tag, h.pgh_id) {op} (%(c_at)s, %(c_tag)s, %(c_id)s)"
    direction = "ASC" if backwards else "DESC"
    sql = (
        f"SELECT h.tag, h.pgh_id, h.pgh_created_at FROM ({_union(sources, 'e.pgh_id, e.pgh_created_at', [s.where for s in sources])}) h "
        f"{condition} ORDER BY h.pgh_created_at {direction}, h.tag {direction}, h.pgh_id {direction} LIMIT %(limit)s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = [_Row(tag=t, pgh_id=i, at=at) for t, i, at in cursor.fetchall()]
    more = len(fetched) > per_page
    rows = fetched[:per_page]
    if backwards:
        rows.reverse()

    def key(row: _Row) -> str:
        return _encode([row.at.isoformat(), row.tag, row.pgh_id])

    next_cursor = previous_cursor = None
    if rows:
        if more or backwards:
            next_cursor = key(rows[-1])
        if (cursor_values is not None and not backwards) or (backwards and more):
            previous_cursor = key(rows[0])
    return rows, next_cursor, previous_cursor


def _load_rows(sources, rows: list[_Row]) -> None:
    """Fetch each event with the snapshot of the same record just before it, in one query."""
    by_tag: dict[int, list[int]] = {}
    for row in rows:
        by_tag.setdefault(row.tag, []).append(row.pgh_id)
    if not by_tag:
        return
    parts, params = [], []
    for tag, ids in by_tag.items():
        table = sources[tag].model._meta.db_table
        parts.append(
            f"SELECT {tag} AS tag, e.pgh_id, to_jsonb(e) AS data, "
            f'(SELECT to_jsonb(p) FROM "{table}" p WHERE p.pgh_obj_id = e.pgh_obj_id AND p.pgh_id < e.pgh_id '
            f'ORDER BY p.pgh_id DESC LIMIT 1) AS prev FROM "{table}" e WHERE e.pgh_id = ANY(%s)'
        )
        params.append(ids)
    with connection.cursor() as cursor:
        cursor.execute("\nUNION ALL\n".join(parts), params)
        loaded = {(tag, pgh_id): (data, prev) for tag, pgh_id, data, prev in cursor.fetchall()}
    for row in rows:
        row.data, row.prev = loaded[(row.tag, row.pgh_id)]
        if isinstance(row.data, str):  # Django's psycopg setup hands jsonb over as text
            row.data = json.loads(row.data)
            row.prev = json.loads(row.prev) if row.prev else None


def _restricted_evidence(assessment_id: int) -> set[int]:
    """Evidence of the assessment that is, or ever was, restricted."""
    return set(
        audit.EvidenceEvent.objects.filter(assessment_id=assessment_id, restricted=True).values_list("pgh_obj_id", flat=True)
    )


def _names(sources, rows: list[_Row]) -> dict[tuple[str, int], str]:
    wanted: dict[str, set[int]] = {"auth.user": set()}
    for row in rows:
        context = row.data.get("pgh_context") or {}
        if isinstance(context.get("user"), int):
            wanted["auth.user"].add(context["user"])
        tracked = sources[row.tag].model.pgh_tracked_model
        for snapshot in (row.data, row.prev or {}):
            for f in tracked._meta.concrete_fields:
                if f.is_relation and f.related_model is not None:
                    key = f.related_model._meta.label_lower
                    value = snapshot.get(f.attname)
                    if key in _LABEL_SQL and isinstance(value, int):
                        wanted.setdefault(key, set()).add(value)
    wanted = {k: v for k, v in wanted.items() if v}
    if not wanted:
        return {}
    parts, params = [], []
    for key, ids in wanted.items():
        parts.append(f"SELECT %s, t.* FROM ({_LABEL_SQL[key]}) t(id, label) WHERE t.id = ANY(%s)")
        params += [key, list(ids)]
    with connection.cursor() as cursor:
        cursor.execute("\nUNION ALL\n".join(parts), params)
        return {(key, pk): label for key, pk, label in cursor.fetchall()}


# ---------------------------------------------------------------------------------------------------------
# Turning rows into sentences


def _entry(source: Source, row: _Row, names, restricted_evidence: set[int]) -> Entry:
    data, prev = row.data, row.prev
    tracked = source.model.pgh_tracked_model
    label = data.get("pgh_label", "")
    context = data.get("pgh_context")
    entry = Entry(
        at=row.at,
        actor=_actor(context, names),
        action=_action(context),
        operation=OPERATIONS.get(label, label),
        record=f"{source.record_label} {_record_ref(tracked, data['pgh_obj_id'])}",
    )
    fields = [f for f in tracked._meta.concrete_fields if f.name not in HIDDEN and f.attname in data]
    if label == "update":
        if prev is None:
            entry.changes = [Change(_label(f), NOT_RECORDED, _display(f, data.get(f.attname), names)) for f in fields]
        else:
            entry.changes = [
                Change(_label(f), _display(f, prev.get(f.attname), names), _display(f, data.get(f.attname), names))
                for f in fields
                if prev.get(f.attname) != data.get(f.attname)
            ]
    else:
        for f in fields:
            value = data.get(f.attname)
            if value in (None, "", [], False) and label == "insert":
                continue
            shown = _display(f, value, names)
            entry.changes.append(Change(_label(f), None, shown) if label == "insert" else Change(_label(f), shown, None))
    if _is_restricted(tracked, data, prev, restricted_evidence):
        entry.restricted = True
        keep = {"Type", "Restricted"}
        for change in entry.changes:
            if change.label not in keep:
                change.old = RESTRICTED if change.old is not None else None
                change.new = RESTRICTED if change.new is not None else None
    return entry


def _is_restricted(tracked, data, prev, restricted_evidence: set[int]) -> bool:
    if not restricted_evidence:
        return False
    label = tracked._meta.label_lower
    if label == "assessments.evidence":
        return data.get("pgh_obj_id") in restricted_evidence
    if label in {"assessments.medicalconsistency", "assessments.finding_evidence"}:
        return data.get("evidence_id") in restricted_evidence
    return False


def _actor(context, names) -> str:
    if context is None:
        return "No user recorded (a change made directly in the database)"
    user_id = context.get("user")
    if user_id is None:
        return "The system"
    return names.get(("auth.user", user_id), f"User #{user_id}")


def _action(context) -> str:
    if not context or not context.get("action"):
        return ""
    return capfirst(str(context["action"]).replace("_", " "))


def _record_ref(tracked, pk) -> str:
    reference = _REFERENCES.get(tracked._meta.label_lower)
    if reference and isinstance(pk, int):
        return reference(pk)
    return f"#{pk}"


def _label(f) -> str:
    return capfirst(str(f.verbose_name))


def _display(f, value, names) -> str:
    """A stored value as a person reads it: choice labels, country names, dates, names of linked records."""
    if value is None or value == "":
        return "—"
    if f.is_relation and f.related_model is not None:
        key = f.related_model._meta.label_lower
        if (key, value) in names:
            return names[(key, value)]
        reference = _REFERENCES.get(key)
        return reference(value) if reference and isinstance(value, int) else f"#{value}"
    if isinstance(f, CountryField):
        return countries.name(value) or str(value)
    if isinstance(f, ArrayField):
        if not value:
            return "—"
        return ", ".join(_display(f.base_field, v, names) for v in value)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return "Yes" if value else "No"
    if isinstance(f, models.DateTimeField):
        parsed = parse_datetime(str(value))
        return formats.date_format(timezone.localtime(parsed), "DATETIME_FORMAT") if parsed else str(value)
    if isinstance(f, models.DateField):
        parsed = parse_date(str(value))
        return formats.date_format(parsed, "DATE_FORMAT") if parsed else str(value)
    return str(value)
