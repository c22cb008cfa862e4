"""Reads of the assessment domain. Each starts from a scoped queryset and loads what its page shows in a
fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.postgres.fields import ArrayField
from django.contrib.auth import get_user_model
from django.db.models import BigIntegerField, Count, Exists, F, Func, OuterRef, Prefetch, Q, Subquery, TextField
from django.db.models.functions import Cast, Coalesce, JSONObject
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
from core.prefetch import prefetch_present, presence
from core import roles
from core.sqljson import Part, Statement, StatementCache, compiled, light, merged, run, statement
from people.models import SEARCH_COLUMNS, Person
from people.scoping import supervised_team_ids, visible_team_ids

NOT_FOUND = "No such assessment in your caseload."
User = get_user_model()


def assessment_for_user(*, user, pk: int) -> Assessment:
    """The assessment with every part its page shows, or 404 when it is outside the user's scope: one query
    for the assessment, which also says which kinds of parts it has, and one for each kind it has."""
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
        .annotate(present_parts=presence(Assessment, lookups))
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise Http404(NOT_FOUND)
    prefetch_present(assessment, lookups, assessment.present_parts, kept_as="assessment page")
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


def _nearest_removals(my_open_proposals, assigned, *, limit: int, window: bool) -> Part:
    """One row: the people assigned to me by their nearest open removal (the first `limit`), then others by
    name to fill the list, each with their open flags; and how many proposals the ranking read.

    Ranked from the (small) proposals table in date order, so the page never aggregates over the caseload:
    with `window`, from the first 8 × `limit` dated proposals only (an index walk; few people have several);
    without, from all of them (when one person's proposals fill the window)."""
    dated = my_open_proposals.filter(planned_date__isnull=False).order_by("planned_date", "person_id").values("person_id", "planned_date")
    dated_sql, dated_params = compiled(dated[: 8 * limit] if window else dated)
    open_flags = Flag.objects.open().filter(person_id=OuterRef("id")).order_by().values("person_id").annotate(n=Count("id")).values("n")
    people = assigned.annotate(open_flags=Coalesce(Subquery(open_flags), 0)).values("id", "full_name_latin", "open_flags")
    people_sql, people_params = compiled(people.order_by())
    # The first 2 × limit by name hold at least `limit` people who are not among the nearest (at most `limit`).
    by_name_sql, by_name_params = compiled(people.order_by("full_name_latin", "id")[: 2 * limit])
    sql = f"""
        WITH dated AS ({dated_sql}),
        nearest AS (
            SELECT person_id, min(planned_date) AS next_removal FROM dated
            GROUP BY person_id ORDER BY next_removal, person_id LIMIT {int(limit)}
        )
        SELECT
            (SELECT count(*) FROM dated) AS ranked_from,
            (SELECT coalesce(json_agg(n), '[]'::json) FROM (
                SELECT p.*, nearest.next_removal FROM nearest JOIN ({people_sql}) p ON p.id = nearest.person_id
                ORDER BY nearest.next_removal, nearest.person_id
            ) n) AS nearest,
            (SELECT coalesce(json_agg(o), '[]'::json) FROM (
                SELECT p.* FROM ({by_name_sql}) p
                WHERE (SELECT count(*) FROM nearest) < {int(limit)}  -- read only when the nearest do not fill the list
                AND p.id NOT IN (SELECT person_id FROM nearest) LIMIT {int(limit)}
            ) o) AS others
    """
    return sql, [*dated_params, *people_params, *by_name_params]


def _count(queryset) -> Part:
    sql, params = compiled(queryset.order_by().values("pk"))
    return f"SELECT count(*) AS n FROM ({sql}) counted", params


def _light_person(row: dict, id_key: str = "person_id", name_key: str = "person_name") -> Person:
    return light(Person, {"id": row.pop(id_key), "full_name_latin": row.pop(name_key)})


def _my_work_statement(user, *, window: bool = True) -> Statement:
    """Every list of My work for `user`, as one statement: a function of the user and their scope only."""
    limit = WORK_LIST_LIMIT
    assigned = Person.objects.visible_to(user).filter(assigned_caseworker=user)
    mine = Assessment.objects.visible_to(user).filter(assessor=user)
    person_name = {"person_name": F("person__full_name_latin")}
    by_urgency = (F("proposal_planned_date").asc(nulls_last=True), "created_at", "id")
    shown = ("id", "status", "destination", "transit_countries", "created_at", "person_id", "proposal_planned_date")

    def assessments(status, **extra):
        return mine.filter(status=status).order_by(*by_urgency).values(*shown, **person_name, **extra)[:limit]

    latest_return = Subquery(
        Review.objects.filter(assessment=OuterRef("pk"), decision=choices.ReviewDecision.RETURNED).order_by("-created_at", "-id")
        .values(json=JSONObject(comments="comments", first_name="reviewer__first_name",
                                last_name="reviewer__last_name", username="reviewer__username"))[:1]
    )
    # Open flags on my people or my assessments: the most urgent of each kind, merged (an OR of the two would
    # scan every open flag); EXISTS, not IN, for mine: the flags are walked in urgency order.
    open_flags = Flag.objects.visible_to(user).open()
    flag_parts = [
        compiled(part.order_by(*FLAG_URGENCY).values("id", "reason", "severity", "blocks_removal", "raised_at", "person_id", **person_name)[:limit])
        for part in (
            open_flags.filter(scope_caseworker_id=user.pk),
            open_flags.filter(Exists(Assessment.objects.filter(pk=OuterRef("assessment_id"), assessor=user))),
        )
    ]
    my_open_proposals = RemovalProposal.objects.visible_to(user).open().filter(scope_caseworker_id=user.pk)
    unassessed = (
        my_open_proposals
        .exclude(Exists(Assessment.objects.filter(proposal=OuterRef("pk")).exclude(status__in=["withdrawn", "superseded"])))
        .order_by(F("planned_date").asc(nulls_last=True))
        .values("id", "measure", "destination", "transit_countries", "planned_date", "person_id", **person_name)[:limit]
    )
    return statement({
        # Drafts and submitted ones walked separately, each in its index's order, and merged: an IN of the two
        # statuses would sort every one of them.
        "in_progress": merged(
            [compiled(assessments(choices.AssessmentStatus.DRAFT)), compiled(assessments(choices.AssessmentStatus.SUBMITTED))],
            order_by=by_urgency, limit=limit,
        ),
        "returned": compiled(assessments(choices.AssessmentStatus.RETURNED, latest_return=latest_return)),
        "flags": merged(flag_parts, order_by=FLAG_URGENCY, limit=limit, distinct=True),
        "unassessed": compiled(unassessed),
        "people": _nearest_removals(my_open_proposals, assigned, limit=limit, window=window),
        "assigned_count": _count(assigned),
    })


# My work's statement depends only on who asks and what they may see; a caseworker opens it many times a day.
_my_work_statements = StatementCache()


def my_work(*, user, today: datetime.date) -> dict:
    """What a caseworker has to do, most urgent first: every list an indexed query on the rows' scope copies
    (ScopeCopy), whatever the size of the caseload, all sent in one statement (core.sqljson), kept per user
    and scope so a second visit does not build it again."""
    limit = WORK_LIST_LIMIT
    key = (user.pk, user.is_superuser, roles.role_names(user), visible_team_ids(user))
    rows = run(_my_work_statements.get(key, lambda: _my_work_statement(user)))
    people = rows["people"][0]
    if len(people["nearest"]) < limit and people["ranked_from"] == 8 * limit:  # many proposals per person: rank them all
        people = run(_my_work_statements.get((*key, "all"), lambda: _my_work_statement(user, window=False)))["people"][0]

    def assessment(row: dict) -> Assessment:
        person = _light_person(row)
        review = row.pop("latest_return", None)
        a = light(Assessment, row, person=person)
        a.days_left = _days_left(a.proposal_planned_date, today)
        if review is not None:
            reviewer = light(User, {k: review.pop(k) for k in ("first_name", "last_name", "username")})
            a.latest_return = light(Review, review, reviewer=reviewer)
        else:
            a.latest_return = None
        return a

    def flag(row: dict) -> Flag:
        return light(Flag, row, person=_light_person(row))

    def proposal(row: dict) -> RemovalProposal:
        p = light(RemovalProposal, row, person=_light_person(row))
        p.days_left = _days_left(p.planned_date, today)
        return p

    assigned_people = []
    for row in [*people["nearest"], *people["others"]][:limit]:
        next_removal = row.pop("next_removal", None)
        p = light(Person, row)
        p.next_removal = datetime.date.fromisoformat(next_removal) if next_removal else None
        p.days_left = _days_left(p.next_removal, today)
        assigned_people.append(p)
    return {
        "assigned_people": assigned_people,
        "in_progress": [assessment(r) for r in rows["in_progress"]],
        "returned": [assessment(r) for r in rows["returned"]],
        "flags": [flag(r) for r in rows["flags"]],
        "unassessed_proposals": [proposal(r) for r in rows["unassessed"]],
        "assigned_count": rows["assigned_count"][0]["n"],
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


DASHBOARD_CACHE_SECONDS = 60


def dashboard(*, user, today: datetime.date) -> dict:
    """Counts for the supervisor and administrator dashboard, scoped to the teams they supervise.

    The counts hold no personal data and are the same for everyone with the same scope, so they are cached
    per scope and date until a service writes something (in this process) or for a minute at most (a write
    seen by another server process, or made outside the services).
    """
    from django.utils import timezone

    from core.services import cached_until_write

    ids = supervised_team_ids(user)

    def compute() -> dict:
        return {**_dashboard_counts(ids=ids, today=today), "as_of": timezone.now()}

    return cached_until_write(f"dashboard:{today.isoformat()}", ids, compute, seconds=DASHBOARD_CACHE_SECONDS)


def _dashboard_counts(*, ids, today: datetime.date) -> dict:
    by_status = dict(
        Assessment.objects.in_teams(ids).values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    status_rows = [(label, by_status.get(value, 0)) for value, label in choices.AssessmentStatus.choices]

    # Open removal proposals without an approved, current assessment (chosen exactly as the gate chooses it),
    # by how soon the removal is planned: overdue or within 30 days (the gate is asked for those only).
    pending = (
        RemovalProposal.objects.open().in_teams(ids).filter(planned_date__lte=today + datetime.timedelta(days=30))
        .annotate(chosen=gate_assessment_expression())
        .exclude(Exists(Assessment.objects.filter(pk=OuterRef("chosen"), status=choices.AssessmentStatus.APPROVED, valid_until__gte=today)))
    )
    due = pending.aggregate(
        overdue=Count("id", filter=Q(planned_date__lt=today)),
        d7=Count("id", filter=Q(planned_date__gte=today, planned_date__lte=today + datetime.timedelta(days=7))),
        d14=Count("id", filter=Q(planned_date__gt=today + datetime.timedelta(days=7), planned_date__lte=today + datetime.timedelta(days=14))),
        d30=Count("id", filter=Q(planned_date__gt=today + datetime.timedelta(days=14), planned_date__lte=today + datetime.timedelta(days=30))),
    )
    due_rows = [("Overdue", due["overdue"]), ("Within 7 days", due["d7"]), ("In 8–14 days", due["d14"]), ("In 15–30 days", due["d30"])]

    flag_counts = Flag.objects.open().in_teams(ids).values("rule", "category").annotate(n=Count("id")).order_by("-n")
    rule_labels = dict(choices.FlagRuleCode.choices)
    category_labels = dict(choices.FlagCategory.choices)
    flag_rows: dict[str, int] = {}
    for row in flag_counts:
        label = rule_labels.get(row["rule"]) if row["rule"] else category_labels.get(row["category"], row["category"])
        flag_rows[label] = flag_rows.get(label, 0) + row["n"]

    current_findings = Finding.objects.filter(
        outcome=choices.Outcome.REAL_RISK,
        assessment__in=Assessment.objects.in_teams(ids).exclude(
            status__in=[choices.AssessmentStatus.SUPERSEDED, choices.AssessmentStatus.WITHDRAWN]
        ),
    )
    risk_by_type = list(current_findings.values_list("risk_type__name").annotate(n=Count("id")).order_by("-n", "risk_type__name"))
    risk_by_country = [
        (country_name(code), n) for code, n in current_findings.values_list("country").annotate(n=Count("id")).order_by("-n", "country")
    ]
    decided = dict(RemovalDecision.objects.in_teams(ids).values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
    decision_rows = [(label, decided.get(value, 0)) for value, label in choices.DecisionOutcome.choices]
    return {
        "status_rows": status_rows,
        "due_rows": due_rows,
        "flag_rows": sorted(flag_rows.items(), key=lambda kv: -kv[1]),
        "risk_by_type": risk_by_type,
        "risk_by_country": risk_by_country,
        "decision_rows": decision_rows,
    }


def open_proposals(person: Person) -> list[RemovalProposal]:
    return list(person.removal_proposals.filter(status=choices.ProposalStatus.OPEN).order_by(F("planned_date").asc(nulls_last=True)))

