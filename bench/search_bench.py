"""Search benchmark: 1,000,000 fictional persons, then a few hundred searches as caseworkers type them
(other spellings, Persian or Arabic script, registration numbers, a family name alone), timed through the
same selector the person list uses (`person_search_ranked` on the scoped, list-ready queryset).

    make bench BENCH_ARGS=search          (or: .venv/bin/python bench/run.py search [--persons N] [--reuse])

Data goes into a separate database `bench_search` (BENCH_DATABASE_URL's server), loaded with COPY and
indexed afterwards; `--reuse` keeps an already loaded database and only runs the searches.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from common import RESULTS, fresh_database, machine

INDEXES = ("person_search_trgm", "person_name_keys", "person_search_words", "registration_number_compact", "person_team_name", "person_name")


def load(count: int, teams: list[int]) -> None:
    """COPY `count` persons (with search_text and name keys computed in Python) and their UNHCR numbers.

    As the tables' owner (dropping and building indexes, ANALYZE): a bulk load is not the application's job.
    """
    from django.db import connections

    connection = connections["owner"]

    import roster
    from people import names

    rng = random.Random(1_000_000)
    families = roster.family_names()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = ANY(%s)", [list(INDEXES)])
        definitions = [row[0] for row in cursor.fetchall()]
        for index in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {index}")
    started = time.perf_counter()
    person_sql = (
        "COPY people_person (id, created_at, updated_at, full_name_latin, full_name_original, original_script, sex, birth_date, "
        "birth_date_precision, nationality, stateless, languages, interpreter_needed, contact_notes, external_id, owning_team_id, "
        "search_text, name_keys, search_words) FROM STDIN"
    )
    registration_sql = "COPY people_registration (created_at, updated_at, person_id, issuer, number) FROM STDIN"
    now = time.strftime("%Y-%m-%d %H:%M:%S+00")
    import datetime

    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(person_sql) as copy:
            for pk in range(1, count + 1):
                p = roster.person(rng, pk, families)
                aliases = [p["aliases"]] if p["aliases"] else []
                number = f"SRCH-UN-{pk:08d}"
                year = int(p["born"][:4])
                text = names.build_search_text(names=[p["latin"], p["original"], *aliases], numbers=[number, f"P-{pk:06d}"])
                copy.write_row([
                    pk, now, now, p["latin"], p["original"], "fa", p["sex"], datetime.date(year, 1, 1), "year", "IR", False, ["fa"],
                    False, "", "", teams[pk % len(teams)], text, names.name_keys([p["latin"], p["original"], *aliases]),
                    names.search_words([p["latin"], p["original"], *aliases]),
                ])
                if pk % 100_000 == 0:
                    print(f"  persons: {pk:,} ({time.perf_counter() - started:.0f} s)", flush=True)
        with raw.copy(registration_sql) as copy:
            for pk in range(1, count + 1):
                copy.write_row([now, now, pk, "unhcr", f"SRCH-UN-{pk:08d}"])
        cursor.execute("SELECT setval(pg_get_serial_sequence('people_person', 'id'), %s)", [count])
        print(f"  loaded in {time.perf_counter() - started:.0f} s; building indexes", flush=True)
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for definition in definitions:
            cursor.execute(definition)
        cursor.execute("ANALYZE people_person")
        cursor.execute("ANALYZE people_registration")
    print(f"  ready in {time.perf_counter() - started:.0f} s", flush=True)


VARIANTS = {
    "Mohammad": ["Muhammad", "Mohamed", "Mohammed"], "Hossein": ["Hussein", "Hosein"], "Hosseini": ["Husseini", "Hoseyni"],
    "Rezaei": ["Rezai", "Rezaee"], "Fatemeh": ["Fatima", "Fatemah"], "Mehdi": ["Mahdi"], "Ghasemi": ["Qasemi"], "Jafari": ["Jaafari"],
    "Saeed": ["Said", "Saied"], "Reza": ["Rezaa", "Riza"], "Maryam": ["Mariam"], "Leila": ["Leyla", "Laila"], "Zahra": ["Zahrah"],
    "Kourosh": ["Kurosh"], "Behrouz": ["Behruz", "Behrooz"], "Javad": ["Djavad"], "Mousavi": ["Musavi", "Moosavi"],
}


def respell(latin: str, rng: random.Random) -> str:
    """Another spelling of a Latin name, as a caseworker might type it."""
    words = []
    for word in latin.split():
        base = word.split("-")[0]
        if base in VARIANTS:
            word = word.replace(base, rng.choice(VARIANTS[base]))
        elif rng.random() < 0.5 and len(word) > 4:
            word = word.replace("ou", "u").replace("ee", "i").replace("ei", "ey").replace("ss", "s")
        words.append(word)
    return " ".join(words)


def queries(count: int, population: int) -> list[tuple[str, str, int | None]]:
    """(kind, query, expected person id or None) for a sample of the population."""
    from people.models import Person

    rng = random.Random(7)
    ids = rng.sample(range(1, population + 1), count)
    rows = {p.pk: p for p in Person.objects.filter(pk__in=ids).only("full_name_latin", "full_name_original")}
    out = []
    for pk in ids:
        person = rows[pk]
        roll = rng.random()
        if roll < 0.45:
            out.append(("latin_variant", respell(person.full_name_latin, rng), pk))
        elif roll < 0.60:
            out.append(("latin_exact", person.full_name_latin, pk))
        elif roll < 0.75:
            out.append(("original_script", person.full_name_original.replace("ی", "ي").replace("ک", "ك"), pk))
        elif roll < 0.85:
            out.append(("registration_number", f"srch un {pk:08d}", pk))
        elif roll < 0.95:
            out.append(("family_name_only", person.full_name_latin.split()[-1], None))
        else:
            out.append(("given_name_only", person.full_name_latin.split()[0], None))
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(persons: int, samples: int, reuse: bool) -> dict:
    fresh_database("bench_search", keep=reuse)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from core import roles
    from people.models import Person, Team
    from people.selectors import person_search_ranked

    User = get_user_model()
    loaded = Person.objects.count()
    if loaded != persons:
        if loaded:
            raise SystemExit(f"the database holds {loaded} persons, not {persons}: run without --reuse")
        teams = [Team.objects.get_or_create(name=f"Bench team {i} (fictional)")[0].pk for i in range(10)]
        load(persons, teams)
    admin, _ = User.objects.get_or_create(username="bench-admin")
    admin.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    caseworker, _ = User.objects.get_or_create(username="bench-caseworker")
    caseworker.groups.add(Group.objects.get(name=roles.CASEWORKER))
    team = Team.objects.order_by("pk").first()
    team.members.add(caseworker)
    sample = queries(samples, persons)
    results = {"machine": machine(), "persons": persons, "queries": len(sample), "by_user": {}}
    for label, user in (("administrator (all 1,000,000)", admin), ("caseworker (one team, 1/10)", caseworker)):
        user = User.objects.get(pk=user.pk)
        scope = Person.objects.visible_to(user)
        for kind, query, _ in sample[:20]:  # warm the caches as a running server would be
            person_search_ranked(scope.with_list_data(), query)
        timings, by_kind, found, wanted = [], {}, 0, 0
        for kind, query, expected in sample:
            started = time.perf_counter()
            ranked = person_search_ranked(scope.with_list_data(), query)
            elapsed = (time.perf_counter() - started) * 1000
            timings.append(elapsed)
            by_kind.setdefault(kind, []).append(elapsed)
            if expected is not None and (user == admin or Person.objects.filter(pk=expected, owning_team=team).exists()):
                wanted += 1
                found += expected in [r.person.pk for r in ranked[:5]]
        results["by_user"][label] = {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 95), 1),
            "p99_ms": round(percentile(timings, 99), 1),
            "max_ms": round(max(timings), 1),
            "recall_at_5": round(found / wanted, 3) if wanted else None,
            "p95_by_kind_ms": {k: round(percentile(v, 95), 1) for k, v in sorted(by_kind.items())},
        }
        print(label, json.dumps(results["by_user"][label]), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"search-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\n{results['machine']}\nresults: {out}")
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    args = parser.parse_args(argv)
    run(args.persons, args.queries, args.reuse)


if __name__ == "__main__":
    main()
