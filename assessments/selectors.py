"""Reads of the assessment domain. Each starts from a scoped queryset and loads what its page shows in a
fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.postgres.fields import ArrayField
from django.contrib.auth import get_user_model
from django.db.models import BigIntegerField, Count, Exists, F, Func, OuterRef, Prefetch, Q, Subquery, TextField
from django.db.models.functions import Cast, Coalesce
from django.http import Http404

from assessments import choices
from assessments.models import (
    Assessment,
    Evidence,
    Finding,
    Flag,
    Interview,
    RemovalDecision,
    RemovalProposal,
    Review,
    RiskType,
    VoluntaryReturnConsent,
    country_name,
    may_see_restricted,
)
from people.models import SEARCH_COLUMNS, Person
from people.scoping import supervised_team_ids

NOT_FOUND = "No such assessment in your caseload."
User = get_user_model()


def assessment_for_user(*, user, pk: int) -> Assessment:
    """The assessment with every part its page shows, or 404 when it is outside the user's scope: one query
    for the assessment and one for each kind of part."""
    lookups = (
        Prefetch("interviews", queryset=Interview.objects.select_related("interviewer")),
        Prefetch("evidence", queryset=Evidence.objects.select_related("added_by").prefetch_related("consistencies")),
        # A finding's indicators and evidence are shown only on its own page (two more queries there).
        Prefetch("findings", queryset=Finding.objects.select_related("risk_type")),
        "assurances",
        Prefetch("reviews", queryset=Review.objects.select_related("reviewer")),
    )
    assessment = (
        Assessment.objects.visible_to(user)
        .select_related("person__owning_team", "assessor", "approved_by", "proposal")
        .defer(*(f"person__{column}" for column in SEARCH_COLUMNS))  # wide, derived from the names, never shown
        .prefetch_related(*lookups)
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise Http404(NOT_FOUND)
    return assessment


def visible_evidence(assessment: Assessment, user) -> list[Evidence]:
    """The assessment's evidence the user may see (restricted items only for the assessor, team supervisors
    and administrators), from the prefetched rows: the Python twin of `Evidence.objects.visible_to(user)`."""
    may_see = may_see_restricted(user, assessment)
    return [e for e in assessment.evidence.all() if may_see or not e.restricted]


@dataclass
class MatrixCell:
    country: str
    risk_type: RiskType
    finding: Finding | None

    @property
    def outcome(self) -> str:
        return self.finding.outcome if self.finding else ""


@dataclass
class MatrixRow:
    risk_type: RiskType
    cells: list[MatrixCell] = field(default_factory=list)


def findings_matrix(assessment: Assessment, risk_types: list[RiskType]) -> list[MatrixRow]:
    """Risk types down, route countries across; each cell the finding, if any (from prefetched rows)."""
    by_key = {(str(f.country), f.risk_type_id): f for f in assessment.findings.all()}
    return [
        MatrixRow(risk_type=rt, cells=[MatrixCell(c, rt, by_key.get((c, rt.pk))) for c in assessment.route]) for rt in risk_types
    ]


def active_risk_types() -> list[RiskType]:
    return list(RiskType.objects.filter(is_active=True))


# ---------------------------------------------------------------------------------------------------------
# Work lists


def gate_assessment_expression(prefix: str = "") -> Func:
    """SQL: the assessment the gate would rest a decision on, for a row with person, destination and transit."""
    return Func(
        F(f"{prefix}person_id"),
        Cast(F(f"{prefix}destination"), TextField()),
        Cast(F(f"{prefix}transit_countries"), ArrayField(TextField())),
        function="removal_gate_assessment",
        output_field=BigIntegerField(),
    )


def _days_left(planned: datetime.date | None, today: datetime.date) -> int | None:
    return (planned - today).days if planned else None


def with_days_left(assessments, today: datetime.date) -> list[Assessment]:
    """Set `days_left` on each assessment: days until its proposal's planned removal (None without a date),
    from the assessment's copy of that date."""
    assessments = list(assessments)
    for a in assessments:
        a.days_left = _days_left(a.proposal_planned_date, today)
    return assessments


