"""Golden HTML of the main pages, as each role sees them: a rewrite of the read path (selectors, templates,
template tags) must render the same pages, byte for byte after `normalise()`.

    GOLDEN_UPDATE=1 pytest tests/golden      # (re)write tests/golden/pages/<page>--<role>.html
    pytest tests/golden                      # compare; a difference fails with a unified diff

What varies between runs is normalised in `normalise()` only: CSRF tokens, dates near today (as
`{today+N}`, whatever the format), times of day, the expected age of the main person, whitespace.
Database ids do not vary: the world is built once for the module, after every sequence of the schema is
set to the same start (tests/golden/world.py, `reset_sequences`), and every sequence is put back where the
world left it before each page is rendered, so no page depends on which tests ran before it.
"""

from __future__ import annotations

import datetime
import difflib
import html as html_lib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.golden import world as golden_world

PAGES_DIR = Path(__file__).parent / "pages"
UPDATE = os.environ.get("GOLDEN_UPDATE") == "1"
ROLES = ("caseworker", "supervisor", "administrator")  # core.roles.ROLES, as the world's users hold them
WINDOW_DAYS = 800
DIFF_LINES = 80


# ---------------------------------------------------------------------------------------------------------
# Normalisation

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
_MONTH_NUMBER = {name: i for i, name in enumerate(_MONTHS, 1)} | {name[:3]: i for i, name in enumerate(_MONTHS, 1)}
# "8 November 2026" (|day, a date's default format), "8 Nov 2026" (|day:"short"), "08 November 2026" (%d %B %Y).
_TEXT_DATE = re.compile(r"\b(\d{1,2}) (" + "|".join(_MONTHS + [m[:3] for m in _MONTHS]) + r") (\d{4})\b")
_ISO_DATETIME = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_TIME = re.compile(r"\b(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?\b")
_CSRF = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"'), r'\1{csrf}"'),
    (re.compile(r'(value=")[^"]*(" name="csrfmiddlewaretoken")'), r"\1{csrf}\2"),
    (re.compile(r'((?:X-CSRFToken|csrf-token|csrfToken)["\']?\s*[:=]\s*["\'])[^"\']*', re.IGNORECASE), r"\1{csrf}"),
    (re.compile(r'(<meta name="csrf[-_]token" content=")[^"]*"', re.IGNORECASE), r'\1{csrf}"'),
]
_STATIC_HASH = re.compile(r"(/static/[^\"'?#\s]+?)\.[0-9a-f]{12}(\.[A-Za-z0-9]+)")
# Line breaks go before these opening tags in the written goldens, so a diff shows the block that changed.
_BLOCK = re.compile(
    r"<(?=(?:html|head|body|header|nav|main|footer|section|article|aside|div|p|h[1-6]|ul|ol|li|dl|dt|dd|table|caption|"
    r"thead|tbody|tr|form|fieldset|legend|details|summary|select|option|optgroup|label|input|textarea|button|meta|link|"
    r"script|title|svg|meter|time)\b)"
)


def _token(day: datetime.date, today: datetime.date, suffix: str = "") -> str | None:
    offset = (day - today).days
    if abs(offset) > WINDOW_DAYS:
        return None
    return "{today" + (f"{offset:+d}" if offset else "") + suffix + "}"


def _date_or_none(year: str, month: int, day: str) -> datetime.date | None:
    try:
        return datetime.date(int(year), month, int(day))
    except ValueError:
        return None


