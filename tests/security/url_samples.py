"""What the URL walk needs to know about each named URL: how to fill its arguments for a record of team A,
of team B and for a record that does not exist, and which roles may use it.

Every named URL of the project needs an entry (the walk fails with "register a sample for URL name X"
otherwise); admin URLs are covered from the admin registry. To register a page:

    register(
        "assessments:assessment_detail",                          # the URL name
        lambda w, t: {"pk": w.obj("assessments.Assessment", t).pk},   # kwargs for team t's record ("a"/"b")
        roles=STAFF,                                              # roles allowed in scope (200 expected)
    )

`w.obj(<model label>, team)` returns the world's record of that model for the team (tests/security/world.py;
add one there for a new model). A page with no record in its URL passes `None` as the kwargs function and
gets `{}`; its output is still checked for the other team's names. Options: `ok` (statuses that count as
served, default 200), `anonymous` (what a visitor gets; default: sent to log in), `refused` (what a role not
in `roles` gets; default 403), and:

- `methods`: the HTTP methods the view answers (default GET and HEAD: `require_safe`); any other answers 405
  with exactly these in `Allow`, and a URL without GET answers 405 to every GET, in scope or not;
- `logs`: the access-log kind ("what") the URL writes, None (the default) for a page that shows no one
  person's data and writes no row. With a kind, a served GET writes exactly one "viewed" row and a record
  out of scope or missing exactly one "denied" row (and a 404); `logs_person=False` when the rows name no
  person (an import job holds a whole roster), `logs_views=False` for a partial that shows no personal data
  (a refused attempt is still logged). A 403, a visitor and a 405 write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.security.world import MISSING_PK, World

KwargsFn = Callable[[World, str], dict] | None

ALL_LOGGED_IN = frozenset({"caseworker", "supervisor", "administrator", "no_role"})
STAFF = frozenset({"caseworker", "supervisor", "administrator"})  # anyone with a role
SUPERVISORS = frozenset({"supervisor", "administrator"})
ADMINISTRATORS = frozenset({"administrator"})
LOGIN = "login"  # expected for anonymous: a redirect to the login page


@dataclass(frozen=True)
class Sample:
    kwargs: KwargsFn
    roles: frozenset[str]
    ok: tuple[int, ...] = (200,)
    const: dict | None = None  # fixed kwargs of an unscoped page (no record id in the URL)
    anonymous: int | str = LOGIN
    refused: tuple[int, ...] = (403,)
    methods: tuple[str, ...] = ("GET", "HEAD")
    logs: str | None = None
    logs_person: bool = True
    logs_views: bool = True

    @property
    def person_data(self) -> bool:
        """A served GET shows personal data and writes a "viewed" row."""
        return self.logs is not None and self.logs_views

    def scoped(self) -> bool:
        return self.kwargs is not None and self.const is None

    def for_team(self, world: World, team: str) -> dict:
        return self.kwargs(world, team) if self.kwargs else {}

    def for_missing(self, world: World) -> dict:
        """The team-A kwargs with every record id replaced by one that does not exist."""
        kwargs = self.for_team(world, "a")
        return {k: (MISSING_PK if isinstance(v, int) else v) for k, v in kwargs.items()}


SAMPLES: dict[str, Sample] = {}


def register(name: str, kwargs: KwargsFn, *, roles: frozenset[str], **options) -> None:
    if name in SAMPLES:
        raise ValueError(f"A sample for {name} is already registered.")
    SAMPLES[name] = Sample(kwargs=kwargs, roles=roles, **options)


FORM = ("GET", "POST")  # a page with a form that posts to itself
POST = ("POST",)  # an action with no page
# Views that are not ours to restrict (none: Django's login view is wrapped in config/urls.py).
UNRESTRICTED_METHODS: set[str] = set()


def _person(w: World, t: str) -> dict:
    return {"pk": w.obj("people.Person", t).pk}


def _assessment(w: World, t: str) -> dict:
    return {"pk": w.obj("assessments.Assessment", t).pk}


# core
register("home", None, roles=ALL_LOGGED_IN)
register("login", None, roles=ALL_LOGGED_IN, ok=(302,), anonymous=200, methods=("GET", "HEAD", "POST"))  # logged-in users are sent on
register("logout", None, roles=ALL_LOGGED_IN, methods=("POST", "OPTIONS"))  # Django's LogoutView

# people
register("people:person_list", None, roles=STAFF)
register("people:person_create", None, roles=STAFF, methods=FORM)
register("people:person_detail", _person, roles=STAFF, logs="person")
register("people:person_update", _person, roles=STAFF, methods=FORM, logs="person_edit")
register("people:person_record_add", lambda w, t: {**_person(w, t), "kind": "status"}, roles=STAFF, methods=FORM, logs="person_record")
register(
    "people:person_record_end",
    lambda w, t: {**_person(w, t), "kind": "residence", "record_pk": w.obj("people.Residence", t).pk},
    roles=STAFF,
    methods=FORM,
    logs="person_record",
)
register("people:person_export", None, roles=STAFF, const={"fmt": "csv"}, logs="export_csv")  # one row per file, no person
register("people:person_case_file", _person, roles=STAFF, logs="case_file")
register("people:person_merge", _person, roles=ADMINISTRATORS, methods=FORM, logs="person_merge")


def _job(w: World, t: str) -> dict:
    return {"pk": w.obj("people.ImportJob", t).pk}


# An import job holds a roster: logged under the job, naming no one person.
register("people:import_start", None, roles=STAFF, methods=FORM)
register("people:import_detail", _job, roles=STAFF, logs="import_job", logs_person=False)
register("people:import_progress", _job, roles=STAFF, logs="import_job", logs_person=False, logs_views=False)  # counts, polled
register("people:import_not_imported", _job, roles=STAFF, logs="import_not_imported", logs_person=False)
for _name in ("people:import_check", "people:import_commit", "people:import_cancel"):
    register(_name, _job, roles=STAFF, methods=POST, logs="import_job", logs_person=False)
register("people:camp_list", None, roles=STAFF)
register("people:camp_create", None, roles=STAFF, methods=FORM)
register("people:camp_detail", lambda w, t: {"pk": w.camp.pk}, roles=STAFF)  # camps are shared; residents are scoped
register("people:camp_update", lambda w, t: {"pk": w.camp.pk}, roles=ADMINISTRATORS, methods=FORM)  # only administrators change a camp

# audit
register("audit:person_history", _person, roles=SUPERVISORS, logs="person_history")
register("audit:person_access_log", _person, roles=SUPERVISORS, logs="person_viewers")
register("audit:assessment_history", _assessment, roles=SUPERVISORS, logs="assessment_history")

# accounts (every logged-in user's own account pages)
register("accounts:two_factor", None, roles=ALL_LOGGED_IN)
register("accounts:verify", None, roles=ALL_LOGGED_IN, ok=(302,), methods=FORM)  # already verified / nothing to verify
register("accounts:setup", None, roles=ALL_LOGGED_IN, ok=(200, 302), methods=FORM)  # 302 once a device exists
register("accounts:recovery_codes", None, roles=ALL_LOGGED_IN, methods=FORM)

# assessments: work lists and dashboards
register("assessments:my_work", None, roles=STAFF)
register("assessments:review_queue", None, roles=SUPERVISORS)
register("assessments:dashboard", None, roles=SUPERVISORS)
# a person's case
def _case(w: World, t: str) -> dict:
    return {"person_pk": w.obj("people.Person", t).pk}


for _name in ("assessments:proposal_create", "assessments:assessment_start", "assessments:flag_raise", "assessments:consent_record"):
    register(_name, _case, roles=STAFF, methods=FORM, logs="person_record")  # a record added to the person's file
register("assessments:decision", _case, roles=STAFF, methods=FORM, logs="decision_page")
# an assessment
register("assessments:assessment_detail", _assessment, roles=STAFF, logs="assessment")
register("assessments:assessment_review", _assessment, roles=SUPERVISORS, methods=FORM, logs="assessment")
register(
    "assessments:assessment_action", lambda w, t: {**_assessment(w, t), "action": "reopen"}, roles=SUPERVISORS, methods=FORM, logs="assessment"
)
register(
    "assessments:finding_edit",
    lambda w, t: {**_assessment(w, t), "country": "IR", "risk_code": "torture"},
    roles=STAFF,
    methods=FORM,
    logs="finding",
)
# POST-only actions: a GET is refused (405) the same way in scope, out of scope and for a missing record
register("assessments:section_save", lambda w, t: {**_assessment(w, t), "section": "conclusion"}, roles=STAFF, methods=POST, logs="assessment")
register("assessments:assessment_submit", _assessment, roles=STAFF, methods=POST, logs="assessment")
# the confirm action's GET shows the consent and its button (the withdraw action is POST only)
register(
    "assessments:consent_action",
    lambda w, t: {"pk": w.obj("assessments.VoluntaryReturnConsent", t).pk, "action": "confirm"},
    roles=STAFF,
    methods=FORM,
    logs="consent",
)
register("assessments:flag_resolve", lambda w, t: {"pk": w.obj("assessments.Flag", t).pk}, roles=STAFF, methods=FORM, logs="flag")

# files
register("evidence_download", lambda w, t: {"pk": w.obj("assessments.Evidence", t).pk}, roles=STAFF, logs="evidence_file")

# Records that are shared by design (not person-bearing) and whose URLs carry their id.
UNSCOPED_RECORDS = {"people:camp_detail", "people:camp_update"}