FLAG_URGENCY = ("-blocks_removal", "-severity", "raised_at", "id")  # as the flag indexes are ordered
WORK_LIST_LIMIT = 25  # per section of "My work": the most urgent first; full lists are a link away


def _nearest_removals(my_open_proposals, assigned, *, limit: int) -> list[Person]:
    """The people assigned to me by their nearest open removal (the first `limit`), then others by name to
    fill the list, each with their open flags (`open_flags`) and that removal's date (`next_removal`).

    Ranked from the (small) proposals table in date order, so the page never aggregates over the caseload:
    from the first 8 × `limit` dated proposals (an index walk; few people have several), or from all of
    them when one person's proposals fill that window."""
    dated = my_open_proposals.filter(planned_date__isnull=False).order_by("planned_date", "person_id").values_list("person_id", "planned_date")
    window = list(dated[: 8 * limit])
    nearest: dict[int, datetime.date] = {}
    for person_id, planned in window:
        nearest.setdefault(person_id, planned)  # rows come by date: a person's first is their nearest
    if len(nearest) < limit and len(window) == 8 * limit:
        nearest = {}
        for person_id, planned in dated:
            nearest.setdefault(person_id, planned)
    nearest = dict(list(nearest.items())[:limit])

    open_flags = Flag.objects.open().filter(person_id=OuterRef("id")).order_by().values("person_id").annotate(n=Count("id")).values("n")
    people = assigned.annotate(open_flags=Coalesce(Subquery(open_flags), 0)).only("id", "full_name_latin")
    found = {p.pk: p for p in people.filter(pk__in=nearest)} if nearest else {}
    ranked = [found[pk] for pk in nearest if pk in found]
    if len(ranked) < limit:
        ranked += list(people.exclude(pk__in=nearest).order_by("full_name_latin", "id")[: limit - len(ranked)])
    for p in ranked:
        p.next_removal = nearest.get(p.pk)
    return ranked


WORK_ASSESSMENT = ("id", "status", "destination", "transit_countries", "created_at", "proposal_planned_date",
                   "person_id", "person__id", "person__full_name_latin")