def normalise(page: str, *, today: datetime.date, replacements: tuple[tuple[str, str], ...] = ()) -> str:
    """The page as the goldens record it: what varies from run to run or day to day replaced by tokens,
    whitespace collapsed, one line per block element.

    - CSRF tokens (hidden inputs, headers, meta tags) become `{csrf}`.
    - Dates within WINDOW_DAYS of today become `{today}`, `{today+5}`, `{today-3}` ("8 November 2026",
      "8 Nov 2026", "08 November 2026": one token for all three, since "8 May 2026" is both the long and
      the short form and the goldens must not depend on the month), and `{today+5:iso}` for 2026-11-08.
      Dates further away (birth dates, old residences) are left as they are: the world puts none closer.
    - ISO date-times (`<time datetime>`) become `{today:iso}T{time}`; times of day ("H:i", "H:i:s") `{time}`.
    - `replacements`: exact strings the page spec knows vary by day (a person's age), replaced as given.
    - Hashed static file names lose their hash (the test settings use no manifest; this is for safety).
    - Runs of whitespace become one space; whitespace between two tags is removed; then a line break is
      put before each opening block tag.
    """
    for pattern, replacement in _CSRF:
        page = pattern.sub(replacement, page)
    page = _STATIC_HASH.sub(r"\1\2", page)
    for old, new in replacements:
        page = page.replace(old, new)

    def iso_datetime(m):
        day = _date_or_none(m[1], int(m[2]), m[3])
        token = _token(day, today, ":iso") if day else None
        return f"{token}T{{time}}" if token else m[0]

    def iso_date(m):
        day = _date_or_none(m[1], int(m[2]), m[3])
        return (_token(day, today, ":iso") if day else None) or m[0]

    def text_date(m):
        day = _date_or_none(m[3], _MONTH_NUMBER[m[2]], m[1])
        return (_token(day, today) if day else None) or m[0]

    page = _ISO_DATETIME.sub(iso_datetime, page)
    page = _ISO_DATE.sub(iso_date, page)
    page = _TEXT_DATE.sub(text_date, page)
    page = _TIME.sub("{time}", page)

    page = re.sub(r"\s+", " ", page).strip()
    page = re.sub(r">\s+<", "><", page)
    page = _BLOCK.sub("\n<", page)
    return page.lstrip("\n") + "\n"


# ---------------------------------------------------------------------------------------------------------
# The pages


@dataclass(frozen=True)
class Page:
    url: Callable  # (world) -> path
    # What a user would notice first: strings that must be on the page (raw HTML, before normalisation).
    shows: Callable  # (world) -> list[str]
    forbidden: tuple[str, ...] = ()  # roles that get `status` instead of the page
    status: int = 403
    follow_next: int = 0  # pages of a keyset list to walk through ("Next") before the one recorded
    replacements: Callable | None = None  # (world) -> ((old, new), ...), see normalise()


