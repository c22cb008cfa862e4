"""Generate a realistic fictional caseload quickly, with COPY: teams and users, camps, N persons with
residence, status and registration histories, removal proposals, assessments in every state with their
interviews, evidence and findings, reviews, flags and decisions.

    .venv/bin/python bench/run.py seed --persons 100000

The rows are written by the tables' owner (Django's `owner` alias) with `session_replication_role =
replica`, as a bulk load from another system would be: the workflow triggers (status transitions,
reopening, the gate, history) are for people's writes, not for a synthetic load, and the generator keeps
their invariants itself (approved assessments have an approving review by someone other than the assessor,
authorised decisions rest on approved assessments that found no risk, at most one open residence).
Progress and rows per second are printed.
"""

from __future__ import annotations

import argparse
import importlib
import datetime
import random
import sys
import time
from collections.abc import Iterable, Iterator

from common import fresh_database

SEED = 20080703
TEAMS = 20
CAMPS = 30
BENCH_PASSWORD = "bench-password-not-for-real-use"
RISK_ROUTE_COUNTRIES = ["TR", "JO", "AZ", "AM", "IQ"]
TODAY = datetime.date.today()


class Copier:
    """COPY rows into a table, with explicit ids so that foreign keys can be written in the same pass."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.counts: dict[str, int] = {}

    def copy(self, model, rows: Iterable[dict]) -> int:
        fields = [f for f in model._meta.concrete_fields]
        columns = [f.column for f in fields]
        defaults = {}
        for f in fields:
            if f.has_default():
                defaults[f.column] = f.get_default()
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                defaults[f.column] = datetime.datetime.now(datetime.timezone.utc)
            elif f.null:
                defaults[f.column] = None
            elif f.get_internal_type() in ("CharField", "TextField", "SlugField") or hasattr(f, "countries"):
                defaults[f.column] = ""
        table = model._meta.db_table
        n = 0
        with self.cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                values = []
                for f in fields:
                    value = row.get(f.column, row.get(f.name, defaults.get(f.column)))
                    if isinstance(value, list):
                        value = value
                    values.append(value)
                copy.write_row(values)
                n += 1
        self.counts[table] = self.counts.get(table, 0) + n
        return n


def _ids(start: int, n: int) -> range:
    return range(start, start + n)


def seed(persons: int, *, progress=print) -> dict:
    """Write the caseload. Returns counts and timings."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connections

    from assessments import models as am
    from assessments.models import RiskType
    from core import roles
    from people import models as pm
    from people.services import name_keys_for, search_text_for, search_words_for

    rng = random.Random(SEED)
    started = time.perf_counter()
    User = get_user_model()

    # Teams and users through the ORM (few rows), so passwords and roles are real; one password hash serves
    # every bench user (hashing is deliberately slow).
    from django.contrib.auth.hashers import make_password

    hashed = make_password(BENCH_PASSWORD)

    def create_user(username, **fields):
        return User.objects.create(username=username, password=hashed, **fields)

    admin = create_user("bench_admin", email="bench_admin@example.invalid", first_name="Bench", last_name="Administrator",
                        is_staff=True, is_superuser=True)
    admin.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    teams, caseworkers, supervisors = [], [], []
    for t in range(TEAMS):
        team = pm.Team.objects.create(name=f"Bench Team {t:02d}")
        cw = create_user(f"bench_cw{t:02d}", first_name="Caseworker", last_name=f"{t:02d}")
        cw.groups.add(Group.objects.get(name=roles.CASEWORKER))
        sup = create_user(f"bench_sup{t:02d}", first_name="Supervisor", last_name=f"{t:02d}")
        sup.groups.add(Group.objects.get(name=roles.SUPERVISOR))
        team.members.add(cw, sup)
        team.supervisors.add(sup)
        teams.append(team)
        caseworkers.append(cw)
        supervisors.append(sup)
    camps = [pm.Camp.objects.create(name=f"Bench Camp {c:02d} (fictional)", country="IQ", region="Diyala", capacity=5000) for c in range(CAMPS)]
    risk_types = list(RiskType.objects.filter(is_active=True))

    from people.demo import load_demo

    pools = load_demo()["residents"]
    given = pools["given_names_male"] + pools["given_names_female"]
    family = pools["family_names"]

    # The bulk load is the owner's job: the application's role may not switch triggers off (bench/common.py).
    with connections["owner"].cursor() as django_cursor:
        cursor = django_cursor.connection.cursor()
        cursor.execute("SET session_replication_role = replica")
        copier = Copier(cursor)

        def next_id(model) -> int:
            cursor.execute(f'SELECT coalesce(max(id), 0) + 1 FROM "{model._meta.db_table}"')
            return cursor.fetchone()[0]

        person_start = next_id(pm.Person)
        person_ids = _ids(person_start, persons)
        people_rows: list[dict] = []
        now = datetime.datetime.now(datetime.timezone.utc)

        def person_rows() -> Iterator[dict]:
            for i, pk in enumerate(person_ids):
                g, f = rng.choice(given), rng.choice(family)
                team_index = i % TEAMS
                born = datetime.date(rng.randint(1950, 2015), rng.randint(1, 12), 1)
                row = {
                    "id": pk, "full_name_latin": f"{g[0]} {f[0]}", "full_name_original": f"{g[1]} {f[1]}", "original_script": "fa",
                    "sex": rng.choice("FM"), "birth_date": born.replace(month=1) if i % 3 else born, "birth_date_precision": "year" if i % 3 else "month",
                    "nationality": "IR", "stateless": False, "languages": ["fa"], "interpreter_needed": True, "contact_notes": "",
                    "external_id": f"BENCH-{pk}", "owning_team_id": teams[team_index].pk, "assigned_caseworker_id": caseworkers[team_index].pk,
                    "created_by_id": admin.pk, "created_at": now, "updated_at": now,
                }
                people_rows.append(row)
                if (i + 1) % 100_000 == 0:
                    progress(f"  persons: {i + 1:,}/{persons:,}")
                yield row

        class _Row:
            """Attribute access for search_text_for()."""

            def __init__(self, d):
                self.__dict__.update(d)
                self.pk = d["id"]

            @property
            def reference(self):
                return f"P-{self.pk:06d}"

        name_forms: dict[tuple[str, str], tuple[list[str], list[str]]] = {}

        def with_search(rows):
            """The search columns, computed by the registry's own functions (name forms cached per name)."""
            for row in rows:
                person = _Row(row)
                key = (row["full_name_latin"], row["full_name_original"])
                if key not in name_forms:
                    name_forms[key] = (name_keys_for(person, other_names=[]), search_words_for(person, other_names=[]))
                row["name_keys"], row["search_words"] = name_forms[key]
                row["search_text"] = search_text_for(person, other_names=[], numbers=[f"UN-{row['id']:07d}"])
                yield row

        t0 = time.perf_counter()
        copier.copy(pm.Person, with_search(person_rows()))
        progress(f"  persons: {persons:,} in {time.perf_counter() - t0:.1f} s")

        residence_start, status_start, registration_start = next_id(pm.Residence), next_id(pm.LegalStatus), next_id(pm.Registration)

        def residences():
            rid = residence_start
            for row in people_rows:
                arrival = datetime.date(2003 + row["id"] % 10, 5, 1)
                if row["id"] % 3 == 0:
                    yield {"id": rid, "person_id": row["id"], "camp_id": camps[(row["id"] + 1) % CAMPS].pk, "country": "IQ",
                           "started_on": datetime.date(2001, 1, 1), "ended_on": arrival, "created_at": now, "updated_at": now}
                    rid += 1
                yield {"id": rid, "person_id": row["id"], "camp_id": camps[row["id"] % CAMPS].pk, "country": "IQ",
                       "started_on": arrival, "ended_on": None, "created_at": now, "updated_at": now}
                rid += 1

        def statuses():
            sid = status_start
            for row in people_rows:
                yield {"id": sid, "person_id": row["id"], "kind": "gc4_art27", "legal_basis": "GC IV Art. 27", "source": "Bench",
                       "started_on": datetime.date(2004, 7, 2), "ended_on": datetime.date(2009, 1, 1), "created_at": now, "updated_at": now}
                sid += 1
                yield {"id": sid, "person_id": row["id"], "kind": rng.choice(["poc", "asylum_seeker", "refugee"]), "legal_basis": "UNHCR mandate",
                       "source": "Bench", "started_on": datetime.date(2011, 9, 13), "ended_on": None, "created_at": now, "updated_at": now}
                sid += 1

        def registrations():
            for k, row in enumerate(people_rows):
                yield {"id": registration_start + k, "person_id": row["id"], "issuer": "unhcr", "number": f"UN-{row['id']:07d}",
                       "created_at": now, "updated_at": now}

        for model, rows in ((pm.Residence, residences()), (pm.LegalStatus, statuses()), (pm.Registration, registrations())):
            t0 = time.perf_counter()
            n = copier.copy(model, rows)
            progress(f"  {model._meta.verbose_name_plural}: {n:,} in {time.perf_counter() - t0:.1f} s")

        # The assessment workflow for one person in ten: proposals, assessments in every state, parts, flags.
        t0 = time.perf_counter()
        states = ["draft", "submitted", "returned", "approved", "approved", "superseded", "withdrawn"]
        ids = {m: next_id(m) for m in (am.RemovalProposal, am.Assessment, am.Interview, am.Evidence, am.Finding, am.Review, am.Flag, am.RemovalDecision)}
        proposals, assessments, interviews, evidence, findings, reviews, flags, decisions = [], [], [], [], [], [], [], []
        workflow_rng = random.Random(SEED + 1)
        for row in people_rows:
            if workflow_rng.random() >= 0.1:  # one person in ten, spread evenly over the teams
                continue
            team_index = (row["id"] - person_start) % TEAMS
            cw, sup = caseworkers[team_index], supervisors[team_index]
            transit = [RISK_ROUTE_COUNTRIES[row["id"] % len(RISK_ROUTE_COUNTRIES)]] if row["id"] % 2 else []
            planned = TODAY + datetime.timedelta(days=(row["id"] % 120) - 20)
            pid = ids[am.RemovalProposal]
            ids[am.RemovalProposal] += 1
            proposals.append({"id": pid, "person_id": row["id"], "measure": "deportation", "destination": "IR", "transit_countries": transit,
                              "proposed_by": "Bench authority", "recorded_by_id": cw.pk, "planned_date": planned, "status": "open",
                              "notes": "", "created_at": now, "updated_at": now})
            state = states[row["id"] % len(states)]
            aid = ids[am.Assessment]
            ids[am.Assessment] += 1
            approved = state in ("approved", "superseded")
            risk = row["id"] % 4 == 0  # one in four finds a real risk in Iran
            assessments.append({
                "id": aid, "person_id": row["id"], "proposal_id": pid, "assessor_id": cw.pk, "status": state,
                "destination": "IR", "transit_countries": transit, "declares_not_involved": True, "declares_no_conflict": True,
                "declared_at": now, "no_interview_reason": "", "conclusion": "real_risk" if risk else "no_real_risk",
                "conclusion_reasons": "Bench conclusion.", "submitted_at": now if state != "draft" else None,
                "approved_by_id": sup.pk if approved else None, "approved_at": now if approved else None,
                "valid_until": TODAY + datetime.timedelta(days=180) if approved else None,
                "reopened_at": None, "status_reason": "", "status_changed_at": now, "created_at": now, "updated_at": now,
            })
            interviews.append({"id": ids[am.Interview], "assessment_id": aid, "held_on": TODAY - datetime.timedelta(days=30), "place": "Bench office",
                               "interviewer_id": cw.pk, "language": "fa", "interpreter_name": "Bench interpreter", "interpreter_not_representative": True,
                               "information_given": "Bench.", "record": "Bench record.", "confirmation": "confirmed", "corrections": "",
                               "created_at": now, "updated_at": now})
            ids[am.Interview] += 1
            for e in range(2):
                evidence.append({"id": ids[am.Evidence], "assessment_id": aid, "kind": "coi", "title": f"Bench report {e}", "source": "Bench NGO",
                                 "reliability": "high", "corroboration": "corroborated", "citation": "", "disclosed_to_person": True,
                                 "restricted": e == 1, "summary": "", "file": "", "original_filename": "", "content_type": "", "added_by_id": cw.pk,
                                 "created_at": now, "updated_at": now})
                ids[am.Evidence] += 1
            for country in [*transit, "IR"]:
                for rt in risk_types:
                    outcome = "real_risk" if (risk and country == "IR" and rt.code in ("torture", "persecution")) else "no_real_risk"
                    findings.append({"id": ids[am.Finding], "assessment_id": aid, "country": country, "risk_type_id": rt.pk, "feared_actor": "state",
                                     "convention_grounds": [], "outcome": outcome, "reasons": "Bench reasons.", "created_at": now, "updated_at": now})
                    ids[am.Finding] += 1
            if state in ("returned", "approved", "superseded"):
                reviews.append({"id": ids[am.Review], "assessment_id": aid, "reviewer_id": sup.pk,
                                "decision": "returned" if state == "returned" else "approved",
                                "comments": "Bench comments." if state == "returned" else "", "created_at": now})
                ids[am.Review] += 1
            if row["id"] % 3 == 0:
                flags.append({"id": ids[am.Flag], "person_id": row["id"], "assessment_id": aid, "rule": "", "dedup_key": "", "category": "other",
                              "reason": "Bench flag", "severity": 1 + row["id"] % 4, "blocks_removal": row["id"] % 9 == 0,
                              "raised_by_id": cw.pk, "raised_at": now, "resolution_note": ""})
                ids[am.Flag] += 1
            if state == "approved" and not risk and row["id"] % 2 == 0:
                decisions.append({"id": ids[am.RemovalDecision], "person_id": row["id"], "proposal_id": pid, "measure": "deportation",
                                  "outcome": "authorised", "destination": "IR", "transit_countries": transit, "decided_by_id": admin.pk,
                                  "decided_on": TODAY, "reasons": "Bench.", "assessment_id": aid, "created_at": now, "gate_checked_at": now})
                ids[am.RemovalDecision] += 1
            elif state == "approved" and risk:
                decisions.append({"id": ids[am.RemovalDecision], "person_id": row["id"], "proposal_id": pid, "measure": "deportation",
                                  "outcome": "barred", "destination": "IR", "transit_countries": transit, "decided_by_id": admin.pk,
                                  "decided_on": TODAY, "reasons": "Bench.", "assessment_id": aid, "created_at": now})
                ids[am.RemovalDecision] += 1
        for model, rows in ((am.RemovalProposal, proposals), (am.Assessment, assessments), (am.Interview, interviews), (am.Evidence, evidence),
                            (am.Finding, findings), (am.Review, reviews), (am.Flag, flags), (am.RemovalDecision, decisions)):
            copier.copy(model, rows)
        # The copies of each person's team and caseworker that the triggers keep (skipped in this mode), set
        # by the migration's own statement.
        cursor.execute(importlib.import_module("assessments.migrations.0006_scope_copies").BACKFILL)
        # The findings as approved, which the gate reads (the approval's trigger writes them; skipped here).
        cursor.execute(importlib.import_module("assessments.migrations.0008_gate_integrity").RECORD_BACKFILL)
        progress(f"  workflow: {len(assessments):,} assessments, {len(findings):,} findings, {len(flags):,} flags in {time.perf_counter() - t0:.1f} s")

        cursor.execute("SET session_replication_role = origin")
        for model in (pm.Person, pm.Residence, pm.LegalStatus, pm.Registration, *ids):
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM \"{table}\"))")
        cursor.execute("VACUUM (ANALYZE)")  # visibility map set, as autovacuum would: index-only scans work
    elapsed = time.perf_counter() - started
    rows = sum(copier.counts.values())
    progress(f"seeded {rows:,} rows in {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s)")
    return {"rows": rows, "seconds": elapsed, "counts": copier.counts, "persons": persons}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench/run.py seed", description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--database", default="bench_pages")
    args = parser.parse_args(argv)
    fresh_database(args.database)
    seed(args.persons)


if __name__ == "__main__":
    main(sys.argv[1:])