def my_work(*, user, today: datetime.date) -> dict:
    """What a caseworker has to do, most urgent first: every list an indexed query on the rows' scope copies
    (ScopeCopy), whatever the size of the caseload."""
    limit = WORK_LIST_LIMIT
    assigned = Person.objects.visible_to(user).filter(assigned_caseworker=user)
    mine = Assessment.objects.visible_to(user).filter(assessor=user).select_related("person").only(*WORK_ASSESSMENT)
    by_urgency = (F("proposal_planned_date").asc(nulls_last=True), "created_at", "id")

    def urgent(status):
        return mine.filter(status=status).order_by(*by_urgency)[:limit]

    # Drafts and submitted ones walked separately, each in its index's order, and merged by a UNION: an IN of
    # the two statuses would sort every one of them.
    in_progress = list(
        urgent(choices.AssessmentStatus.DRAFT).union(urgent(choices.AssessmentStatus.SUBMITTED), all=True).order_by(*by_urgency)[:limit]
    )
    returned = list(
        mine.filter(status=choices.AssessmentStatus.RETURNED).order_by(*by_urgency).prefetch_related(
            Prefetch(
                "reviews",
                queryset=Review.objects.filter(decision=choices.ReviewDecision.RETURNED).select_related("reviewer")
                .only("id", "assessment_id", "comments", "created_at", "reviewer__id", "reviewer__username",
                      "reviewer__first_name", "reviewer__last_name")
                .order_by("-created_at", "-id"),
                to_attr="returns",
            )
        )[:limit]
    )
    for a in returned:
        a.latest_return = a.returns[0] if a.returns else None
    # Open flags on my people or my assessments: the most urgent of each kind, merged (an OR of the two would
    # scan every open flag); EXISTS, not IN, for mine: the flags are walked in urgency order.
    open_flags = Flag.objects.visible_to(user).open().select_related("person").only(
        "id", "reason", "severity", "blocks_removal", "raised_at", "person_id", "person__id", "person__full_name_latin"
    ).order_by(*FLAG_URGENCY)
    flags = list(
        open_flags.filter(scope_caseworker_id=user.pk)[:limit]
        .union(open_flags.filter(Exists(Assessment.objects.filter(pk=OuterRef("assessment_id"), assessor=user)))[:limit])
        .order_by(*FLAG_URGENCY)[:limit]
    )  # UNION (not ALL): a flag on my person and my assessment is listed once
    my_open_proposals = RemovalProposal.objects.visible_to(user).open().filter(scope_caseworker_id=user.pk)
    unassessed = list(
        my_open_proposals
        .exclude(Exists(Assessment.objects.filter(proposal=OuterRef("pk")).exclude(status__in=["withdrawn", "superseded"])))
        .select_related("person")
        .only("id", "measure", "destination", "transit_countries", "planned_date", "person_id", "person__id", "person__full_name_latin")
        .order_by(F("planned_date").asc(nulls_last=True))[:limit]
    )
    assigned_people = _nearest_removals(my_open_proposals, assigned, limit=limit)
    for row in [*in_progress, *returned]:
        row.days_left = _days_left(row.proposal_planned_date, today)
    for p in unassessed:
        p.days_left = _days_left(p.planned_date, today)
    for p in assigned_people:
        p.days_left = _days_left(p.next_removal, today)
    return {
        "assigned_people": assigned_people,
        "in_progress": in_progress,
        "returned": returned,
        "flags": flags,
        "unassessed_proposals": unassessed,
        "assigned_count": assigned.count(),
        "limit": limit,
    }


def review_queue(*, user, team_id: int | None = None, kind: str = "", severity: int | None = None) -> dict:
    """Submitted assessments and open flags of the teams the user supervises (never their own work)."""
    ids = supervised_team_ids(user)
    assessments = Assessment.objects.reviewable_by(user).select_related("person__owning_team", "assessor").only(
        "id", "status", "destination", "transit_countries", "submitted_at", "person_id", "assessor_id",
        *[f"person__{f}" for f in ("id", "full_name_latin", "owning_team_id", "owning_team__name")],
        "assessor__id", "assessor__username", "assessor__first_name", "assessor__last_name",
        "proposal_planned_date",
    ).order_by(F("proposal_planned_date").asc(nulls_last=True), "submitted_at", "id")
    flags = (
        Flag.objects.open().in_teams(ids)
        .select_related("person")
        .only("id", "reason", "severity", "blocks_removal", "raised_at", "person_id", "person__id", "person__full_name_latin")
        .order_by(*FLAG_URGENCY)
    )
    if team_id:
        assessments = assessments.filter(scope_team_id=team_id)
        flags = flags.filter(scope_team_id=team_id)
    if severity:
        flags = flags.filter(severity__gte=severity)
    if kind == "assessments":
        flags = flags.none()
    elif kind == "flags":
        assessments = assessments.none()
    return {"assessments": assessments, "flags": flags}


# ---------------------------------------------------------------------------------------------------------
# Person timeline


@dataclass(frozen=True)
class TimelineEvent:
    when: datetime.date
    kind: str
    title: str
    detail: str = ""
    url: str = ""


