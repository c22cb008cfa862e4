"""One scoping rule for every entry point: walk every URL of the project as every kind of user.

For every named URL (tests/security/url_samples.py says how to fill it) and every admin page of every
registered model, as an anonymous visitor, each role of team A and B, a user with no role and an
administrator, the walk proves:

- nothing outside the user's scope is served: a record of the other team answers exactly what a record
  that does not exist answers (404 on pages; the admin's own "does not exist" redirect on admin pages),
  and no page served to a user contains the other team's names;
- nothing inside the scope is refused: a role the page is for gets it (200, or the sample's status);
- a role the page is not for is refused (403), and a visitor is sent to log in;
- who saw what: a served GET of a page of one person's data writes exactly one "viewed" access-log row
  (the user, the kind the sample names, the record asked for, its person), a record out of scope or missing
  exactly one "denied" row naming nothing but what was asked for, and nothing else writes a row (a page of
  no one person's data, a 403, a visitor, a 405);
- methods: every URL answers only the methods its sample declares; PUT, DELETE, PATCH and an unknown method
  answer 405 with those methods in `Allow` and write nothing, and a URL that takes only POST answers 405 to
  every GET, in scope or not.

All failures are collected and reported together.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import AccessLog, Outcome
from core.admin import ScopedAdmin
from tests.security.url_samples import LOGIN, SAMPLES, UNRESTRICTED_METHODS, UNSCOPED_RECORDS, Sample
from tests.security.world import ACTORS, MARKERS, MISSING_PK, TEAMS, build_world


def named_urls(patterns=None, namespace: str | None = None) -> tuple[dict[str, str], list[str]]:
    """Every named URL pattern of the project ({name: route}) and the routes of unnamed ones."""
    named, unnamed = {}, []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner_ns = pattern.namespace or namespace
            if inner_ns and namespace and pattern.namespace:
                inner_ns = f"{namespace}:{pattern.namespace}"
            sub_named, sub_unnamed = named_urls(pattern.url_patterns, inner_ns)
            named.update(sub_named)
            unnamed += sub_unnamed
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                named[f"{namespace}:{pattern.name}" if namespace else pattern.name] = str(pattern.pattern)
            elif namespace != "admin":  # the admin's own catch-all is Django's, and covered below
                unnamed.append(str(pattern.pattern))
    return named, unnamed


def test_every_url_has_a_sample():
    """A URL added without a sample fails here, saying which."""
    named, unnamed = named_urls()
    assert not unnamed, f"give these URL patterns a name so the walk can cover them: {unnamed}"
    missing = sorted(name for name in named if not name.startswith("admin:") and name not in SAMPLES)
    assert not missing, "\n".join(f"register a sample for URL name {name} in tests/security/url_samples.py" for name in missing)
    stale = sorted(name for name in SAMPLES if name not in named)
    assert not stale, f"these samples name URLs that no longer exist: {stale}"


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


ASKED = object()  # in an expected row: the person id is the id asked for, or none


class Walk:
    def __init__(self, world):
        self.world = world
        self.failures: list[str] = []
        self.requests = 0
        self.clients = {}
        self.method = "GET"
        self.logged_up_to = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
        for actor in ACTORS:
            client = Client()
            if actor.key != "anonymous":
                client.force_login(world.users[actor.key])
            self.clients[actor.key] = client

    def get(self, actor, url):
        return self.request(actor, "GET", url)

    def request(self, actor, method, url):
        """The response, with `response.logged`: the access-log rows the request wrote."""
        self.requests += 1
        self.method = method
        response = self.clients[actor.key].generic(method, url)
        response.logged = list(
            AccessLog.objects.filter(id__gt=self.logged_up_to).order_by("id").values("id", "user_id", "what", "object_id", "person_id", "outcome")
        )
        if response.logged:
            self.logged_up_to = response.logged[-1]["id"]
        if response.status_code == 200:
            body = _body(response)
            for team in TEAMS:
                if not actor.sees(team):
                    for marker in MARKERS[team]:
                        if marker in body:
                            self.fail(actor, url, f"shows {marker!r} of team {team.upper()} (outside the user's scope)")
        return response

    def fail(self, actor, url, message):
        self.failures.append(f"{actor.key:<20} {self.method} {url}: {message}")

    def expect(self, actor, url, response, allowed, what):
        if response.status_code not in allowed:
            self.fail(actor, url, f"answered {response.status_code}, expected {what} {sorted(allowed)}")

    def expect_allow(self, actor, url, response, methods):
        if response.status_code == 405 and set(response.get("Allow", "").replace(" ", "").split(",")) != set(methods):
            self.fail(actor, url, f"405 allows {response.get('Allow')!r}, the sample declares {', '.join(methods)}")

    def expect_logged(self, actor, url, response, expected: list[tuple]):
        """`expected`: (what, object id, person id or ASKED, outcome) for each row, in order, all by `actor`."""
        user_id = self.world.users[actor.key].pk if actor.key in self.world.users else None
        got = [(r["what"], r["object_id"], r["person_id"], r["outcome"]) for r in response.logged]
        wanted = [
            (what, object_id, row[2] if person_id is ASKED and row[2] in (None, object_id) else person_id, outcome)
            for (what, object_id, person_id, outcome), row in zip(expected, got + [(None,) * 4] * len(expected))
        ]
        if got != wanted or any(r["user_id"] != user_id for r in response.logged):
            shown = [f"{w} {o} person {p} {oc}" for w, o, p, oc in got] or "nothing"
            described = [f"{w} {o} person {'asked or none' if p is ASKED else p} {oc}" for w, o, p, oc in expected] or "nothing"
            self.fail(actor, url, f"access log: wrote {shown}, expected {described} (answered {response.status_code})")


def _expected_log(world, sample: Sample, actor, team, kwargs: dict, response) -> list[tuple]:
    """The access-log rows a GET must write, from what it answered (a wrong status is reported on its own)."""
    if sample.logs is None or actor.key == "anonymous":
        return []
    asked = kwargs.get("pk", kwargs.get("person_pk"))
    if response.status_code == 404:
        return [(sample.logs, asked, ASKED, Outcome.DENIED)]
    served = actor.role in sample.roles and response.status_code in sample.ok
    if not served or not sample.logs_views:
        return []
    person = world.obj("people.Person", team).pk if sample.logs_person and team in TEAMS else None
    return [(sample.logs, asked, person, Outcome.VIEWED)]


def _walk_pages(walk: Walk) -> None:
    world = walk.world
    for name, sample in SAMPLES.items():
        if sample.scoped():
            targets = [("missing", sample.for_missing(world))] + [(team, sample.for_team(world, team)) for team in TEAMS]
        else:
            targets = [(None, sample.const or {})]
        for actor in ACTORS:
            permitted = actor.role in sample.roles
            missing_status = None
            for team, kwargs in targets:
                url = reverse(name, kwargs=kwargs)
                response = walk.get(actor, url)
                walk.expect_logged(actor, url, response, _expected_log(world, sample, actor, team, kwargs, response))
                if actor.key == "anonymous":
                    if sample.anonymous == LOGIN:
                        if response.status_code != 302 or not response["Location"].startswith(reverse("login")):
                            walk.fail(actor, url, f"answered {response.status_code} to a visitor, expected a redirect to log in")
                    else:
                        walk.expect(actor, url, response, {sample.anonymous}, "for a visitor")
                    continue
                if "GET" not in sample.methods:  # refused before anything is looked up: nothing to tell apart
                    walk.expect(actor, url, response, {405}, "to a GET of a URL without one")
                    walk.expect_allow(actor, url, response, sample.methods)
                    continue
                if team == "missing":
                    missing_status = response.status_code
                    walk.expect(actor, url, response, {404} if permitted else {404, *sample.refused}, "for a record that does not exist")
                elif team is None or actor.sees(team) or name in UNSCOPED_RECORDS:
                    if permitted:
                        walk.expect(actor, url, response, set(sample.ok), "in scope")
                    else:
                        walk.expect(actor, url, response, set(sample.refused), "for a role the page is not for")
                elif response.status_code != missing_status:
                    walk.fail(actor, url, f"answered {response.status_code} for team {team.upper()}'s record but {missing_status} for a missing one: scope leaks")


ADMIN_ACTORS = ("administrator", "staff_supervisor_b", "caseworker_a", "anonymous")


def _admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _walk_admin(walk: Walk) -> None:
    world = walk.world
    actors = [a for a in ACTORS if a.key in ADMIN_ACTORS]
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        scoped = isinstance(model_admin, ScopedAdmin)
        for actor in actors:
            user = world.users.get(actor.key)
            url = reverse(f"{prefix}_changelist")
            response = walk.get(actor, url)
            if not actor.staff:
                walk.expect(actor, url, response, {302}, "(admin is for staff)")
            else:
                can_view = model_admin.has_view_or_change_permission(_admin_request(user))
                walk.expect(actor, url, response, {200} if can_view else {403}, "for the list")
        if not scoped:
            continue
        for team in TEAMS:
            if (opts.label, team) not in world.objects:
                walk.failures.append(f"add a {opts.label} of each team to tests/security/world.py (the admin lists it)")
        for view in ("change", "history", "delete"):
            for actor in actors:
                user = world.users.get(actor.key)
                missing_url = reverse(f"{prefix}_{view}", args=[MISSING_PK])
                missing_status = walk.get(actor, missing_url).status_code
                for team in TEAMS:
                    obj = world.objects.get((opts.label, team))
                    if obj is None:
                        continue
                    url = reverse(f"{prefix}_{view}", args=[obj.pk])
                    response = walk.get(actor, url)
                    if not actor.staff:
                        walk.expect(actor, url, response, {302}, "(admin is for staff)")
                    elif actor.sees(team):
                        request = _admin_request(user)
                        allowed = (
                            model_admin.has_delete_permission(request, obj)
                            if view == "delete"
                            else model_admin.has_view_or_change_permission(request, obj)
                        )
                        walk.expect(actor, url, response, {200} if allowed else {403}, f"in scope ({view})")
                    elif response.status_code != missing_status:
                        walk.fail(actor, url, f"answered {response.status_code} for team {team.upper()}'s record but {missing_status} for a missing one: scope leaks")
    # "View on site" redirects (admin-wide): scoped like the rest.
    content_type = ContentType.objects.get_for_model(world.obj("people.Person", "a"))
    for actor in actors:
        if not actor.staff:
            continue
        missing_status = walk.get(actor, reverse("admin:view_on_site", args=[content_type.pk, MISSING_PK])).status_code
        for team in TEAMS:
            url = reverse("admin:view_on_site", args=[content_type.pk, world.obj("people.Person", team).pk])
            response = walk.get(actor, url)
            if actor.sees(team):
                walk.expect(actor, url, response, {302}, "in scope (view on site)")
            elif response.status_code != missing_status:
                walk.fail(actor, url, f"answered {response.status_code} but {missing_status} for a missing one: scope leaks")


OTHER_METHODS = ("PUT", "DELETE", "PATCH", "FOO")


def _written() -> dict[str, int]:
    """Rows in every table of the audit app: history events (every change to case data), access log, sign-ins."""
    return {model._meta.label: model.objects.count() for model in apps.get_app_config("audit").get_models()}


def _walk_methods(walk: Walk) -> None:
    world = walk.world
    before = _written()
    for name, sample in SAMPLES.items():
        if name in UNRESTRICTED_METHODS:
            continue
        actor = next(a for a in ACTORS if a.key != "anonymous" and a.role in sample.roles and a.sees("a"))
        url = reverse(name, kwargs=sample.for_team(world, "a") if sample.scoped() else (sample.const or {}))
        for method in OTHER_METHODS:
            response = walk.request(actor, method, url)
            walk.expect(actor, url, response, {405}, "to a method the view does not take")
            walk.expect_allow(actor, url, response, sample.methods)
            walk.expect_logged(actor, url, response, [])
    after = _written()
    changed = {label: after[label] - count for label, count in before.items() if after[label] != count}
    if changed:
        walk.failures.append(f"{', '.join(OTHER_METHODS)} requests wrote rows: {changed}")


@pytest.mark.django_db
@pytest.mark.timeout(600)
def test_every_url_as_every_kind_of_user_serves_the_scope_and_nothing_else():
    walk = Walk(build_world())
    _walk_pages(walk)
    _walk_admin(walk)
    assert walk.requests > 500
    assert not walk.failures, f"{len(walk.failures)} problems in {walk.requests} requests:\n" + "\n".join(walk.failures)


@pytest.mark.django_db
def test_every_url_answers_only_the_methods_it_serves():
    assert UNRESTRICTED_METHODS <= set(SAMPLES), "UNRESTRICTED_METHODS names a URL that has no sample"
    walk = Walk(build_world())
    _walk_methods(walk)
    assert walk.requests == len(OTHER_METHODS) * (len(SAMPLES) - len(UNRESTRICTED_METHODS))
    assert not walk.failures, f"{len(walk.failures)} problems in {walk.requests} requests:\n" + "\n".join(walk.failures)
