"""The finding panel (a cell of the findings matrix): restricted evidence only for those who may see it,
in the read-only panel and in the edit form's choices, and one access-log row per view."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments import services
from assessments.forms import FindingForm
from assessments.models import RiskType
from assessments.views import _evidence_relied_on
from audit.models import AccessLog
from core import roles
from tests.assessments import builders
from tests.factories import UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
RESTRICTED = "Fictional restricted medical report"
OPEN = "Fictional country report"


@pytest.fixture
def colleague(team):
    """Another caseworker of the same team: sees the person and the assessment, not restricted evidence."""
    user = UserFactory(username="cw_a2", role=roles.CASEWORKER)
    team.members.add(user)
    return user


@pytest.fixture
def cell(caseworker, person):
    """A finding on torture in Iran relying on one open and one restricted item of evidence."""
    assessment = builders.start(assessor=caseworker, person=person)
    restricted = services.evidence_add(
        actor=caseworker, assessment=assessment, data={"kind": "medical", "title": RESTRICTED, "source": "Clinic", "restricted": True},
    )
    open_item = services.evidence_add(actor=caseworker, assessment=assessment, data={"kind": "coi", "title": OPEN, "source": "Fictional NGO"})
    torture = RiskType.objects.get(code="torture")
    services.finding_save(
        actor=caseworker, assessment=assessment, country="IR", risk_type=torture,
        data={"outcome": "real_risk", "reasons": "Fictional reasons.", "feared_actor": "state"}, evidence=[restricted, open_item],
    )
    return {
        "assessment": assessment, "risk_type": torture, "restricted": restricted, "open": open_item,
        "url": reverse("assessments:finding_edit", args=[assessment.pk, "IR", "torture"]),
    }


def _rows(user):
    return list(AccessLog.objects.filter(user=user).values_list("what", "object_id", "person_id", "outcome", "route"))


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["panel", "page"])
def test_a_same_team_caseworker_does_not_see_restricted_evidence_in_the_panel(client, colleague, cell, person, headers):
    client.force_login(colleague)
    response = client.get(cell["url"], **headers)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Evidence relied on: " + OPEN in body
    assert RESTRICTED not in body
    assert _rows(colleague) == [("finding", cell["assessment"].pk, person.pk, "viewed", "assessments:finding_edit")]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["caseworker", "supervisor"])
def test_the_assessor_and_a_supervisor_see_it(client, request, cell, person, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    body = client.get(cell["url"], **HTMX).content.decode()
    assert RESTRICTED in body and OPEN in body
    assert _rows(user) == [("finding", cell["assessment"].pk, person.pk, "viewed", "assessments:finding_edit")]


@pytest.mark.django_db
def test_the_edit_form_offers_restricted_evidence_only_to_who_may_see_it(cell, caseworker, colleague, supervisor):
    def offered(user):
        form = FindingForm(assessment=cell["assessment"], risk_type=cell["risk_type"], user=user)
        return {e.title for e in form.fields["evidence"].queryset}

    assert offered(caseworker) == {RESTRICTED, OPEN}  # the assessor
    assert offered(supervisor) == {RESTRICTED, OPEN}
    assert offered(colleague) == {OPEN}


@pytest.mark.django_db
def test_saving_keeps_the_evidence_a_user_was_not_offered(cell, colleague):
    """Only the assessor edits today (and sees everything); should that change, a save never drops what the
    editor could not see."""
    assessment, finding = cell["assessment"], cell["assessment"].findings.get()
    form = FindingForm(
        {"outcome": "real_risk", "reasons": "Fictional.", "feared_actor": "state", "evidence": [cell["open"].pk]},
        instance=finding, assessment=assessment, risk_type=cell["risk_type"], user=colleague,
    )
    assert form.is_valid(), form.errors
    assert {e.pk for e in _evidence_relied_on(form, finding)} == {cell["open"].pk, cell["restricted"].pk}


@pytest.mark.django_db
def test_a_restricted_choice_posted_by_hand_is_refused_for_who_may_not_see_it(cell, colleague):
    form = FindingForm(
        {"outcome": "real_risk", "reasons": "Fictional.", "feared_actor": "state", "evidence": [cell["restricted"].pk]},
        assessment=cell["assessment"], risk_type=cell["risk_type"], user=colleague,
    )
    assert not form.is_valid() and "evidence" in form.errors


@pytest.mark.django_db
def test_out_of_scope_is_logged_as_denied_and_answers_404(client, other_caseworker, cell):
    client.force_login(other_caseworker)
    response = client.get(cell["url"], **HTMX)
    assert response.status_code == 404
    assert RESTRICTED not in response.content.decode()
    assert _rows(other_caseworker) == [("finding", cell["assessment"].pk, None, "denied", "assessments:finding_edit")]


@pytest.mark.django_db
@pytest.mark.parametrize("country, risk_code", [("AF", "torture"), ("IR", "no-such-risk")])
def test_a_cell_that_is_not_there_is_logged_as_denied(client, colleague, cell, country, risk_code):
    client.force_login(colleague)
    url = reverse("assessments:finding_edit", args=[cell["assessment"].pk, country, risk_code])
    assert client.get(url).status_code == 404
    assert [r[3] for r in _rows(colleague)] == ["denied"]


@pytest.mark.django_db
@pytest.mark.parametrize("data, status", [({"outcome": "no_real_risk", "reasons": "Fictional.", "feared_actor": "state"}, 302), ({}, 200)])
def test_saving_a_finding_or_showing_its_errors_writes_one_access_row(client, caseworker, cell, person, data, status):
    """A POST reaches the finding too, and a form shown back with its errors shows it again."""
    client.force_login(caseworker)
    response = client.post(cell["url"], data)
    assert response.status_code == status
    assert _rows(caseworker) == [("finding", cell["assessment"].pk, person.pk, "viewed", "assessments:finding_edit")]


@pytest.mark.django_db
def test_saving_out_of_scope_is_logged_as_denied_and_changes_nothing(client, other_caseworker, cell):
    client.force_login(other_caseworker)
    response = client.post(cell["url"], {"outcome": "no_real_risk", "reasons": "Fictional.", "feared_actor": "state"})
    assert response.status_code == 404
    assert _rows(other_caseworker) == [("finding", cell["assessment"].pk, None, "denied", "assessments:finding_edit")]
    assert cell["assessment"].findings.get().outcome == "real_risk"
