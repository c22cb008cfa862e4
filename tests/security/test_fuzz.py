"""Bounded fuzzing of every page: every named URL (tests/security/url_samples.py) and every form on it, as
each kind of user, with random and hostile values (wrong types, NUL, control and bidi characters, huge
strings, invalid UTF-8, tampered cursors, odd files).

For each request it asserts what a user would notice if it went wrong:
- no server error (500), whatever was sent;
- a request that did not succeed (anything but a redirect after a POST) wrote no case data, and no GET ever
  writes any;
- a page of one person's data that was served wrote an access-log row.

The run is derandomized (the same requests on every run) and bounded: FUZZ_EXAMPLES requests in CI. Set
the environment variable FUZZ_EXAMPLES higher for a longer hunt; the count and the 500s found are printed.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections import Counter

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from audit.models import AccessLog
from tests.security.url_samples import SAMPLES
from tests.security.world import ACTORS, build_world

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 2500))


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


HOSTILE = [
    "", " ", "abc", "-1", "0", "1", "99999999999999999999999", "1e309", "NaN", "1.5", "true", "null", "[]", "{}",
    "\x00", "a\x00b", "\x0b\x1b\x7f", "\u202eReversed\u202c", "\u2067isolate", "<script>alert(1)</script>",
    "' OR '1'='1", "\"; DROP TABLE people_person; --", "%", "%00", "../../etc/passwd", "{{ 7|add:7 }}", "{% debug %}",
    "2026-02-31", "31/12/2026", "0000-00-00", "9999-12-31", "1365/04/12", "۱۳۶۵", "IR", "XX", "ir", "TR,TR", "IR,IR,IR",
    "x" * 5000, "ش" * 3000, "😀" * 500, "\ud7ff", "\ufeff", "\r\n\r\n", "=cmd|' /C calc'!A0",
    _cursor(["x", "y"]), _cursor([1, 2, 3]), _cursor(["2026-02-31T00:00:00", 0, 1]), _cursor([10**40, "a"]),
    _cursor(["a\x00", 1]), "!!!notbase64", "draft", "approved", "authorised", "AUTHORISED", "real_risk", "appeal_pending",
]
PARAMS = [
    "after", "before", "page", "flag_page", "proposal", "destination", "transit", "team", "severity", "kind", "q",
    "caseworker", "camp", "status", "measure", "next", "sort", "outcome", "nationality", "sex",
]
PLAUSIBLE = ["", "1", "IR", "TR", "fa", "F", "M", "on", "2026-05-01", "2025", "Fictional text", "no_real_risk", "real_risk",
             "deportation", "authorised", "barred", "approved", "returned", "state", "high", "3"]

hostile = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=60), st.integers(min_value=-(2**70), max_value=2**70).map(str))
plausible = st.sampled_from(PLAUSIBLE)
value = st.one_of(hostile, plausible)
# Parameters that name a record or a position get the values that broke pages before: tampered cursors,
# ids that are not integers or overflow the column.
CURSORS = [
    _cursor(["x", "y"]), _cursor(["Fictional", 10**30]), _cursor(["a\x00", 1]), _cursor([1, 2, 3]), _cursor([[1], {"a": 1}]),
    _cursor(["2026-02-31T00:00:00+00:00", 0, 1]), _cursor(["yesterday", 0, 1]), _cursor(["2026-01-01T00:00:00+00:00", 10**30, 1]),
    _cursor(["2026-01-01T00:00:00+00:00", "x", "y"]), _cursor(["9999-12-31", "x"]), "%%%", "AAAA",
]
IDS = ["abc", "-1", "0", "1", "1e309", "99999999999999999999", "\x00", "", " 1", "1;2", "0x10"]
BY_PARAM = {
    "after": st.one_of(st.sampled_from(CURSORS), hostile),
    "before": st.one_of(st.sampled_from(CURSORS), hostile),
    **{name: st.one_of(st.sampled_from(IDS), hostile) for name in ("proposal", "team", "caseworker", "camp", "page", "flag_page", "severity")},
}
FILES = [
    ("roster.csv", b"Name,Sex\nFictional A,F\n\x00\xff\xfe"),
    ("roster.xlsx", b"PK\x03\x04not really a zip"),
    ("evidence.pdf", b"%PDF-1.4 fictional"),
    ("evidence.exe", b"MZ\x90\x00"),
    ("empty.csv", b""),
    ("\u202egpj.exe", b"GIF89a"),
]

# Case data: every table of the apps that hold it (history, access log, sessions and login attempts excluded).
CASE_APPS = ("people", "assessments")


def _count_sql() -> str:
    tables = sorted(
        m._meta.db_table
        for label in CASE_APPS
        for m in apps.get_app_config(label).get_models(include_auto_created=True)
        # An upload's own job row is the page's result, not case data; the dashboard's stored counts are
        # numbers per team that a visit may count again (assessments.caseload_counts).
        if m._meta.db_table not in ("people_importjob", "assessments_caseloadcount", "assessments_caseloadrefresh")
    )
    return "SELECT " + " + ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)


FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"[^>]*>', re.I)
FILE_FIELD = re.compile(r'<input\b[^>]*type="file"[^>]*name="([^"]+)"|<input\b[^>]*name="([^"]+)"[^>]*type="file"', re.I)


def _fields(html: str) -> tuple[list[str], list[str]]:
    names = sorted({n for n in FIELD.findall(html) if n != "csrfmiddlewaretoken"})
    files = sorted({a or b for a, b in FILE_FIELD.findall(html)})
    return [n for n in names if n not in files], files


def _targets(world) -> list[tuple[str, str]]:
    out = []
    for name, sample in sorted(SAMPLES.items()):
        kwargs = sample.const or (sample.for_team(world, "a") if sample.kwargs else {})
        out.append((name, reverse(name, kwargs=kwargs)))
    return out


@pytest.mark.django_db
def test_no_input_breaks_a_page():
    world = build_world()
    actors = [a for a in ACTORS if a.key in {"anonymous", "caseworker_a", "supervisor_a", "administrator", "caseworker_b", "no_role_a"}]
    clients = {}
    for actor in actors:
        client = Client(raise_request_exception=False)
        if actor.key != "anonymous":
            client.force_login(world.users[actor.key])
        clients[actor.key] = client
    targets = _targets(world)
    count_sql = _count_sql()
    form_cache: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    stats = Counter()
    errors: list[str] = []

    def rows() -> int:
        with connection.cursor() as cursor:
            cursor.execute(count_sql)
            return cursor.fetchone()[0]

    def form_of(actor_key: str, url: str):
        if (actor_key, url) not in form_cache:
            response = clients[actor_key].get(url)
            body = response.content.decode(errors="replace") if response.status_code == 200 and not getattr(response, "streaming", False) else ""
            form_cache[(actor_key, url)] = _fields(body)
        return form_cache[(actor_key, url)]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def request_something(data):
        name, url = data.draw(st.sampled_from(targets), label="url")
        actor = data.draw(st.sampled_from(actors), label="actor")
        client = clients[actor.key]
        method = data.draw(st.sampled_from(["GET", "GET", "POST", "POST", "POST", "PUT", "HEAD"]), label="method")
        query = {
            k: data.draw(BY_PARAM.get(k, value), label=k)
            for k in data.draw(st.lists(st.sampled_from(PARAMS), max_size=4, unique=True), label="params")
        }
        suffix = "?" + "&".join(f"{k}={v}" for k, v in [("x", "%FF%C0%AF"), ("y", "%00")]) if data.draw(st.booleans(), label="raw") else ""
        before, logged_before = rows(), AccessLog.objects.count()
        if method == "POST":
            names, files = form_of(actor.key, url)
            body = {n: data.draw(value, label=n) for n in names if data.draw(st.booleans(), label=f"send {n}")}
            for n in files:
                filename, content = data.draw(st.sampled_from(FILES), label=n)
                body[n] = SimpleUploadedFile(filename, content)
            response = client.post(url + suffix, {**body, **query} if data.draw(st.booleans(), label="mix") else body)
        elif method == "PUT":
            response = client.generic("PUT", url, data=json.dumps(query), content_type="application/json")
        elif method == "HEAD":
            response = client.head(url, query)
        else:
            response = client.get(url + suffix, query) if not suffix else client.get(url + suffix)
        stats["requests"] += 1
        stats[f"status {response.status_code}"] += 1
        if actor.key != "anonymous" and "_auth_user_id" not in client.session:  # logged out (or a new session)
            client.force_login(world.users[actor.key])
        if response.status_code >= 500:
            errors.append(f"{method} {url} as {actor.key} → {response.status_code} (query {query!r})")
            return
        after = rows()
        if method != "POST" or response.status_code not in (301, 302, 303):
            if after != before:
                errors.append(f"{method} {url} as {actor.key} → {response.status_code} wrote {after - before} row(s) of case data")
        if method == "GET" and response.status_code == 200 and getattr(SAMPLES[name], "person_data", False):
            if AccessLog.objects.count() == logged_before:
                errors.append(f"GET {url} as {actor.key} showed one person's data and wrote no access-log row")

    request_something()
    print(f"\nfuzz: {stats['requests']} requests, {len(errors)} failures; " + ", ".join(f"{k}: {v}" for k, v in sorted(stats.items()) if k != "requests"))
    assert not errors, "\n".join(sorted(set(errors))[:60])