def case_prefetches() -> tuple:
    """A person's proposals, assessments (with their reviews), flags, decisions and voluntary-return consents,
    as the profile shows them, to load with the person (people.selectors.person_for_user(also=...))."""
    return (
        Prefetch("removal_proposals", queryset=RemovalProposal.objects.order_by("-created_at")),
        Prefetch(
            "assessments",
            queryset=Assessment.objects.select_related("assessor", "approved_by")
            .prefetch_related(Prefetch("reviews", queryset=Review.objects.select_related("reviewer")))
            .order_by("-created_at"),
        ),
        Prefetch("flags", queryset=Flag.objects.select_related("raised_by", "resolved_by").order_by("resolved_at", "-severity", "-raised_at")),
        Prefetch("removal_decisions", queryset=RemovalDecision.objects.select_related("decided_by", "assessment").order_by("-decided_on", "-id")),
        Prefetch("return_consents", queryset=VoluntaryReturnConsent.objects.select_related("recorded_by", "supervisor_confirmed_by").order_by("-given_on")),
    )


def person_case(person: Person) -> dict:
    """Proposals, assessments, flags, consents and decisions of a person loaded with `case_prefetches()`."""
    return {
        "proposals": list(person.removal_proposals.all()),
        "assessments": list(person.assessments.all()),
        "flags": list(person.flags.all()),
        "decisions": list(person.removal_decisions.all()),
        "consents": list(person.return_consents.all()),
    }


def person_timeline(person: Person, case: dict) -> list[TimelineEvent]:
    """Residence, status, proposals, assessments, reviews, flags and decisions, newest first (from loaded rows)."""
    events: list[TimelineEvent] = []
    for r in person.residences.all():
        events.append(TimelineEvent(r.started_on, "residence", f"Started living in {r.where}"))
        if r.ended_on:
            events.append(TimelineEvent(r.ended_on, "residence", f"Left {r.where}"))
    for s in person.legal_statuses.all():
        events.append(TimelineEvent(s.started_on, "status", f"Status: {s.get_kind_display()}", s.source))
        if s.ended_on:
            events.append(TimelineEvent(s.ended_on, "status", f"Status ended: {s.get_kind_display()}"))
    for p in case["proposals"]:
        events.append(TimelineEvent(p.created_at.date(), "proposal", f"Removal proposed: {p.get_measure_display()} to {p.route_display}",
                                    f"Planned for {p.planned_date}" if p.planned_date else "No date planned"))
    for a in case["assessments"]:
        events.append(TimelineEvent(a.created_at.date(), "assessment", f"Assessment {a.reference} started ({a.route_display})",
                                    f"By {a.assessor.get_full_name() or a.assessor.username}", a.get_absolute_url()))
        if a.submitted_at:
            events.append(TimelineEvent(a.submitted_at.date(), "assessment", f"Assessment {a.reference} submitted for review", url=a.get_absolute_url()))
        for review in a.reviews.all():
            events.append(TimelineEvent(review.created_at.date(), "review", f"Assessment {a.reference} {review.get_decision_display().lower()}",
                                        review.comments, a.get_absolute_url()))
        if a.reopened_at:
            events.append(TimelineEvent(a.reopened_at.date(), "assessment", f"Assessment {a.reference} reopened", a.status_reason, a.get_absolute_url()))
    for f in case["flags"]:
        events.append(TimelineEvent(f.raised_at.date(), "flag", f"Flag raised ({f.get_severity_display()})", f.reason))
        if f.resolved_at:
            events.append(TimelineEvent(f.resolved_at.date(), "flag", "Flag resolved", f.resolution_note))
    for d in case["decisions"]:
        events.append(TimelineEvent(d.decided_on, "decision", f"Decision: {d.get_outcome_display()} ({d.route_display})", d.reasons))
    return sorted(events, key=lambda e: e.when, reverse=True)


# ---------------------------------------------------------------------------------------------------------
# Dashboard


def dashboard_teams(user) -> list[int]:
    """The teams whose caseload the user's dashboard counts: those they supervise (every team for an admin)."""
    from people.models import Team

    ids = supervised_team_ids(user)
    return sorted(Team.objects.values_list("id", flat=True)) if ids is None else sorted(ids)


