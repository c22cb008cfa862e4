"""Import benchmark: a generated 3,400-row roster (a camp) and a 100,000-row roster, through the same
services as the page and the command (upload → check → import), with history triggers on the people
tables. Reports rows per second for each phase.

    make bench BENCH_ARGS=import          (or: .venv/bin/python bench/run.py import)

Uses a fresh database `bench_import` on BENCH_DATABASE_URL's server (default postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import json
import time

from common import RESULTS, fresh_database, machine


HISTORY_TABLES = ("audit_personevent", "audit_personnameevent", "audit_registrationevent", "audit_identitydocumentevent", "audit_residenceevent")


def run(sizes: list[int], *, formats: list[str]) -> dict:
    """The real history triggers (audit app) record every inserted row; their events are counted."""
    fresh_database("bench_import")
    from django.contrib.auth.models import Group
    from django.db import connection

    import roster
    from core import roles
    from people import imports
    from people.models import Camp, Person, Team
    from django.contrib.auth import get_user_model

    team = Team.objects.create(name="Bench team (fictional)")
    user = get_user_model().objects.create_user("bench", password="bench-not-a-real-password-123")
    user.groups.add(Group.objects.get(name=roles.CASEWORKER))
    team.members.add(user)
    camps = [Camp.objects.create(name=f"Camp Bench {i} (fictional)", country="IQ", capacity=5000).name for i in range(3)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "history_triggers": True, "runs": []}
    for size in sizes:
        for fmt in formats:
            path = RESULTS / f"roster-{size}.{fmt}"
            roster.write(path, roster.rows(size, camps=camps, seed=size + len(results["runs"]), prefix=f"B{size}{fmt[0]}"))
            user = get_user_model().objects.get(pk=user.pk)
            before = Person.objects.count()
            t0 = time.perf_counter()
            job = imports.import_upload(actor=user, data=path.read_bytes(), label=path.name, team=team)
            t1 = time.perf_counter()
            job = imports.import_preview(actor=user, job=job)
            t2 = time.perf_counter()
            job = imports.import_commit(actor=user, job=job)
            t3 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(" + ".join(f"(SELECT count(*) FROM {t})" for t in HISTORY_TABLES).join(["SELECT ", ""]))
                events = cursor.fetchone()[0]
            run = {
                "rows": size, "format": fmt, "file_mb": round(path.stat().st_size / 1048576, 2), "existing_people": before,
                "accepted": job.rows_accepted, "rejected": job.rows_rejected, "skipped": job.rows_skipped, "created": job.rows_created,
                "parse_s": round(t1 - t0, 2), "check_s": round(t2 - t1, 2), "import_s": round(t3 - t2, 2), "total_s": round(t3 - t0, 2),
                "rows_per_s": round(size / (t3 - t0)), "history_events_total": events,
            }
            results["runs"].append(run)
            print(json.dumps(run), flush=True)
            path.unlink()
    out = RESULTS / f"import-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\n{results['machine']}\n")
    print("| rows | format | people already registered | accepted / rejected | parse s | check s | import s (re-check + write) | total s | rows/s |")
    print("| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results["runs"]:
        print(f"| {r['rows']:,} | {r['format']} | {r['existing_people']:,} | {r['accepted']:,} / {r['rejected']:,} | {r['parse_s']} | {r['check_s']} | {r['import_s']} | {r['total_s']} | {r['rows_per_s']:,} |")
    print(f"\nresults: {out}")
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="3400,100000", help="comma-separated roster sizes")
    parser.add_argument("--formats", default="csv", help="csv, xlsx or csv,xlsx")
    args = parser.parse_args(argv)
    run([int(s) for s in args.sizes.split(",")], formats=args.formats.split(","))


if __name__ == "__main__":
    main()