def _age_on(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _h1(text: str) -> str:
    return f'<h1 class="h3">{text}</h1>'


PAGES: dict[str, Page] = {
    "person_list": Page(
        url=lambda w: reverse("people:person_list"),
        shows=lambda w: [_h1("People"), "Aidan O&#x27;Brien &amp; &lt;Sons&gt;", 'rel="next"', "رضا تهرانی"],
    ),
    "person_list_page3": Page(
        url=lambda w: reverse("people:person_list"),
        follow_next=2,
        shows=lambda w: [_h1("People"), "Roster Person 110", "Yusuf Demir", 'rel="prev" href="?before='],
    ),
    "person_search": Page(
        url=lambda w: reverse("people:person_list") + "?q=Tehrani",
        shows=lambda w: ['<th scope="col">Match</th>', "Best matches for “Tehrani”", "Reza Tehrani", "Sina Tehrani"],
    ),
    "person_detail": Page(
        url=lambda w: reverse("people:person_detail", args=[w.people["reza"].pk]),
        shows=lambda w: ["<bdi>Reza Tehrani</bdi>", w.people["reza"].reference, "Residence history", "Open flags"],
        replacements=lambda w: ((f"· age {_age_on(w.people['reza'].birth_date, w.today)}<", "· age {age}<"),),
    ),
    "case_file": Page(
        url=lambda w: reverse("people:person_case_file", args=[w.people["reza"].pk]),
        shows=lambda w: ["Case file: <bdi>Reza Tehrani</bdi>", "Legal status history", "Printed "],
    ),
    "my_work": Page(
        url=lambda w: reverse("assessments:my_work"),
        shows=lambda w: [_h1("My work"), "People assigned to me", "Returned to me with comments"],
    ),
    "review_queue": Page(
        url=lambda w: reverse("assessments:review_queue"),
        forbidden=("caseworker",),
        shows=lambda w: [_h1("Review queue"), f"Review {w.assessments['submitted'].reference}", "Open flags"],
    ),
    "assessment_review": Page(
        url=lambda w: reverse("assessments:assessment_review", args=[w.assessments["submitted"].pk]),
        forbidden=("caseworker",),
        shows=lambda w: [f"Assessment {w.assessments['submitted'].reference}", "Your review", "Submitted for review on"],
    ),
    "decision": Page(
        url=lambda w: reverse("assessments:decision", args=[w.people["reza"].pk]),
        shows=lambda w: [_h1("Removal decision"), "Removal cannot be authorised", "Which removal"],
    ),
    "decision_allowed": Page(
        url=lambda w: reverse("assessments:decision", args=[w.people["yusuf"].pk]),
        shows=lambda w: [_h1("Removal decision"), "Which removal", w.assessments["approved"].reference],
    ),
    "dashboard": Page(
        url=lambda w: reverse("assessments:dashboard"),
        forbidden=("caseworker",),
        shows=lambda w: [_h1("Dashboard"), "Caseload by assessment status", "<svg"],
    ),
    "camp_list": Page(
        url=lambda w: reverse("people:camp_list"),
        shows=lambda w: ['<h1 class="h3">Camps</h1>', "Camp Ashti", "over capacity", "Closed"],
    ),
    "camp_detail": Page(
        url=lambda w: reverse("people:camp_detail", args=[w.camps["ashti"].pk]),
        shows=lambda w: ['<h1 class="h3">Camp Ashti</h1>', "Over capacity:", "Current residents you can see"],
    ),
    "assessment_detail": Page(
        url=lambda w: reverse("assessments:assessment_detail", args=[w.assessments["draft"].pk]),
        shows=lambda w: [f"Assessment {w.assessments['draft'].reference}", "4. Findings: every country of the route × every risk type",
                         "Real risk", "Insufficient information", "No real risk", "Not assessed"],
    ),
}
CASES = [(page, role) for page in PAGES for role in ROLES]


def golden_path(page: str, role: str) -> Path:
    return PAGES_DIR / f"{page}--{role}.html"


# ---------------------------------------------------------------------------------------------------------
# The world, once for the module


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once inside a transaction of its own (each test then runs in a savepoint of it, as pytest-django
    nests them) and rolled back at the end of the module. Evidence files go to a temporary directory."""
    from assessments.models import evidence_storage

    cached = ("base_location", "location")
    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock():
        patch.setattr(evidence_storage, "_location", str(tmp_path_factory.mktemp("golden-evidence")))
        for name in cached:
            evidence_storage.__dict__.pop(name, None)
        golden_world.reset_sequences()
        atomic = transaction.atomic(using="default")
        atomic.__enter__()
        try:
            built = golden_world.build_world()
            built.sequences = golden_world.sequence_state()
        except BaseException:
            transaction.set_rollback(True, using="default")
            atomic.__exit__(*sys.exc_info())
            raise
        finally:
            for name in cached:
                evidence_storage.__dict__.pop(name, None)
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True, using="default")
        atomic.__exit__(None, None, None)


def render(world, page: Page, role: str):
    """GET the page as `role`, with every sequence where the world left it (so nothing a page writes, the
    access log say, depends on what was rendered before)."""
    golden_world.restore_sequences(world.sequences)
    client = Client()
    client.force_login(world.users[role])
    response = client.get(page.url(world))
    for _ in range(page.follow_next):
        assert response.status_code == 200
        found = re.search(r'<a class="page-link" rel="next" href="([^"#]+)"', response.content.decode())
        assert found, "no Next link to follow"
        response = client.get(page.url(world).split("?")[0] + html_lib.unescape(found[1]))
    return response


def _compare(path: Path, actual: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing: run with GOLDEN_UPDATE=1 to write it (and review it before committing)",
                    pytrace=False)
    expected = path.read_text(encoding="utf-8")
    if expected != actual:
        diff = list(difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), fromfile=f"{path.name} (golden)", tofile=f"{path.name} (rendered)", lineterm="",
        ))
        shown = "\n".join(diff[:DIFF_LINES]) + (f"\n... ({len(diff) - DIFF_LINES} more diff lines)" if len(diff) > DIFF_LINES else "")
        pytest.fail(f"the page differs from its golden {path}:\n{shown}\n(if the change is intended: GOLDEN_UPDATE=1)", pytrace=False)


# ---------------------------------------------------------------------------------------------------------
# Tests


@pytest.mark.django_db(databases=["default", "owner"])
@pytest.mark.parametrize(("page_name", "role"), CASES, ids=[f"{p}--{r}" for p, r in CASES])
def test_page_matches_its_golden(world, page_name, role):
    page = PAGES[page_name]
    response = render(world, page, role)
    path = golden_path(page_name, role)
    if role in page.forbidden:
        assert response.status_code == page.status, f"{page_name} as {role}: expected {page.status}, got {response.status_code}"
        assert not path.exists(), f"{path.name} exists but {role} gets {page.status} on {page_name}: delete it"
        return
    assert response.status_code == 200, f"{page_name} as {role}: {response.status_code}"
    assert response["Content-Type"].startswith("text/html")
    content = response.content.decode()
    for expected in page.shows(world):
        assert expected in content, f"{page_name} as {role} does not show {expected!r}"
    replacements = page.replacements(world) if page.replacements else ()
    _compare(path, normalise(content, today=world.today, replacements=replacements))


@pytest.mark.django_db(databases=["default", "owner"])
def test_the_world_has_the_same_ids_in_every_run(world):
    """The proof that ids need no tokens: the world's first rows have the ids the sequences were set to,
    whatever ran before (the first team, user, camp and person of the world are its first of each)."""
    first = golden_world.FIRST_ID
    assert world.teams["north"].pk == first
    assert world.users["caseworker"].pk == first
    assert world.camps["ashti"].pk == first
    assert world.people["reza"].pk == first
    assert world.people["reza"].reference == f"P-{first:06d}"
    assert world.proposals["reza_decided"].pk == first
    assert world.assessments["draft"].pk == first
    # Restoring puts a sequence back exactly: the next row gets the id it got the first time.
    from people.models import Camp

    def next_camp_id() -> int:
        golden_world.restore_sequences(world.sequences)
        with transaction.atomic():
            pk = Camp.objects.create(name="Golden probe camp", country="IQ", capacity=1).pk
            transaction.set_rollback(True)
        return pk

    assert next_camp_id() == next_camp_id() == world.camps["dune"].pk + 1


def test_every_golden_file_belongs_to_a_page_a_role_can_open():
    expected = {golden_path(p, r).name for p, r in CASES if r not in PAGES[p].forbidden}
    present = {p.name for p in PAGES_DIR.glob("*.html")}
    assert not present - expected, f"stale golden files: {sorted(present - expected)}"
    if not UPDATE:
        assert not expected - present, f"missing golden files (run with GOLDEN_UPDATE=1): {sorted(expected - present)}"


def test_normalise_tokenises_what_varies_and_nothing_else():
    today = datetime.date(2026, 5, 8)
    page = (
        '<form><input type="hidden" name="csrfmiddlewaretoken" value="abc123XYZ"></form>\n'
        "<p>8 May 2026 · 13 May 2026 · 13 May 2026 · 2026-05-03 · 08 May 2026 · 7 Mar 2023 · 1 January 1985</p>"
        '<p><time datetime="2026-05-08T09:41:07.123456+00:00">8 May 2026, 09:41</time> as of 23:59</p>'
        "<p>2026-02-30 · 31 Feb 2026 · 2020-01-01 · P-010001 · A-10001 · 1:2</p>"
    )
    assert normalise(page, today=today) == (
        '<form>\n<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}"></form>\n'
        "<p>{today} · {today+5} · {today+5} · {today-5:iso} · {today} · 7 Mar 2023 · 1 January 1985</p>\n"
        '<p>\n<time datetime="{today:iso}T{time}">{today}, {time}</time> as of {time}</p>\n'
        "<p>2026-02-30 · 31 Feb 2026 · 2020-01-01 · P-010001 · A-10001 · 1:2</p>\n"
    )
