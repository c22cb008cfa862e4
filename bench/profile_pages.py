"""Profile the benchmarked pages in-process with pyinstrument, on the database the page benchmark seeded.

    .venv/bin/python bench/run.py profile                     # every page, 30 requests each
    .venv/bin/python bench/run.py profile --page "My work" --requests 50 --html

DEBUG is off and templates are cached as in production. For each page prints milliseconds per request (the
app's own time, no network, no gunicorn) and, with --tree, pyinstrument's call tree; --html writes the
profile to bench/results/profile-<page>.html.
"""

from __future__ import annotations

import argparse
import os
import time

from common import RESULTS


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="profile")
    parser.add_argument("--database", default="bench_pages")
    parser.add_argument("--page", action="append", help="page name as in the page benchmark (repeatable)")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--tree", action="store_true", help="print the call tree")
    parser.add_argument("--flat", action="store_true", help="print the functions by their own time")
    parser.add_argument("--queries", action="store_true", help="print each query's time and its start")
    parser.add_argument("--html", action="store_true", help="write bench/results/profile-<page>.html")
    args = parser.parse_args(argv)

    os.environ.update(DEBUG="0", BENCH_REFERENCE_VIEWS="1", ALLOWED_HOSTS="testserver,127.0.0.1",
                      SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0", SECURE_HSTS_SECONDS="0")
    os.environ.setdefault("SECRET_KEY", "profile-" + "x" * 60)
    from common import fresh_database

    fresh_database(args.database, keep=True)
    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", interactive=False, verbosity=0)  # production storage needs the manifest
    from pyinstrument import Profiler

    from pages_bench import pages, sessions

    page_list = [p for p in pages() if not args.page or p.name in args.page]
    cookies = sessions(sorted({p.user for p in page_list}))
    RESULTS.mkdir(parents=True, exist_ok=True)
    for page in page_list:
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies["sessionid"] = cookies[page.user]
        for _ in range(3):  # warm caches
            assert client.get(page.path).status_code == 200, page.path
        if args.queries:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                client.get(page.path)
            for query in sorted(ctx.captured_queries, key=lambda q: -float(q["time"])):
                print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:160]}")
        profiler = Profiler(interval=0.0005)
        start = time.perf_counter()
        with profiler:
            for _ in range(args.requests):
                client.get(page.path)
        ms = (time.perf_counter() - start) * 1000 / args.requests
        print(f"{page.name}: {ms:.1f} ms per request (in-process)", flush=True)
        if args.tree:
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        if args.flat:
            from pyinstrument.renderers import ConsoleRenderer

            print(profiler.output(ConsoleRenderer(unicode=True, color=False, flat=True, flat_time="self")))
        if args.html:
            slug = "".join(c if c.isalnum() else "-" for c in page.name.lower())
            (RESULTS / f"profile-{slug}.html").write_text(profiler.output_html())