def dashboard(*, team_ids: list[int]) -> dict:
    """Counts for the supervisor and administrator dashboard, for the teams `team_ids`, from the teams' stored
    counts (assessments.caseload_counts, refreshed within a minute)."""
    from assessments import caseload_counts as stored

    totals, as_of = stored.counts(team_ids)

    def rows(chart: str, labelled) -> list[tuple[str, int]]:
        return [(label, totals.get((chart, key), 0)) for key, label in labelled]

    status_rows = rows(stored.STATUS, choices.AssessmentStatus.choices)
    decision_rows = rows(stored.DECISION, choices.DecisionOutcome.choices)
    flag_labels = {**{f"rule:{k}": v for k, v in choices.FlagRuleCode.choices},
                   **{f"category:{k}": v for k, v in choices.FlagCategory.choices}}
    flag_rows: dict[str, int] = {}
    risk_type_names = dict(RiskType.objects.values_list("id", "name"))
    by_type: list[tuple[str, int]] = []
    by_country: list[tuple[str, str, int]] = []
    for (chart, key), n in totals.items():
        if not n:
            continue
        if chart == stored.FLAG:
            label = flag_labels.get(key, key.split(":", 1)[-1])
            flag_rows[label] = flag_rows.get(label, 0) + n
        elif chart == stored.RISK_TYPE:
            by_type.append((risk_type_names.get(int(key), key), n))
        elif chart == stored.RISK_COUNTRY:
            by_country.append((key, country_name(key), n))
    return {
        "status_rows": status_rows,
        "due_rows": rows(stored.DUE, DUE_BUCKETS),
        "flag_rows": sorted(flag_rows.items(), key=lambda kv: (-kv[1], kv[0])),
        "risk_by_type": sorted(by_type, key=lambda row: (-row[1], row[0])),
        "risk_by_country": [(name, n) for _, name, n in sorted(by_country, key=lambda row: (-row[2], row[0]))],
        "decision_rows": decision_rows,
        "as_of": as_of,
    }


DUE_BUCKETS = (("overdue", "Overdue"), ("d7", "Within 7 days"), ("d14", "In 8–14 days"), ("d30", "In 15–30 days"))


def removals_due(*, team_ids: list[int], today: datetime.date) -> dict[int, dict[str, int]]:
    """Per team: open removal proposals without an approved, current assessment (chosen exactly as the gate
    chooses it), by how soon the removal is planned (DUE_BUCKETS): overdue or within 30 days (the gate is
    asked for those only)."""
    pending = (
        RemovalProposal.objects.open().in_teams(team_ids).filter(planned_date__lte=today + datetime.timedelta(days=30))
        .annotate(chosen=gate_assessment_expression())
        .exclude(Exists(Assessment.objects.filter(pk=OuterRef("chosen"), status=choices.AssessmentStatus.APPROVED, valid_until__gte=today)))
    )
    rows = pending.values("scope_team_id").annotate(
        overdue=Count("id", filter=Q(planned_date__lt=today)),
        d7=Count("id", filter=Q(planned_date__gte=today, planned_date__lte=today + datetime.timedelta(days=7))),
        d14=Count("id", filter=Q(planned_date__gt=today + datetime.timedelta(days=7), planned_date__lte=today + datetime.timedelta(days=14))),
        d30=Count("id", filter=Q(planned_date__gt=today + datetime.timedelta(days=14), planned_date__lte=today + datetime.timedelta(days=30))),
    ).order_by()
    return {row["scope_team_id"]: {key: row[key] for key, _ in DUE_BUCKETS} for row in rows}


def open_proposals(person: Person) -> list[RemovalProposal]:
    return list(person.removal_proposals.filter(status=choices.ProposalStatus.OPEN).order_by(F("planned_date").asc(nulls_last=True)))

