"""Merging two records of the same person into one.

Everything the merged record holds moves to the survivor; what cannot move because the survivor already
holds it (an identical alias, status, affiliation or vulnerability, a family link to the same relative, the
link between the two records, a stay that overlaps one of the survivor's) is dropped from the live tables
and kept in the merge record's JSON snapshot, with the reason in its `outcome`. The merged record is then
deleted: its PROTECT foreign keys (assessments, flags, decisions …) make the deletion fail, and the whole
merge roll back, if anything was left behind. `PersonMerge` keeps its old id and reference; history rows
(pghistory) keep pointing at that id, and `PersonMerge.merged_person_id` is what links them to the survivor.

Assessments: an approved assessment rests on the record it was approved for. After a merge the record is
different, so every approved assessment of both people is reopened (it needs review again): the survivor's
through `assessment_reopen()`, the merged person's by the database trigger `assessment_status_guard`, which
lets an approved assessment change person only when this merge is recorded, and reopens it as it moves.
Two assessments in progress for the same route cannot both stay open, so such a merge is refused until one
is finished or withdrawn. Authorised removal decisions move as they are (the database allows a decision to
change person only along a recorded merge); the gate still answers for the survivor's future decisions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.forms.models import model_to_dict

from core.errors import DomainError, OutOfScope
from core.services import acting, require_perm
from people import choices
from people.models import (
    Affiliation,
    DistinctPersonConfirmation,
    FamilyLink,
    IdentityDocument,
    LegalStatus,
    Person,
    PersonMerge,
    PersonName,
    Registration,
    Residence,
    Vulnerability,
)
from people.scoping import visible_team_ids
from people.services import person_reindex

MERGE_SELF = "A record cannot be merged into itself."
REASON_REQUIRED = "Say why the two records are the same person."
OPEN_ASSESSMENT_CONFLICT = (
    "Both records have an assessment in progress for the same route ({route}: {refs}). "
    "Finish or withdraw one of them, then merge."
)
NOT_FOUND = "No such person."
OPEN_STATUSES = ("draft", "submitted", "returned")


class MergeRefused(DomainError):
    code = "merge_refused"

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(" ".join(reasons))


@dataclass
class MergeOutcome:
    moved: dict[str, int] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)

    def count(self, label: str, n: int) -> None:
        if n:
            self.moved[label] = self.moved.get(label, 0) + n

    def as_json(self) -> dict:
        return {"moved": self.moved, "dropped": self.dropped, "filled": self.filled, "reopened": self.reopened}


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        if hasattr(o, "code") and o.__class__.__name__ == "Country":
            return o.code
        return super().default(o)


def _json(data) -> dict:
    return json.loads(json.dumps(data, cls=_Encoder))


def snapshot(person: Person) -> dict:
    """Every field and linked row of `person`, as JSON (what the merge record keeps of the merged record)."""
    data = model_to_dict(person, exclude=["search_text", "name_keys"])
    data.update(id=person.pk, reference=person.reference, created_at=person.created_at, updated_at=person.updated_at)
    for label, queryset in (
        ("other_names", person.other_names.all()),
        ("documents", person.documents.all()),
        ("registrations", person.registrations.all()),
        ("residences", person.residences.all()),
        ("legal_statuses", person.legal_statuses.all()),
        ("affiliations", person.affiliations.all()),
        ("family_links", FamilyLink.objects.filter(models.Q(person=person) | models.Q(relative=person))),
        ("vulnerabilities", person.vulnerabilities.all()),
        ("distinct_confirmations", DistinctPersonConfirmation.objects.filter(models.Q(person=person) | models.Q(other=person))),
    ):
        data[label] = list(queryset.order_by("pk").values())
    from assessments.models import Assessment, Flag, RemovalDecision, RemovalProposal, VoluntaryReturnConsent

    for label, model in (
        ("assessments", Assessment),
        ("removal_proposals", RemovalProposal),
        ("flags", Flag),
        ("return_consents", VoluntaryReturnConsent),
        ("removal_decisions", RemovalDecision),
    ):
        fields = ["id", "status"] if label == "assessments" else ["id"]
        data[label] = list(model.objects.filter(person=person).order_by("pk").values(*fields))
    return _json(data)


def _overlaps(a: Residence, b: Residence) -> bool:
    a_end, b_end = a.ended_on, b.ended_on
    return (b_end is None or a.started_on < b_end) and (a_end is None or b.started_on < a_end)


def _move_names(survivor: Person, merged: Person, out: MergeOutcome) -> None:
    have = set(survivor.other_names.values_list("name", flat=True)) | {survivor.full_name_latin, survivor.full_name_original}
    for row in merged.other_names.all():
        if row.name in have:
            out.dropped.append(f"Alias “{row.name}”: the survivor already has it.")
        else:
            PersonName.objects.filter(pk=row.pk).update(person=survivor)
            have.add(row.name)
            out.count("other names", 1)
    for name, script in ((merged.full_name_latin, choices.Script.LATIN), (merged.full_name_original, merged.original_script)):
        if name and name not in have:
            PersonName.objects.create(person=survivor, name=name, script=script or "", kind=choices.NameKind.SPELLING)
            have.add(name)
            out.count("names of the merged record kept as other spellings", 1)


def _move_residences(survivor: Person, merged: Person, out: MergeOutcome) -> None:
    kept = list(survivor.residences.select_related("camp"))
    for row in merged.residences.select_related("camp").order_by("started_on"):
        clash = next((k for k in kept if _overlaps(row, k)), None)
        if clash is None:
            Residence.objects.filter(pk=row.pk).update(person=survivor)
            kept.append(row)
            out.count("residences", 1)
        elif (row.camp_id, row.place) == (clash.camp_id, clash.place):
            out.dropped.append(f"Stay at {row.where} from {row.started_on}: the survivor's record already covers it.")
        else:
            out.dropped.append(
                f"Stay at {row.where} from {row.started_on} to {row.ended_on or 'now'}: it overlaps the survivor's stay at "
                f"{clash.where}; kept in the merge record only. Check which is right."
            )


def _move_deduplicated(model, survivor: Person, merged: Person, keys: tuple[str, ...], label: str, out: MergeOutcome) -> None:
    have = set(model.objects.filter(person=survivor).values_list(*keys))
    for row in model.objects.filter(person=merged):
        key = tuple(getattr(row, k) for k in keys)
        if key in have:
            out.dropped.append(f"{label.capitalize()} {row}: identical to one the survivor already has.")
        else:
            model.objects.filter(pk=row.pk).update(person=survivor)
            have.add(key)
            out.count(label, 1)


def _move_family(survivor: Person, merged: Person, out: MergeOutcome) -> None:
    linked = set()
    for link in FamilyLink.objects.filter(models.Q(person=survivor) | models.Q(relative=survivor)):
        linked.add(link.relative_id if link.person_id == survivor.pk else link.person_id)
    for link in FamilyLink.objects.filter(models.Q(person=merged) | models.Q(relative=merged)).select_related("person", "relative"):
        other = link.relative if link.person_id == merged.pk else link.person
        if other.pk == survivor.pk:
            out.dropped.append("The family link between the two records: they are one person.")
        elif other.pk in linked:
            out.dropped.append(f"Family link to {other.reference}: the survivor is already linked to them.")
        else:
            side = "person" if link.person_id == merged.pk else "relative"
            FamilyLink.objects.filter(pk=link.pk).update(**{side: survivor})
            linked.add(other.pk)
            out.count("family links", 1)


def _move_confirmations(survivor: Person, merged: Person, out: MergeOutcome) -> None:
    pair = models.Q(person=merged, other=survivor) | models.Q(person=survivor, other=merged)
    contradicted = DistinctPersonConfirmation.objects.filter(pair).count()
    if contradicted:
        out.dropped.append("The earlier confirmation that these two records were different people.")
    have = set(DistinctPersonConfirmation.objects.filter(person=survivor).values_list("other_id", flat=True))
    have_as_other = set(DistinctPersonConfirmation.objects.filter(other=survivor).values_list("person_id", flat=True))
    for row in DistinctPersonConfirmation.objects.filter(person=merged).exclude(other=survivor):
        if row.other_id not in have:
            DistinctPersonConfirmation.objects.filter(pk=row.pk).update(person=survivor)
            out.count("different-person confirmations", 1)
    for row in DistinctPersonConfirmation.objects.filter(other=merged).exclude(person=survivor):
        if row.person_id not in have_as_other:
            DistinctPersonConfirmation.objects.filter(pk=row.pk).update(other=survivor)
            out.count("different-person confirmations", 1)


def _move_assessment_records(survivor: Person, merged: Person, out: MergeOutcome) -> None:
    from assessments.models import Assessment, Flag, RemovalDecision, RemovalProposal, VoluntaryReturnConsent

    reason = f"The record {merged.reference} was merged into {survivor.reference}; review the assessment against the whole record"
    open_here = Assessment.objects.filter(person=merged, status__in=OPEN_STATUSES)
    out.count("assessments in progress", open_here.update(person=survivor))
    for assessment in Assessment.objects.filter(person=survivor, status="approved").order_by("pk"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT assessment_reopen(%s, %s)", [assessment.pk, reason[:300]])
        out.reopened.append(assessment.reference)
    for assessment in Assessment.objects.filter(person=merged, status="approved").order_by("pk"):
        Assessment.objects.filter(pk=assessment.pk).update(person=survivor)  # the trigger reopens it
        out.reopened.append(assessment.reference)
        out.count("approved assessments (reopened)", 1)
    out.count("closed assessments", Assessment.objects.filter(person=merged).update(person=survivor))
    for model, label in (
        (RemovalProposal, "removal proposals"),
        (Flag, "flags"),
        (VoluntaryReturnConsent, "voluntary return consents"),
        (RemovalDecision, "removal decisions"),
    ):
        out.count(label, model.objects.filter(person=merged).update(person=survivor))


_HANDLED = {
    ("people", "personname", "person"), ("people", "identitydocument", "person"), ("people", "registration", "person"),
    ("people", "residence", "person"), ("people", "legalstatus", "person"), ("people", "affiliation", "person"),
    ("people", "familylink", "person"), ("people", "familylink", "relative"), ("people", "vulnerability", "person"),
    ("people", "distinctpersonconfirmation", "person"), ("people", "distinctpersonconfirmation", "other"),
    ("people", "personmerge", "survivor"),
    ("assessments", "assessment", "person"), ("assessments", "removalproposal", "person"), ("assessments", "flag", "person"),
    ("assessments", "voluntaryreturnconsent", "person"), ("assessments", "removaldecision", "person"),
}


def _move_other_links(survivor: Person, merged: Person, out: MergeOutcome) -> None:
    """Links added by other apps since this module was written move too, except those that do nothing on
    delete (history and access-log rows, which keep the old id on purpose)."""
    for relation in Person._meta.related_objects:
        model = relation.related_model
        key = (model._meta.app_label, model._meta.model_name, relation.field.name)
        if key in _HANDLED or not relation.many_to_one or relation.on_delete is models.DO_NOTHING:
            continue
        out.count(model._meta.verbose_name_plural, model._default_manager.filter(**{relation.field.name: merged}).update(**{relation.field.name: survivor}))


def _fill_blanks(survivor: Person, merged: Person, out: MergeOutcome) -> None:
    """Identity fields the survivor lacks are taken from the merged record (the rest stays in the snapshot)."""
    changed = []
    if not survivor.full_name_original and merged.full_name_original:
        survivor.full_name_original, survivor.original_script = merged.full_name_original, merged.original_script
        changed += ["full_name_original", "original_script"]
    if survivor.birth_date is None and merged.birth_date is not None:
        survivor.birth_date, survivor.birth_date_precision = merged.birth_date, merged.birth_date_precision
        changed += ["birth_date", "birth_date_precision"]
    if not survivor.nationality and not survivor.stateless and (merged.nationality or merged.stateless):
        survivor.nationality, survivor.stateless = merged.nationality, merged.stateless
        changed += ["nationality", "stateless"]
    if survivor.sex == choices.Sex.UNKNOWN and merged.sex != choices.Sex.UNKNOWN:
        survivor.sex = merged.sex
        changed.append("sex")
    extra = [code for code in merged.languages if code not in survivor.languages]
    if extra:
        survivor.languages = [*survivor.languages, *extra]
        changed.append("languages")
    if merged.interpreter_needed and not survivor.interpreter_needed:
        survivor.interpreter_needed = True
        changed.append("interpreter_needed")
    if survivor.assigned_caseworker_id is None and merged.assigned_caseworker_id:
        survivor.assigned_caseworker_id = merged.assigned_caseworker_id
        changed.append("assigned_caseworker")
    if merged.contact_notes:
        survivor.contact_notes = (survivor.contact_notes + "\n\n" if survivor.contact_notes else "") + f"From {merged.reference}: {merged.contact_notes}"
        changed.append("contact_notes")
    if merged.external_id and not survivor.external_id:
        Person.objects.filter(pk=merged.pk).update(external_id="")  # unique: free it first
        survivor.external_id = merged.external_id
        changed.append("external_id")
    if changed:
        survivor.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
        out.filled = [Person._meta.get_field(f).verbose_name for f in dict.fromkeys(changed)]


def _route_conflicts(survivor: Person, merged: Person) -> list[str]:
    from assessments.models import Assessment, route_label

    mine = {}
    for a in Assessment.objects.filter(person=survivor, status__in=OPEN_STATUSES):
        mine[(str(a.destination), tuple(a.transit_countries))] = a
    conflicts = []
    for a in Assessment.objects.filter(person=merged, status__in=OPEN_STATUSES):
        other = mine.get((str(a.destination), tuple(a.transit_countries)))
        if other is not None:
            route = route_label(str(a.destination), list(a.transit_countries))
            conflicts.append(OPEN_ASSESSMENT_CONFLICT.format(route=route, refs=f"{other.reference} and {a.reference}"))
    return conflicts


def _lock_pair(actor, survivor_id: int, merged_id: int) -> tuple[Person, Person]:
    """Lock both person rows in id order (the services' lock order), checking scope."""
    locked = {}
    for pk in sorted([survivor_id, merged_id]):
        # The merged row is deleted (and its external id cleared), so it takes FOR UPDATE: a row another
        # transaction inserts with a foreign key to it waits for the merge and then fails, instead of slipping
        # in after its links were moved and blocking the delete. The survivor keeps its id (the only key:
        # the external id's unique index is partial), so FOR NO KEY UPDATE serialises it against the
        # services without blocking foreign-key inserts.
        person = Person.objects.select_for_update(no_key=pk == survivor_id).filter(pk=pk).first()
        if person is not None:
            locked[pk] = person
    ids = visible_team_ids(actor)
    for pk in (survivor_id, merged_id):
        person = locked.get(pk)
        if person is None or (ids is not None and person.owning_team_id not in ids):
            raise OutOfScope(NOT_FOUND)
    return locked[survivor_id], locked[merged_id]


def _merge(actor, survivor_id: int, merged_id: int, reason: str) -> PersonMerge:
    survivor, merged = _lock_pair(actor, survivor_id, merged_id)
    conflicts = _route_conflicts(survivor, merged)
    if conflicts:
        raise MergeRefused(conflicts)
    record = PersonMerge.objects.create(
        survivor=survivor, merged_person_id=merged.pk, merged_reference=merged.reference, merged_external_id=merged.external_id,
        snapshot=snapshot(merged), reason=reason, merged_by=actor,
    )
    out = MergeOutcome()
    _move_names(survivor, merged, out)
    out.count("identity documents", IdentityDocument.objects.filter(person=merged).update(person=survivor))
    # Registration numbers are unique per issuer across the registry, so two records never hold the same one.
    out.count("registrations", Registration.objects.filter(person=merged).update(person=survivor))
    _move_residences(survivor, merged, out)
    _move_deduplicated(LegalStatus, survivor, merged, ("kind", "started_on", "ended_on", "legal_basis", "source"), "legal statuses", out)
    _move_deduplicated(Affiliation, survivor, merged, ("organisation_id", "role", "started_on", "ended_on"), "affiliations", out)
    _move_deduplicated(Vulnerability, survivor, merged, ("kind", "established_on", "relevant_until"), "vulnerabilities", out)
    _move_family(survivor, merged, out)
    _move_confirmations(survivor, merged, out)
    out.count("earlier merges", PersonMerge.objects.filter(survivor=merged).update(survivor=survivor))
    _move_assessment_records(survivor, merged, out)
    _move_other_links(survivor, merged, out)
    _fill_blanks(survivor, merged, out)
    merged.delete()
    person_reindex(person=survivor)
    record.outcome = out.as_json()
    record.save(update_fields=["outcome"])
    return record


def person_merge(*, actor, survivor: Person, merged: Person, reason: str) -> PersonMerge:
    """Merge `merged` into `survivor` (administrators): every link moves, the merge is recorded, and the
    merged record is removed. Refused with MergeRefused (reasons) when something must be settled first."""
    require_perm(actor, "people.merge_person")
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_REQUIRED}, code="reason_required")
    if survivor.pk == merged.pk:
        raise MergeRefused([MERGE_SELF])
    with acting(actor, "person_merge", survivor=survivor.pk, merged_person=merged.pk):
        return _merge(actor, survivor.pk, merged.pk, reason.strip())


def merge_preview(*, actor, survivor: Person, merged: Person) -> dict:
    """What a merge would do, by doing it and rolling back: the same code, so the preview cannot differ."""
    require_perm(actor, "people.merge_person")
    if survivor.pk == merged.pk:
        raise MergeRefused([MERGE_SELF])
    with transaction.atomic():
        record = _merge(actor, survivor.pk, merged.pk, "preview")
        outcome = record.outcome
        transaction.set_rollback(True)
    return outcome
