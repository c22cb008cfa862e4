"""Page benchmark: the app under gunicorn (production settings, DEBUG off) on a seeded caseload, driven by
wrk from a second process, with two reference points on the same data (the admin changelist of persons and
a bare Django ListView of the same 50 persons).

    .venv/bin/python bench/run.py pages --persons 100000            # seed, then measure
    .venv/bin/python bench/run.py pages --persons 100000 --reuse    # measure the database seeded before

Prints one table (page, requests/s, p50, p95, p99, queries per request, ratio to the bare ListView and to
the admin changelist) and the budgets, and writes the same into docs/performance.md between markers.
Needs wrk (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from common import BASE, RESULTS, fresh_database, machine

LUA = Path(__file__).resolve().parent / "wrk_report.lua"
PORT = 8765
DOCS = BASE / "docs" / "performance.md"
START, END = "<!-- pages:start -->", "<!-- pages:end -->"


@dataclass
class Page:
    name: str
    path: str
    user: str
    reference: bool = False
    bracket: bool = False  # measured at the start and the end of every round (the ratios' denominator)


@dataclass
class Result:
    page: Page
    rps: float
    p50: float
    p95: float
    p99: float
    queries: int
    errors: int


def sessions(usernames: list[str]) -> dict[str, str]:
    """A logged-in session (password and second step passed) per user, as the browser cookie value."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    cookies = {}
    for username in usernames:
        user = get_user_model().objects.get(username=username)
        client = Client()
        client.force_login(user)
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        cookies[username] = client.cookies["sessionid"].value
    return cookies


def pages() -> list[Page]:
    """The pages to drive, each as the user who would open it, on records of the first bench team."""
    from assessments.models import Assessment, RemovalProposal
    from core.pagination import _encode
    from people.models import Person

    team = Person.objects.filter(owning_team__name="Bench Team 00").order_by("id")
    # The profile of someone with a case on file (proposal, assessment and its reviews, a
    # decision and a flag where the seeding gave them): the profiles a caseworker opens most, and the costliest.
    team_person = (
        team.filter(removal_decisions__isnull=False, flags__isnull=False).first()
        or team.filter(removal_decisions__isnull=False).first()
        or team.filter(assessments__status="approved", flags__isnull=False).first()
        or team.filter(assessments__status="approved").first()
        or team.first()
    )
    submitted = Assessment.objects.filter(status="submitted", person__owning_team__name="Bench Team 00").order_by("id").first()
    proposal = RemovalProposal.objects.filter(person__owning_team__name="Bench Team 00", status="open").order_by("id").first()
    offset = min(999 * 50, Person.objects.count() - 50) - 1  # the row before page 1,000 (or the last page)
    deep = Person.objects.order_by("full_name_latin", "id").values_list("full_name_latin", "id")[offset]
    return [
        Page("Person list, page 1", "/people/", "bench_admin"),
        Page("Person list, page 1,000", f"/people/?after={_encode(list(deep))}", "bench_admin"),
        Page("Person profile", f"/people/{team_person.pk}/", "bench_cw00"),
        Page("My work", "/work/", "bench_cw00"),
        Page("Review queue", "/review/", "bench_sup00"),
        Page("Assessment review page", f"/assessments/{submitted.pk}/review/", "bench_sup00"),
        Page("Decision page", f"/people/{proposal.person_id}/decision/?proposal={proposal.pk}", "bench_sup00"),
        Page("Dashboard", "/dashboard/", "bench_sup00"),
        Page("Search", "/people/?q=Mohammad+Hosseini", "bench_cw00"),
        Page("Admin changelist of persons (reference)", "/admin/people/person/", "bench_admin", reference=True),
        Page("Bare ListView, 50 persons (reference)", "/bench/bare-list/", "bench_admin", reference=True, bracket=True),
    ]


def queries_per_request(page: Page, cookie: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = cookie
    client.get(page.path)  # warm: session clocks, caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(page.path)
    if response.status_code != 200:
        raise SystemExit(f"{page.name}: {page.path} answered {response.status_code}")
    return len(ctx.captured_queries)


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url, DEBUG="0", SECRET_KEY=os.environ["SECRET_KEY"], ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0", SECURE_HSTS_SECONDS="0", BENCH_REFERENCE_VIEWS="1",
    )
    return env


def start_server(env: dict[str, str], workers: int) -> subprocess.Popen:
    python = sys.executable
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=BASE, env=env, check=True)
    gunicorn = Path(python).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{PORT}", "--log-level", "warning"],
        cwd=BASE, env=env, start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/accounts/login/", timeout=2)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_served(page: Page, cookie: str) -> None:
    """The page must answer 200 to this session (a redirect to the login page would be measured as fast)."""
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{page.path}", headers={"Cookie": f"sessionid={cookie}"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        status = opener.open(request, timeout=30).status
    except urllib.error.HTTPError as exc:
        status = exc.code
    if status != 200:
        raise SystemExit(f"{page.name}: {page.path} answered {status} under gunicorn")


