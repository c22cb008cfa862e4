"""Bad input on the decision and review pages: every case answers a message on the page (or a 4xx), never a
500, and writes nothing. Also the decision page's offer to start an assessment of a route none covers."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import forms, services
from assessments.models import Assessment, RemovalDecision, Review
from assessments.views import NO_SUCH_PROPOSAL
from tests.assessments import builders
from core.forms import TEXT_MAX_LENGTH
from tests.factories import PersonFactory

TOO_BIG = "x" * (3 * 1024 * 1024)  # beyond DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses the request (400)
TOO_LONG = "y" * (TEXT_MAX_LENGTH + 1)  # every form's bound on unbounded text (core.forms)
SEVEN_TRANSIT = {f"transit_{i}": c for i, c in enumerate(["TR", "AZ", "AM", "GE", "SY", "JO", "LB"], start=1)}


def _today() -> datetime.date:
    return timezone.localdate()


def _tomorrow() -> str:
    return (_today() + datetime.timedelta(days=1)).isoformat()


@pytest.fixture
def case(person, other_person, caseworker, other_caseworker):
    """A person of team A with an open proposal (Iran through Türkiye); proposals of another person of the
    same team and of a person of team B."""
    proposal = services.proposal_create(
        actor=caseworker, person=person, measure="deportation", destination="IR", transit_countries=["TR"],
        proposed_by="Fictional ministry", planned_date=_today() + datetime.timedelta(days=20),
    )
    same_team = PersonFactory(owning_team=person.owning_team, full_name_latin="Fictional Second Person")
    neighbour = services.proposal_create(
        actor=caseworker, person=same_team, measure="deportation", destination="IR", transit_countries=[],
        proposed_by="Fictional ministry",
    )
    foreign = services.proposal_create(
        actor=other_caseworker, person=other_person, measure="extradition", destination="AF", transit_countries=["TR"],
        proposed_by="Fictional ministry",
    )
    return {"proposal": proposal, "neighbour": neighbour, "foreign": foreign}


def _valid_decision(case, **overrides) -> dict:
    data = {"proposal": case["proposal"].pk, "outcome": "barred", "decided_on": _today().isoformat(), "reasons": "Fictional reasons."}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _route(**overrides) -> dict:
    data = {"measure": "deportation", "destination": "IR", "transit_1": "TR"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# (id, method, data as a function of the case, statuses accepted, text the page must show)
DECISION_CASES = [
    # which proposal
    ("get-proposal-not-a-number", "get", lambda c: {"proposal": "abc"}, {404}, NO_SUCH_PROPOSAL),
    ("get-proposal-unknown", "get", lambda c: {"proposal": "987654"}, {404}, NO_SUCH_PROPOSAL),
    ("get-proposal-absurd", "get", lambda c: {"proposal": str(10**30)}, {404}, NO_SUCH_PROPOSAL),
    ("get-proposal-negative", "get", lambda c: {"proposal": "-1"}, {404}, NO_SUCH_PROPOSAL),
    ("get-proposal-nul", "get", lambda c: {"proposal": "1\x00"}, {404}, NO_SUCH_PROPOSAL),
    ("get-proposal-of-another-person", "get", lambda c: {"proposal": c["neighbour"].pk}, {404}, NO_SUCH_PROPOSAL),
    ("post-proposal-not-a-number", "post", lambda c: _valid_decision(c, proposal="abc"), {404}, NO_SUCH_PROPOSAL),
    ("post-proposal-unknown", "post", lambda c: _valid_decision(c, proposal="987654"), {404}, NO_SUCH_PROPOSAL),
    ("post-proposal-of-another-person", "post", lambda c: _valid_decision(c, proposal=c["neighbour"].pk), {404}, NO_SUCH_PROPOSAL),
    ("post-proposal-of-another-team", "post", lambda c: _valid_decision(c, proposal=c["foreign"].pk), {404}, NO_SUCH_PROPOSAL),
    # the route asked about
    ("get-unknown-measure", "get", lambda c: _route(measure="teleport"), {200}, "Select a valid choice."),
    ("get-unknown-country", "get", lambda c: _route(destination="XX"), {200}, "Select a valid choice."),
    ("get-lowercase-nonsense-country", "get", lambda c: _route(destination="zz"), {200}, "Select a valid choice."),
    ("get-empty-country", "get", lambda c: _route(destination=""), {200}, "This field is required."),
    ("get-nul-country", "get", lambda c: _route(destination="IR\x00"), {200}, "Select a valid choice."),
    ("get-long-country", "get", lambda c: _route(destination="I" * 5000), {200}, "Select a valid choice."),
    ("get-unknown-transit", "get", lambda c: _route(transit_1="QQ"), {200}, "Select a valid choice."),
    ("get-repeated-transit", "get", lambda c: _route(transit_2="TR"), {200}, "A transit country is listed twice."),
    ("get-destination-in-transit", "get", lambda c: _route(transit_1="IR"), {200}, "The destination cannot also be a transit country."),
    ("get-too-many-transit", "get", lambda c: _route(**SEVEN_TRANSIT), {200}, forms.TOO_MANY_TRANSIT),
    ("post-repeated-transit", "post", lambda c: {**_route(transit_2="TR"), **_valid_decision(c, proposal=None)}, {200}, "A transit country is listed twice."),
    ("post-destination-in-transit", "post", lambda c: {**_route(transit_1="IR"), **_valid_decision(c, proposal=None)}, {200},
     "The destination cannot also be a transit country."),
    ("post-too-many-transit", "post", lambda c: {**_route(**SEVEN_TRANSIT), **_valid_decision(c, proposal=None)}, {200}, forms.TOO_MANY_TRANSIT),
    ("post-unknown-measure", "post", lambda c: {**_route(measure="teleport"), **_valid_decision(c, proposal=None)}, {200}, "Select a valid choice."),
    ("post-empty-destination", "post", lambda c: {**_route(destination=""), **_valid_decision(c, proposal=None)}, {200}, "This field is required."),
    # the decision itself
    ("post-unknown-outcome", "post", lambda c: _valid_decision(c, outcome="pardoned"), {200}, "Select a valid choice."),
    ("post-authorised-through-a-closed-gate", "post", lambda c: _valid_decision(c, outcome="authorised"), {200}, "Select a valid choice."),
    ("post-missing-outcome", "post", lambda c: _valid_decision(c, outcome=None), {200}, "This field is required."),
    ("post-missing-date", "post", lambda c: _valid_decision(c, decided_on=None), {200}, "This field is required."),
    ("post-impossible-date", "post", lambda c: _valid_decision(c, decided_on="2026-02-30"), {200}, "Enter a valid date."),
    ("post-malformed-date", "post", lambda c: _valid_decision(c, decided_on="yesterday"), {200}, "Enter a valid date."),
    ("post-date-beyond-year-9999", "post", lambda c: _valid_decision(c, decided_on="99999-01-01"), {200}, "Enter a valid date."),
    ("post-date-in-the-future", "post", lambda c: _valid_decision(c, decided_on=_tomorrow()), {200}, forms.DECIDED_IN_FUTURE),
    ("post-missing-reasons", "post", lambda c: _valid_decision(c, reasons=None), {200}, "This field is required."),
    ("post-blank-reasons", "post", lambda c: _valid_decision(c, reasons="   "), {200}, "This field is required."),
    ("post-only-nul-in-reasons", "post", lambda c: _valid_decision(c, reasons="\x00\x00"), {200}, "This field is required."),
    ("post-only-control-characters-in-reasons", "post", lambda c: _valid_decision(c, reasons="\x00\u202e\x1b"), {200}, "This field is required."),
    ("post-too-long-reasons", "post", lambda c: _valid_decision(c, reasons=TOO_LONG), {200}, f"at most {TEXT_MAX_LENGTH} characters"),
    ("post-huge-reasons", "post", lambda c: _valid_decision(c, reasons=TOO_BIG), {400}, ""),
    ("post-nothing", "post", lambda c: {}, {200}, "This field is required."),
]


@pytest.mark.django_db
@pytest.mark.parametrize("method, make_data, statuses, message", [c[1:] for c in DECISION_CASES], ids=[c[0] for c in DECISION_CASES])
def test_bad_input_on_the_decision_page_is_answered_on_the_page_and_writes_nothing(client, decider, case, person, method, make_data, statuses, message):
    client.force_login(decider)
    url = reverse("assessments:decision", args=[person.pk])
    before = (RemovalDecision.objects.count(), list(person.removal_proposals.values_list("pk", "status")))
    response = getattr(client, method)(url, make_data(case))
    assert response.status_code in statuses
    assert html.unescape(response.content.decode()).count(message) >= 1
    assert (RemovalDecision.objects.count(), list(person.removal_proposals.values_list("pk", "status"))) == before


@pytest.mark.django_db
def test_a_decision_page_route_that_repeats_a_country_shows_why_instead_of_failing(client, decider, person):
    """The reported 500: the route question passed the form, then the services refused it."""
    client.force_login(decider)
    url = reverse("assessments:decision", args=[person.pk])
    response = client.get(url, _route(transit_1="TR", transit_2="AZ", transit_3="TR"))
    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "A transit country is listed twice." in body
    assert "Removal cannot be authorised:" not in body and "Record the decision" not in body


@pytest.mark.django_db
def test_a_caseworker_cannot_post_a_decision(client, caseworker, case, person):
    client.force_login(caseworker)
    response = client.post(reverse("assessments:decision", args=[person.pk]), _valid_decision(case))
    assert response.status_code == 403
    assert not RemovalDecision.objects.exists()


@pytest.mark.django_db
def test_a_valid_decision_dated_today_is_still_recorded(client, decider, case, person):
    """The table above refuses bad input only: the same post with good input is recorded."""
    client.force_login(decider)
    response = client.post(reverse("assessments:decision", args=[person.pk]), _valid_decision(case))
    assert response.status_code == 302
    assert RemovalDecision.objects.get().decided_on == _today()


@pytest.mark.django_db
def test_a_nul_byte_inside_the_reasons_never_reaches_the_database(client, decider, case, person):
    """Control characters are removed before validation (core.forms.SafeTextMixin): reasons that still say
    something are recorded without them; reasons that said nothing else are refused in the table above."""
    client.force_login(decider)
    client.post(reverse("assessments:decision", args=[person.pk]), _valid_decision(case, reasons="Fictional\x00 reasons."))
    assert RemovalDecision.objects.get().reasons == "Fictional reasons."


def test_the_form_refuses_a_future_date_with_its_message():
    form = forms.DecisionForm(
        {"outcome": "barred", "decided_on": "2031-01-02", "reasons": "Fictional."}, allowed=False, today=datetime.date(2031, 1, 1)
    )
    assert not form.is_valid()
    assert form.errors["decided_on"] == ["A decision cannot be dated in the future."]
    assert form.has_error("decided_on", code="decided_in_future")


# ---------------------------------------------------------------------------------------------------------
# The review page


@pytest.fixture
def submitted(caseworker, person):
    assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    services.assessment_submit(actor=caseworker, assessment=assessment)
    return assessment


REVIEW_CASES = [
    ("unknown-decision", {"decision": "maybe", "comments": "Fictional."}, {200}, "Select a valid choice."),
    ("missing-decision", {"comments": "Fictional."}, {200}, "This field is required."),
    ("nothing", {}, {200}, "This field is required."),
    ("return-without-comments", {"decision": "returned", "comments": "  "}, {200}, "Say what needs to change"),
    ("only-nul-in-comments", {"decision": "returned", "comments": "\x00"}, {200}, "Say what needs to change"),
    ("too-long-comments", {"decision": "approved", "comments": TOO_LONG}, {200}, f"at most {TEXT_MAX_LENGTH} characters"),
    ("huge-comments", {"decision": "returned", "comments": TOO_BIG}, {400}, ""),
    ("a-proposal-is-nothing-to-this-page", {"decision": "sideways", "proposal": "abc"}, {200}, "Select a valid choice."),
]


@pytest.mark.django_db
@pytest.mark.parametrize("data, statuses, message", [c[1:] for c in REVIEW_CASES], ids=[c[0] for c in REVIEW_CASES])
def test_bad_input_on_the_review_page_is_answered_on_the_page_and_writes_nothing(client, supervisor, submitted, data, statuses, message):
    client.force_login(supervisor)
    response = client.post(reverse("assessments:assessment_review", args=[submitted.pk]), data)
    assert response.status_code in statuses
    assert message in html.unescape(response.content.decode())
    assert not Review.objects.exists()
    assert Assessment.objects.get(pk=submitted.pk).status == "submitted"


@pytest.mark.django_db
def test_a_nul_byte_inside_the_comments_never_reaches_the_database(client, supervisor, submitted):
    client.force_login(supervisor)
    client.post(reverse("assessments:assessment_review", args=[submitted.pk]), {"decision": "returned", "comments": "Add\x00 sources."})
    assert Review.objects.get().comments == "Add sources."


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?proposal=abc", "?decision=approved", "?page=%00"])
def test_junk_in_the_review_pages_query_is_ignored(client, supervisor, submitted, query):
    client.force_login(supervisor)
    response = client.get(reverse("assessments:assessment_review", args=[submitted.pk]) + query)
    assert response.status_code == 200
    assert not Review.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who, status", [("caseworker", 403), ("other_supervisor", 404)])
def test_a_review_from_outside_the_role_or_the_scope_is_refused(client, request, submitted, who, status):
    client.force_login(request.getfixturevalue(who))
    response = client.post(reverse("assessments:assessment_review", args=[submitted.pk]), {"decision": "approved", "comments": ""})
    assert response.status_code == status
    assert not Review.objects.exists()


# ---------------------------------------------------------------------------------------------------------
# "Start an assessment of this route"


def _start_href(body: str) -> str | None:
    found = re.search(r'href="([^"]*)">Start an assessment of this route<', body)
    return html.unescape(found.group(1)) if found else None


@pytest.mark.django_db
def test_the_decision_page_offers_to_start_an_assessment_of_the_proposed_route(client, caseworker, decider, person):
    proposal = services.proposal_create(
        actor=caseworker, person=person, measure="deportation", destination="IR", transit_countries=["TR", "AZ"], proposed_by="Fictional",
    )
    client.force_login(decider)
    body = client.get(reverse("assessments:decision", args=[person.pk])).content.decode()
    href = _start_href(body)
    start = reverse("assessments:assessment_start", args=[person.pk])
    assert href == f"{start}?proposal={proposal.pk}&destination=IR&transit=TR,AZ"
    form = client.get(href).context["form"]
    assert (form["destination"].value(), form["transit_1"].value(), form["transit_2"].value()) == ("IR", "TR", "AZ")


@pytest.mark.django_db
def test_the_offer_to_start_keeps_the_route_asked_about_in_order(client, caseworker, person):
    client.force_login(caseworker)
    url = reverse("assessments:decision", args=[person.pk])
    body = client.get(url, _route(destination="IR", transit_1="AZ", transit_2="TR")).content.decode()
    href = _start_href(body)
    assert href == reverse("assessments:assessment_start", args=[person.pk]) + "?destination=IR&transit=AZ,TR"
    client.get(href)
    response = client.post(href, {"destination": "IR", "transit_1": "AZ", "transit_2": "TR"})
    assert response.status_code == 302
    assert Assessment.objects.get().route == ["AZ", "TR", "IR"]


@pytest.mark.django_db
def test_no_offer_to_start_when_an_approved_assessment_covers_the_route(client, caseworker, supervisor, decider, person):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person, today=timezone.localdate())
    client.force_login(decider)
    url = reverse("assessments:decision", args=[person.pk])
    covered = client.get(url, _route()).content.decode()
    assert _start_href(covered) is None
    other_route = client.get(url, _route(transit_1="AZ")).content.decode()  # the same destination through another country
    assert _start_href(other_route) == reverse("assessments:assessment_start", args=[person.pk]) + "?destination=IR&transit=AZ"
