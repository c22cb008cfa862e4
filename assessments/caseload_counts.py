"""The dashboard's whole-caseload counts, kept per team in a table (CaseloadCount) rather than counted on
every visit: at a million persons counting a supervisor's caseload took most of a second.

The removals due without an approved assessment (by how soon) are counted for the day of the refresh.
Database triggers mark a team's counts stale when any row they are made of changes (migration 0010, every
door); the next dashboard visit counts that team again before it draws the page (an advisory lock per team:
one process counts, the others wait and use its result). Counts merely older than `FRESH_SECONDS` (the
removals due move with the clock) are counted again by the first process to ask, the others showing the
stored counts meanwhile.
The background-jobs work will refresh them on a schedule instead; the dashboard says "as of" when.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.db.models import Case, Count, Q, Sum, Value, When
from django.db.models.functions import Concat
from django.utils import timezone

from assessments import choices
from assessments.models import Assessment, CaseloadCount, CaseloadRefresh, Finding, Flag, RemovalDecision

FRESH_SECONDS = 60
_LOCK_CLASS = 0x43_4C_43  # "CLC": the advisory locks of these refreshes (two-key form: this, the team id)

STATUS, FLAG, RISK_TYPE, RISK_COUNTRY, DECISION, DUE = "status", "flag", "risk_type", "risk_country", "decision", "due"


def _counted(team_ids: list[int], today: datetime.date) -> list[CaseloadCount]:
    """Every count of the teams `team_ids`, from the caseload itself, on the day `today`."""
    from assessments.selectors import removals_due

    rows: list[CaseloadCount] = []

    def add(chart: str, queryset, team: str, key: str, key_of=str) -> None:
        for row in queryset.values(team, key).annotate(n=Count("id")).order_by():
            rows.append(CaseloadCount(team_id=row[team], chart=chart, key=key_of(row[key]), n=row["n"]))

    add(STATUS, Assessment.objects.filter(scope_team_id__in=team_ids), "scope_team_id", "status")
    # A flag raised by a rule counts under its rule, one raised by hand under its category.
    kind = Case(When(rule="", then=Concat(Value("category:"), "category")), default=Concat(Value("rule:"), "rule"))
    add(FLAG, Flag.objects.open().filter(scope_team_id__in=team_ids).annotate(kind=kind), "scope_team_id", "kind")
    current_risks = Finding.objects.filter(
        Q(outcome=choices.Outcome.REAL_RISK), assessment__scope_team_id__in=team_ids,
    ).exclude(assessment__status__in=[choices.AssessmentStatus.SUPERSEDED, choices.AssessmentStatus.WITHDRAWN])
    add(RISK_TYPE, current_risks, "assessment__scope_team_id", "risk_type_id")
    add(RISK_COUNTRY, current_risks, "assessment__scope_team_id", "country")
    add(DECISION, RemovalDecision.objects.filter(person__owning_team_id__in=team_ids), "person__owning_team_id", "outcome")
    for team_id, due in removals_due(team_ids=team_ids, today=today).items():
        rows += [CaseloadCount(team_id=team_id, chart=DUE, key=key, n=n) for key, n in due.items()]
    return rows


def _locked(team_ids: list[int], *, wait: bool) -> list[int]:
    """The teams whose refresh lock this transaction now holds: all of them when `wait` (taken in id order),
    else those no other process holds."""
    teams = sorted(team_ids)
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, t::int) FROM unnest(%s::bigint[]) AS t", [_LOCK_CLASS, teams])
            return teams
        cursor.execute("SELECT t FROM unnest(%s::bigint[]) AS t WHERE pg_try_advisory_xact_lock(%s, t::int)", [teams, _LOCK_CLASS])
        return sorted(team for (team,) in cursor.fetchall())


def _due(team_ids: list[int], now: datetime.datetime) -> tuple[list[int], list[int]]:
    """Of `team_ids`: the teams whose counts are missing or marked stale by a write, and those merely older
    than FRESH_SECONDS or from another day."""
    refreshed = {
        team_id: (at, stale)
        for team_id, at, stale in CaseloadRefresh.objects.filter(team_id__in=team_ids).values_list("team_id", "refreshed_at", "stale")
    }
    oldest = now - datetime.timedelta(seconds=FRESH_SECONDS)
    changed = sorted(t for t in team_ids if t not in refreshed or refreshed[t][1])
    old = sorted(
        t for t in team_ids
        if t in refreshed and not refreshed[t][1]
        and (refreshed[t][0] < oldest or timezone.localdate(refreshed[t][0]) != timezone.localdate(now))
    )
    return changed, old


def refresh_caseload_counts(*, team_ids: list[int], wait: bool, now: datetime.datetime | None = None) -> list[int]:
    """Count the teams `team_ids` again and replace their rows; without `wait`, skip the teams another
    process is refreshing right now; with it, wait for that process and skip what it has just counted.
    Returns the teams refreshed. Holds no personal data, records no history."""
    now = now or timezone.now()
    with transaction.atomic():
        teams = _locked(team_ids, wait=wait)
        if wait:
            changed, old = _due(teams, now)
            teams = [t for t in teams if t in changed or t in old]  # not what the lock's last holder just counted
        if teams:
            CaseloadCount.objects.filter(team_id__in=teams).delete()
            CaseloadCount.objects.bulk_create(_counted(teams, timezone.localdate(now)))
            CaseloadRefresh.objects.bulk_create(
                [CaseloadRefresh(team_id=t, refreshed_at=now, stale=False) for t in teams],
                update_conflicts=True, unique_fields=["team"], update_fields=["refreshed_at", "stale"],
            )
    return teams


def refresh_stale(team_ids: list[int], *, now: datetime.datetime | None = None) -> None:
    """Make sure the counts of `team_ids` are current: a team never counted, or changed since (the triggers
    mark it stale), is counted before the page is drawn, waiting for a process already counting it; a team
    merely older than FRESH_SECONDS (the removals due move with the clock) is counted by one process while
    the others show the stored counts."""
    now = now or timezone.now()
    changed, old = _due(team_ids, now)
    if changed:
        refresh_caseload_counts(team_ids=changed, wait=True, now=now)
    if old:
        refresh_caseload_counts(team_ids=old, wait=False, now=now)


def counts(team_ids: list[int]) -> tuple[dict[tuple[str, str], int], datetime.datetime | None]:
    """The teams' counts added up, by (chart, key), and the oldest refresh among them."""
    rows = CaseloadCount.objects.filter(team_id__in=team_ids).values_list("chart", "key").annotate(total=Sum("n")).order_by()
    totals = {(chart, key): total for chart, key, total in rows}
    oldest = min(CaseloadRefresh.objects.filter(team_id__in=team_ids).values_list("refreshed_at", flat=True), default=None)
    return totals, oldest