def drive(page: Page, cookie: str, *, seconds: int, connections: int) -> dict:
    url = f"http://127.0.0.1:{PORT}{page.path}"
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", str(LUA), "-H", f"Cookie: sessionid={cookie}", url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("{"))
    return json.loads(line)


def run(*, persons: int, database: str, reuse: bool, seconds: int, connections: int, workers: int, rounds: int = 5) -> list[Result]:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    os.environ["BENCH_REFERENCE_VIEWS"] = "1"  # before Django reads its settings: the in-process query counts need it
    # One secret for this process (which opens the sessions) and the server (which must accept them).
    os.environ["SECRET_KEY"] = "bench-" + secrets.token_urlsafe(48)
    url = fresh_database(database, keep=reuse)
    if not reuse:
        from caseload import seed

        seed(persons)
    from people.models import Person

    persons = Person.objects.count()
    cookies = sessions(["bench_admin", "bench_cw00", "bench_sup00"])
    env = server_env(url)
    page_list = pages()
    counts = {p.name: queries_per_request(p, cookies[p.user]) for p in page_list}
    server = start_server(env, workers)
    results = []
    samples: dict[str, list[dict]] = {p.name: [] for p in page_list}
    try:
        for page in page_list:
            check_served(page, cookies[page.user])
            drive(page, cookies[page.user], seconds=2, connections=connections)  # warm up
        # Rounds: every page is measured once per round, so a slow spell of a shared machine falls on every
        # page alike instead of on whichever page was running; each figure is the median of the rounds. The
        # bare ListView, which every ratio divides by, is measured at both ends of each round: twice the
        # samples, and a drift of the machine's speed during a round is seen on both sides of the pages.
        bracketing = [p for p in page_list if p.bracket]
        for round_no in range(1, rounds + 1):
            for page in [*bracketing, *page_list]:
                samples[page.name].append(drive(page, cookies[page.user], seconds=seconds, connections=connections))
            print(f"  round {round_no}/{rounds} done", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    for page in page_list:
        runs = samples[page.name]
        results.append(
            Result(
                page, statistics.median(r["requests"] / (r["duration_us"] / 1e6) for r in runs),
                *(statistics.median(r[q] for r in runs) / 1000 for q in ("p50", "p95", "p99")),
                counts[page.name], sum(r["errors"] + r["non2xx"] for r in runs),
            )
        )
        print(f"  {page.name}: {results[-1].rps:.0f} req/s, p95 {results[-1].p95:.1f} ms", flush=True)
    report(results, persons=persons, connections=connections, workers=workers, seconds=seconds, rounds=rounds)
    return results


def report(results: list[Result], *, persons: int, connections: int, workers: int, seconds: int, rounds: int = 1) -> str:
    bare = next(r for r in results if r.page.name.startswith("Bare ListView"))
    admin = next(r for r in results if r.page.name.startswith("Admin changelist"))
    first = next(r for r in results if r.page.name == "Person list, page 1")
    deep = next(r for r in results if r.page.name == "Person list, page 1,000")
    lines = [
        f"### {persons:,} persons",
        "",
        f"{machine()}; gunicorn {workers} sync workers, DEBUG off; wrk, {connections} connections; each page {rounds} × {seconds} s in rounds after a 2 s warm-up (the bare ListView at both ends of each round), medians of the rounds.",
        "",
        "| page | requests/s | p50 ms | p95 ms | p99 ms | queries | × bare ListView | × admin changelist | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    failures = []
    for r in results:
        lines.append(
            f"| {r.page.name} | {r.rps:.0f} | {r.p50:.1f} | {r.p95:.1f} | {r.p99:.1f} | {r.queries} | {r.rps / bare.rps:.2f} | {r.rps / admin.rps:.1f} | {r.errors} |"
        )
        if r.page.reference:
            continue
        if r.rps < 4 * admin.rps:
            failures.append(f"{r.page.name}: {r.rps:.0f} req/s is under 4 × the admin changelist ({4 * admin.rps:.0f})")
        if r.rps < 0.7 * bare.rps:
            failures.append(f"{r.page.name}: {r.rps:.0f} req/s is under 0.7 × the bare ListView ({0.7 * bare.rps:.0f})")
        if r.p95 >= 100:
            failures.append(f"{r.page.name}: p95 {r.p95:.1f} ms is not under 100 ms")
        if r.errors:
            failures.append(f"{r.page.name}: {r.errors} errors")
    if deep.p50 > 1.3 * first.p50:
        failures.append(f"deep page p50 {deep.p50:.1f} ms is over 1.3 × the first page's {first.p50:.1f} ms")
    lines += ["", f"Deep page (1,000) latency: {deep.p50 / first.p50:.2f} × the first page's (p50)."]
    lines += ["", "Budgets: " + ("all met." if not failures else "not met:"), *[f"- {f}" for f in failures], ""]
    text = "\n".join(lines)
    print()
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"pages-{persons}.md").write_text(text, encoding="utf-8")
    _write_docs(persons, text)
    return text


def _write_docs(persons: int, text: str) -> None:
    """Keep one section per caseload size in docs/performance.md, between markers."""
    marker_start, marker_end = f"<!-- pages-{persons}:start -->", f"<!-- pages-{persons}:end -->"
    block = f"{marker_start}\n{text}\n{marker_end}"
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    current = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Performance\n"
    if marker_start in current:
        before, rest = current.split(marker_start, 1)
        after = rest.split(marker_end, 1)[1]
        current = before + block + after
    else:
        if START not in current:
            current += f"\n## Pages under load\n\n{START}\n{END}\n"
        current = current.replace(END, f"{block}\n{END}")
    DOCS.write_text(current, encoding="utf-8")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench/run.py pages", description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--database", default="bench_pages")
    parser.add_argument("--reuse", action="store_true", help="measure the database seeded by an earlier run")
    parser.add_argument("--seconds", type=int, default=5, help="per page and round")
    parser.add_argument("--rounds", type=int, default=5, help="every page once per round; figures are medians")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    run(persons=args.persons, database=args.database, reuse=args.reuse, seconds=args.seconds, connections=args.connections, workers=args.workers,
        rounds=args.rounds)


if __name__ == "__main__":
    main(sys.argv[1:])
