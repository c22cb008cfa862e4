"""The page behind "A supervisor must confirm the consent": the consent as recorded and a button that POSTs
the confirmation; opening it and confirming are logged, a refused attempt is logged as denied and answers 404."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import VoluntaryReturnConsent
from audit.models import AccessLog
from tests.assessments import builders

TOLD = "Fictional briefing on conditions in Iran: detention of returnees is reported."
BUTTON = ">Confirm the consent</button>"


def _consent(actor, person, **data) -> VoluntaryReturnConsent:
    return services.consent_record(
        actor=actor, person=person, destination="IR", transit_countries=["TR"],
        data={"given_on": timezone.localdate(), "language": "fa", "interpreter_name": "Fictional interpreter",
              "conditions_explained": TOLD, "no_pressure_confirmed": True, "safe_setting_confirmed": True, **data},
    )


def _url(consent, action="confirm") -> str:
    return reverse("assessments:consent_action", args=[consent.pk, action])


@pytest.mark.django_db
def test_a_supervisor_sees_the_consent_and_confirms_it(client, caseworker, supervisor, person):
    consent = _consent(caseworker, person)
    client.force_login(supervisor)
    response = client.get(_url(consent))
    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    for shown in ("Türkiye → Iran", "Persian (Farsi)", "Fictional interpreter", TOLD, caseworker.get_full_name() or caseworker.username):
        assert shown in body, shown
    assert f'<form method="post" action="{_url(consent)}">' in body and BUTTON in body
    assert list(AccessLog.objects.values_list("user", "what", "object_id", "person_id", "outcome")) == [
        (supervisor.pk, "consent", consent.pk, person.pk, "viewed")
    ]
    response = client.post(_url(consent))
    assert response.status_code == 302 and response["Location"] == person.get_absolute_url()
    consent.refresh_from_db()
    assert consent.supervisor_confirmed_by == supervisor
    assert list(AccessLog.objects.values_list("user", "what", "object_id", "person_id", "outcome")) == [
        (supervisor.pk, "consent", consent.pk, person.pk, "viewed")
    ] * 2  # each request that reaches the consent is one row (the confirmation itself is in the history)
    assert "Already confirmed by" in client.get(_url(consent)).content.decode()


@pytest.mark.django_db
def test_a_caseworker_sees_the_consent_but_no_button(client, caseworker, person):
    consent = _consent(caseworker, person)
    client.force_login(caseworker)
    body = client.get(_url(consent)).content.decode()
    assert TOLD in body and BUTTON not in body
    assert "A supervisor who did not record this consent must confirm it." in body


@pytest.mark.django_db
def test_the_supervisor_who_recorded_it_is_not_offered_the_button(client, supervisor, person):
    consent = _consent(supervisor, person)
    client.force_login(supervisor)
    body = client.get(_url(consent)).content.decode()
    assert BUTTON not in body and "You recorded this consent: another supervisor must confirm it." in body


@pytest.mark.django_db
def test_a_withdrawn_consent_is_not_offered_and_its_confirmation_is_refused_on_the_page(client, caseworker, supervisor, person):
    consent = services.consent_withdraw(actor=caseworker, consent=_consent(caseworker, person))
    client.force_login(supervisor)
    assert BUTTON not in client.get(_url(consent)).content.decode()
    response = client.post(_url(consent), follow=True)
    assert response.redirect_chain[-1][0] == _url(consent)
    assert "This consent was withdrawn." in response.content.decode()
    consent.refresh_from_db()
    assert consent.supervisor_confirmed_by is None


@pytest.mark.django_db
@pytest.mark.parametrize("missing", [False, True], ids=["other-team", "missing"])
def test_out_of_scope_or_missing_is_logged_as_denied_and_answers_404(client, caseworker, other_supervisor, person, missing):
    consent = _consent(caseworker, person)
    pk = 987654 if missing else consent.pk
    client.force_login(other_supervisor)
    response = client.get(reverse("assessments:consent_action", args=[pk, "confirm"]))
    assert response.status_code == 404
    assert TOLD not in response.content.decode()
    assert list(AccessLog.objects.values_list("what", "object_id", "person_id", "outcome")) == [("consent", pk, None, "denied")]
    assert client.post(reverse("assessments:consent_action", args=[pk, "confirm"])).status_code == 404


@pytest.mark.django_db
def test_withdrawing_stays_a_post(client, caseworker, person):
    consent = _consent(caseworker, person)
    client.force_login(caseworker)
    assert client.get(_url(consent, "withdraw")).status_code == 405


@pytest.mark.django_db
def test_the_decision_pages_reason_links_to_this_page(client, caseworker, supervisor, decider, person):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person, outcomes={("IR", "torture"): "real_risk"})
    consent = _consent(caseworker, person)
    client.force_login(decider)
    query = "?measure=voluntary_return&destination=IR&transit_1=TR"
    body = client.get(reverse("assessments:decision", args=[person.pk]) + query).content.decode()
    assert "a supervisor must confirm the person" in html.unescape(body)
    assert f'href="{_url(consent)}"' in body
    assert BUTTON in client.get(_url(consent)).content.decode()
