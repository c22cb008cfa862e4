"""The caseworker and supervisor pages: what a user sees and what each action does, with query budgets."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, Flag, RemovalDecision, RemovalProposal
from tests.assessments import builders
from tests.factories import PersonFactory
from tests.people.test_query_budget import PROFILE_BUDGET

D = datetime.date
HTMX = {"HTTP_HX_REQUEST": "true"}


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def fast_assessments(team, assessor, n, status="submitted", planned_in=10):
    """Many complete assessments of a route to Iran quickly (test set-up only): rows bulk-written as the
    application's role may, then submitted, which the database allows only because each one is complete."""
    from assessments.models import Finding, Interview, RiskType

    today = timezone.localdate()
    rows = []
    for i in range(n):
        person = PersonFactory(owning_team=team, assigned_caseworker=assessor)
        proposal = RemovalProposal.objects.create(
            person=person, measure="deportation", destination="IR", proposed_by="Fictional", recorded_by=assessor,
            planned_date=today + datetime.timedelta(days=planned_in + i),
        )
        rows.append(Assessment(person=person, proposal=proposal, assessor=assessor, destination="IR"))
    created = Assessment.objects.bulk_create(rows)
    ids = [a.pk for a in created]
    Interview.objects.bulk_create(
        Interview(assessment=a, held_on=today, place="Fictional", interviewer=assessor, language="fa",
                  information_given="Fictional.", record="Fictional.", confirmation="confirmed")
        for a in created
    )
    risk_types = list(RiskType.objects.filter(is_active=True))
    Finding.objects.bulk_create(Finding(assessment=a, country="IR", risk_type=rt, outcome="no_real_risk") for a in created for rt in risk_types)
    Assessment.objects.filter(pk__in=ids).update(
        conclusion="no_real_risk", conclusion_reasons="Fictional.", declares_not_involved=True, declares_no_conflict=True
    )
    if status != "draft":
        Assessment.objects.filter(pk__in=ids).update(status="submitted", submitted_at=timezone.now())
    for a in created:
        Flag.objects.create(person=a.person, reason="Fictional flag", severity=2)
    return created


# ---------------------------------------------------------------------------------------------------------
# The editor


@pytest.mark.django_db
def test_the_editor_shows_the_checklist_and_saving_a_section_with_htmx_swaps_only_it(client, caseworker, person):
    assessment = builders.start(assessor=caseworker, person=person)
    client.force_login(caseworker)
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Completeness checklist" in page and "No interview is recorded" in page
    response = client.post(
        reverse("assessments:section_save", args=[assessment.pk, "conclusion"]),
        {"conclusion": "no_real_risk", "conclusion_reasons": "Fictional reasons."}, **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="conclusion"' in body and 'id="checklist"' in body and 'id="messages"' in body
    assert body.count('hx-swap-oob="true"') == 3
    assert 'id="interviews"' not in body  # other sections, and what was typed in them, stay on the page
    assert "Conclusion saved." in body and "There is no conclusion with reasons." not in body
    assessment.refresh_from_db()
    assert assessment.conclusion_reasons == "Fictional reasons."


@pytest.mark.django_db
def test_a_validation_error_keeps_the_input_and_says_what_to_fix(client, caseworker, person):
    assessment = builders.start(assessor=caseworker, person=person)
    client.force_login(caseworker)
    data = {
        "held_on": "2026-05-01", "place": "Fictional office", "interviewer": str(caseworker.pk), "language": "fa",
        "interpreter_name": "The lawyer, fictional", "information_given": "Typed information", "record": "A long typed record",
        "confirmation": "confirmed",
    }
    for headers in ({}, HTMX):
        body = client.post(reverse("assessments:section_save", args=[assessment.pk, "interviews"]), data, **headers).content.decode()
        assert "Nothing was saved" in body
        assert "a legal representative cannot interpret" in body
        assert "A long typed record" in body and "The lawyer, fictional" in body
    assert not assessment.interviews.exists()


@pytest.mark.django_db
def test_a_finding_cell_opens_its_form_and_saves(client, caseworker, person):
    assessment = builders.start(assessor=caseworker, person=person)
    client.force_login(caseworker)
    url = reverse("assessments:finding_edit", args=[assessment.pk, "IR", "torture"])
    panel = client.get(url, **HTMX).content.decode()
    assert "Torture in Iran" in panel and "<html" not in panel
    body = client.post(url, {"outcome": "real_risk", "reasons": ""}, **HTMX).content.decode()
    assert "Write the reasons for this finding." in body
    client.post(url, {"outcome": "real_risk", "reasons": "Fictional reasons", "feared_actor": "state"}, **HTMX)
    finding = assessment.findings.get()
    assert finding.outcome == "real_risk" and str(finding.country) == "IR"
    assert Flag.objects.filter(rule="real_risk_torture_death", person=person).exists()


@pytest.mark.django_db
def test_each_matrix_cell_links_to_its_finding_and_says_what_it_holds(client, caseworker, supervisor, person):
    from assessments.models import RiskType

    RiskType.objects.create(code="odd", name='Fictional "risk" <b>&</b>', position=99)
    assessment = builders.start(assessor=caseworker, person=person)
    services.finding_save(
        actor=caseworker, assessment=assessment, country="TR", risk_type=RiskType.objects.get(code="torture"),
        data={"outcome": "real_risk", "reasons": "Fictional reasons.", "feared_actor": "state"},
    )
    url = reverse("assessments:finding_edit", args=[assessment.pk, "TR", "torture"])
    client.force_login(caseworker)
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert (
        f'<td><a href="{url}" hx-get="{url}" hx-target="#finding-panel" hx-swap="innerHTML" '
        f'aria-label="Torture in TR: Real risk. Edit"><span class="badge text-bg-danger">Real risk</span></a></td>'
    ) in page
    assert 'aria-label="Torture in IR: not assessed. Edit"' in page
    assert 'aria-label="Fictional &quot;risk&quot; &lt;b&gt;&amp;&lt;/b&gt; in IR: not assessed. Edit"' in page
    assert "<b>&</b>" not in page
    client.force_login(supervisor)  # not the assessor: may look, not edit
    assert 'aria-label="Torture in TR: Real risk. View"' in client.get(assessment.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_evidence_upload_of_a_real_pdf_and_refusal_of_a_disguised_program(client, caseworker, person, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    assessment = builders.start(assessor=caseworker, person=person)
    client.force_login(caseworker)
    url = reverse("assessments:section_save", args=[assessment.pk, "evidence"])
    base = {"kind": "medical", "title": "Fictional medical report", "source": "Fictional clinic", "reliability": "high",
            "corroboration": "partly", "ic-TOTAL_FORMS": "2", "ic-INITIAL_FORMS": "0",
            "ic-0-finding": "Scars on both wrists", "ic-0-alleged_cause": "suspension", "ic-0-degree": "highly_consistent"}
    bad = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")
    body = client.post(url, {**base, "upload": bad}).content.decode()
    assert "This file is a program, not a document, and was refused." in body
    assert not assessment.evidence.exists()
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%fictional\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf")
    client.post(url, {**base, "upload": pdf})
    evidence = assessment.evidence.get()
    assert evidence.original_filename == "report.pdf" and not evidence.file.name.endswith("report.pdf")
    assert evidence.consistencies.get().degree == "highly_consistent"


@pytest.mark.django_db
def test_submit_is_refused_with_the_missing_list_then_accepted(client, caseworker, person):
    assessment = builders.start(assessor=caseworker, person=person)
    client.force_login(caseworker)
    body = client.post(reverse("assessments:assessment_submit", args=[assessment.pk]), follow=True).content.decode()
    assert "Not submitted: the checklist still lists what is missing." in body
    assert "There is no conclusion with reasons." in body
    builders.fill(assessment, assessor=caseworker)
    body = client.post(reverse("assessments:assessment_submit", args=[assessment.pk]), follow=True).content.decode()
    assert f"Assessment {assessment.reference} submitted for review." in body
    assert "It cannot be edited while it is being reviewed." in body


# ---------------------------------------------------------------------------------------------------------
# Review


@pytest.mark.django_db
def test_supervisor_approves_from_the_queue(client, caseworker, supervisor, person):
    assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    services.assessment_submit(actor=caseworker, assessment=assessment)
    client.force_login(supervisor)
    queue = client.get(reverse("assessments:review_queue")).content.decode()
    assert f"Review {assessment.reference}" in queue
    response = client.post(reverse("assessments:assessment_review", args=[assessment.pk]), {"decision": "approved", "comments": ""}, follow=True)
    assert f"Assessment {assessment.reference} approved." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == "approved" and assessment.approved_by == supervisor


@pytest.mark.django_db
def test_returning_needs_comments_and_the_caseworker_sees_them(client, caseworker, supervisor, person):
    assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    services.assessment_submit(actor=caseworker, assessment=assessment)
    client.force_login(supervisor)
    url = reverse("assessments:assessment_review", args=[assessment.pk])
    assert "Say what needs to change" in client.post(url, {"decision": "returned", "comments": " "}).content.decode()
    client.post(url, {"decision": "returned", "comments": "Add country information on Turkey (fictional)."})
    client.force_login(caseworker)
    work = client.get(reverse("assessments:my_work")).content.decode()
    returned = work.split('id="h-returned"', 1)[1].split("</section>", 1)[0]
    reviewer = supervisor.get_full_name() or supervisor.username
    assert f'<a href="{assessment.get_absolute_url()}">{assessment.reference}: {person.full_name_latin}</a>' in returned
    assert f"<strong>{reviewer}:</strong> Add country information on Turkey (fictional).</p>" in returned
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Returned by" in page and "Add country information on Turkey" in page


@pytest.mark.django_db
def test_the_header_offers_exactly_what_the_services_allow(client, team, caseworker, person):
    """A supervisor who is only a member of the team is not offered a review the service would refuse; the
    assessor of a submitted assessment is offered its withdrawal, which the service allows."""
    from core import roles
    from tests.factories import UserFactory

    member = UserFactory(username="sup_member_only", role=roles.SUPERVISOR)
    team.members.add(member)
    assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    services.assessment_submit(actor=caseworker, assessment=assessment)
    client.force_login(member)
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Review this assessment" not in page
    review = client.get(reverse("assessments:assessment_review", args=[assessment.pk])).content.decode()
    assert "You can only review assessments of the teams you supervise." in review and 'name="decision"' not in review
    client.force_login(caseworker)
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert ">Withdraw</a>" in page and ">Reopen</a>" not in page


@pytest.mark.django_db
def test_a_supervisors_own_assessment_is_not_offered_for_approval(client, supervisor, person):
    assessment = builders.fill(builders.start(assessor=supervisor, person=person), assessor=supervisor)
    services.assessment_submit(actor=supervisor, assessment=assessment)
    client.force_login(supervisor)
    assert assessment.reference not in client.get(reverse("assessments:review_queue")).content.decode()
    page = client.get(reverse("assessments:assessment_review", args=[assessment.pk])).content.decode()
    assert "You wrote this assessment: another supervisor must review it." in page
    assert 'name="decision"' not in page
    client.post(reverse("assessments:assessment_review", args=[assessment.pk]), {"decision": "approved"})
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"


# ---------------------------------------------------------------------------------------------------------
# The decision page


@pytest.mark.django_db
def test_decision_page_lists_every_reason_with_links_and_offers_only_barred_or_postponed(client, decider, person):
    services.proposal_create(actor=decider, person=person, measure="deportation", destination="IR", transit_countries=["TR"],
                             proposed_by="Fictional ministry", planned_date=timezone.localdate() + datetime.timedelta(days=5))
    client.force_login(decider)
    body = client.get(reverse("assessments:decision", args=[person.pk])).content.decode()
    assert "Removal cannot be authorised:" in body
    assert "No assessment covers the route Türkiye → Iran as proposed" in body
    assert reverse("assessments:assessment_start", args=[person.pk]) in body
    assert 'value="authorised"' not in body and 'value="barred"' in body
    response = client.post(reverse("assessments:decision", args=[person.pk]),
                           {"outcome": "postponed", "decided_on": "2026-06-01", "reasons": "Awaiting assessment (fictional)."}, follow=True)
    assert "Decision recorded: Removal postponed." in response.content.decode()


@pytest.mark.django_db
def test_decision_page_allows_authorisation_when_the_gate_is_open(client, caseworker, supervisor, decider, person):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person, today=timezone.localdate())
    client.force_login(decider)
    url = reverse("assessments:decision", args=[person.pk]) + "?measure=deportation&destination=IR&transit_1=TR"
    body = client.get(url).content.decode()
    assert "Removal can be authorised." in body and 'value="authorised"' in body
    client.post(url, {"measure": "deportation", "destination": "IR", "transit_1": "TR", "outcome": "authorised",
                      "decided_on": timezone.localdate().isoformat(), "reasons": "Fictional reasons."})
    assert RemovalDecision.objects.get().outcome == "authorised"


@pytest.mark.django_db
def test_a_caseworker_sees_the_gate_but_no_form(client, caseworker, person):
    client.force_login(caseworker)
    body = client.get(reverse("assessments:decision", args=[person.pk]) + "?measure=deportation&destination=IR").content.decode()
    assert "Removal cannot be authorised:" in body
    assert "Your role cannot record removal decisions" in body


# ---------------------------------------------------------------------------------------------------------
# Flags, consent


@pytest.mark.django_db
def test_consent_under_pressure_is_refused_with_the_reason_and_not_recorded(client, caseworker, person):
    from assessments.models import VoluntaryReturnConsent

    client.force_login(caseworker)
    page = client.post(reverse("assessments:consent_record", args=[person.pk]), {
        "destination": "IR", "given_on": "2026-11-01", "language": "Farsi", "conditions_explained": "Fictional briefing.",
        "safe_setting_confirmed": "on",  # no_pressure_confirmed left out
    }).content.decode()
    assert "Consent counts only if no pressure was applied and the setting was safe" in page
    assert not VoluntaryReturnConsent.objects.exists()


@pytest.mark.django_db
def test_raise_and_resolve_a_flag_with_a_note(client, caseworker, supervisor, person):
    client.force_login(caseworker)
    client.post(reverse("assessments:flag_raise", args=[person.pk]),
                {"category": "appeal_pending", "reason": "Appeal lodged (fictional)", "severity": "3", "blocks_removal": "on"})
    flag = Flag.objects.get(person=person)
    assert flag.blocks_removal and flag.raised_by == caseworker
    client.force_login(supervisor)
    url = reverse("assessments:flag_resolve", args=[flag.pk])
    assert "This field is required." in client.post(url, {"note": ""}).content.decode()
    client.post(url, {"note": "Appeal dismissed (fictional)."})
    flag.refresh_from_db()
    assert flag.resolution_note == "Appeal dismissed (fictional)." and flag.resolved_by == supervisor


# ---------------------------------------------------------------------------------------------------------
# Scope: every page of a person outside the scope is 404


@pytest.mark.django_db
def test_every_case_page_of_an_out_of_scope_person_is_404(client, caseworker, supervisor, other_caseworker, other_supervisor, person):
    assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    flag = services.flag_raise(actor=caseworker, person=person, reason="Fictional")
    urls = [
        reverse("assessments:assessment_detail", args=[assessment.pk]),
        reverse("assessments:assessment_review", args=[assessment.pk]),
        reverse("assessments:finding_edit", args=[assessment.pk, "IR", "torture"]),
        reverse("assessments:assessment_action", args=[assessment.pk, "reopen"]),
        reverse("assessments:proposal_create", args=[person.pk]),
        reverse("assessments:assessment_start", args=[person.pk]),
        reverse("assessments:flag_raise", args=[person.pk]),
        reverse("assessments:consent_record", args=[person.pk]),
        reverse("assessments:decision", args=[person.pk]),
        reverse("assessments:flag_resolve", args=[flag.pk]),
    ]
    client.force_login(other_supervisor)
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.force_login(supervisor)
    for url in urls:
        assert client.get(url).status_code == 200, url


# ---------------------------------------------------------------------------------------------------------
# Query budgets: 5 rows and 50 rows cost the same


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["review_queue", "my_work", "dashboard"])
def test_list_pages_keep_their_query_budget(client, team, caseworker, supervisor, page, django_assert_max_num_queries):
    user = caseworker if page == "my_work" else supervisor
    status = "draft" if page == "my_work" else "submitted"
    client.force_login(user)
    url = reverse(f"assessments:{page}")
    fast_assessments(team, caseworker, 5, status=status)
    small = _count(client, url)
    fast_assessments(team, caseworker, 45, status=status)  # rows written directly, as a bulk load would
    _counts_older_than_a_minute()  # …so the dashboard counts them again, as it would a minute later
    with django_assert_max_num_queries(20):
        large = _count(client, url)
    if page != "dashboard":  # the rows counted are shown: all 50 flags in the queue, the 25 most urgent in my work
        assert client.get(url).content.decode().count("Fictional flag") == (25 if page == "my_work" else 50)
    # Never more with more rows; my work skips its fill-up query once enough of the people are urgent.
    assert large == small if page != "my_work" else large in (small, small - 1)


@pytest.mark.django_db
def test_the_editor_keeps_its_query_budget_with_5_and_50_evidence_items(client, caseworker, person, django_assert_max_num_queries):
    assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    client.force_login(caseworker)

    def add(n):
        for i in range(n):
            services.evidence_add(actor=caseworker, assessment=assessment, data={"kind": "coi", "title": f"Report {i}", "source": "NGO"})

    add(5)
    small = _count(client, assessment.get_absolute_url())
    add(45)
    with django_assert_max_num_queries(40):
        large = _count(client, assessment.get_absolute_url())
    assert large == small


@pytest.mark.django_db
def test_the_profile_keeps_its_query_budget_with_5_and_50_case_records(client, caseworker, person, django_assert_max_num_queries):
    client.force_login(caseworker)

    def add(n):
        for i in range(n):
            services.flag_raise(actor=caseworker, person=person, reason=f"Fictional flag {i}")
            services.proposal_create(actor=caseworker, person=person, measure="deportation", destination="IR", transit_countries=[],
                                     proposed_by="Fictional", planned_date=None)

    add(5)
    small = _count(client, person.get_absolute_url())
    add(45)
    with django_assert_max_num_queries(PROFILE_BUDGET):
        large = _count(client, person.get_absolute_url())
    assert large == small


@pytest.mark.django_db
def test_the_decision_page_keeps_its_query_budget(client, caseworker, supervisor, decider, person, django_assert_max_num_queries):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person, today=timezone.localdate())
    client.force_login(decider)
    url = reverse("assessments:decision", args=[person.pk]) + "?measure=deportation&destination=IR&transit_1=TR"

    def add(n):
        for i in range(n):
            services.flag_raise(actor=caseworker, person=person, reason=f"Fictional blocking flag {i}", blocks_removal=True)
            services.proposal_create(actor=caseworker, person=person, measure="deportation", destination="IR", transit_countries=[],
                                     proposed_by="Fictional", planned_date=None)

    add(5)
    small = _count(client, url)
    add(45)
    with django_assert_max_num_queries(25):
        large = _count(client, url)
    assert large == small


@pytest.mark.django_db
def test_dashboard_counts_what_a_supervisor_reads(client, caseworker, supervisor, decider, person):
    builders.approved(assessor=caseworker, reviewer=supervisor, person=person, outcomes={("IR", "torture"): "real_risk"},
                      today=timezone.localdate())
    services.removal_decision_record(actor=decider, person=person, measure="deportation", destination="IR", transit_countries=["TR"],
                                     outcome="barred", reasons="Fictional.")
    client.force_login(supervisor)
    body = client.get(reverse("assessments:dashboard")).content.decode()
    assert '<svg' in body and 'role="img"' in body
    assert '<th scope="row" class="fw-normal">Torture</th><td class="text-end">1</td>' in body
    assert '<th scope="row" class="fw-normal">Removal barred</th><td class="text-end">1</td>' in body


def _counts_older_than_a_minute() -> None:
    from assessments.caseload_counts import FRESH_SECONDS
    from assessments.models import CaseloadRefresh

    CaseloadRefresh.objects.update(refreshed_at=timezone.now() - datetime.timedelta(seconds=FRESH_SECONDS + 1))


@pytest.mark.django_db
def test_dashboard_counts_are_stored_per_team_and_follow_every_write(client, caseworker, supervisor, person):
    from assessments.models import CaseloadCount, CaseloadRefresh

    client.force_login(supervisor)
    url = reverse("assessments:dashboard")
    first = _count(client, url)
    stored = _count(client, url)
    assert stored < first  # the second visit adds up the stored counts instead of counting the caseload
    services.flag_raise(actor=caseworker, person=person, reason="Fictional flag for the dashboard")
    assert CaseloadRefresh.objects.get(team=person.owning_team).stale  # the flag's trigger marked the team
    other = '<th scope="row" class="fw-normal">Other</th><td class="text-end">1</td>'
    assert other in client.get(url).content.decode()  # counted again before the page was drawn
    assert CaseloadCount.objects.get(team=person.owning_team, chart="flag").n == 1
    assert not CaseloadRefresh.objects.get(team=person.owning_team).stale


@pytest.mark.django_db
def test_dashboard_counts_removals_without_a_current_assessment_by_how_soon_they_are_planned(
    client, caseworker, supervisor, other_caseworker, team, other_team
):
    today = timezone.localdate()
    for days in (-3, 5, 10, 20, 60, 61):
        person = PersonFactory(owning_team=team)
        proposal = services.proposal_create(
            actor=caseworker, person=person, measure="deportation", destination="IR", transit_countries=["TR"],
            proposed_by="Fictional ministry", planned_date=today + datetime.timedelta(days=max(days, 1)),
        )
        RemovalProposal.objects.filter(pk=proposal.pk).update(planned_date=today + datetime.timedelta(days=days))
    elsewhere = PersonFactory(owning_team=other_team)  # another team's removal: not this supervisor's chart
    services.proposal_create(
        actor=other_caseworker, person=elsewhere, measure="deportation", destination="IR", transit_countries=["TR"],
        proposed_by="Fictional ministry", planned_date=today + datetime.timedelta(days=5),
    )
    client.force_login(supervisor)
    body = client.get(reverse("assessments:dashboard")).content.decode()
    for label in ("Overdue", "Within 7 days", "In 8–14 days", "In 15–30 days"):
        assert f'<th scope="row" class="fw-normal">{label}</th><td class="text-end">1</td>' in body, label


@pytest.mark.django_db
def test_review_queue_rows_show_each_column_and_escape_what_was_typed(client, caseworker, supervisor, person):
    proposal = services.proposal_create(
        actor=caseworker, person=person, measure="deportation", destination="IR", transit_countries=["TR"],
        proposed_by="Fictional ministry", planned_date=timezone.localdate() + datetime.timedelta(days=5),
    )
    assessment = builders.fill(builders.start(assessor=caseworker, person=person, proposal=proposal), assessor=caseworker)
    services.assessment_submit(actor=caseworker, assessment=assessment)
    flag = services.flag_raise(actor=caseworker, person=person, reason="Fictional <b>bold</b> & worry", severity=4)
    client.force_login(supervisor)
    body = client.get(reverse("assessments:review_queue")).content.decode()
    row = body.split(f'<a href="{reverse("assessments:assessment_review", args=[assessment.pk])}">Review {assessment.reference}</a>', 1)[1]
    row = row.split("</tr>", 1)[0]
    assert f"{person.full_name_latin} <span" in row and f"{person.reference} · Field Team A" in row
    assert "Türkiye → Iran" in row or "Turkey → Iran" in row
    assert "5 days left" in row and (caseworker.get_full_name() or caseworker.username) in row
    assert "Fictional &lt;b&gt;bold&lt;/b&gt; &amp; worry" in body and "<b>bold</b>" not in body
    assert f'href="{reverse("assessments:flag_resolve", args=[flag.pk])}"' in body


@pytest.mark.django_db
def test_my_work_rows_show_each_column_and_escape_what_was_typed(client, caseworker, team):
    today = timezone.localdate()
    person = PersonFactory(owning_team=team, assigned_caseworker=caseworker, full_name_latin="Fictional <i>Amir</i>")
    waiting = services.proposal_create(
        actor=caseworker, person=person, measure="deportation", destination="IR", transit_countries=["TR"],
        proposed_by="Fictional ministry", planned_date=today + datetime.timedelta(days=3),
    )
    other = PersonFactory(owning_team=team, assigned_caseworker=caseworker, full_name_latin="Fictional Sara")
    assessed = services.proposal_create(
        actor=caseworker, person=other, measure="deportation", destination="IR", transit_countries=[],
        proposed_by="Fictional ministry", planned_date=today + datetime.timedelta(days=20),
    )
    draft = builders.start(assessor=caseworker, person=other, proposal=assessed, transit=())
    client.force_login(caseworker)
    body = client.get(reverse("assessments:my_work")).content.decode()
    assert "<i>Amir</i>" not in body and "Fictional &lt;i&gt;Amir&lt;/i&gt;" in body
    start = f'{reverse("assessments:assessment_start", args=[person.pk])}?proposal={waiting.pk}'
    assert f'<a href="{start}">Start the assessment<span class="visually-hidden"> for Fictional &lt;i&gt;Amir&lt;/i&gt;</span></a>' in body
    assert "3 days left" in body and "20 days left" in body
    assert f'<a href="{draft.get_absolute_url()}">{draft.reference}</a>' in body and "Draft" in body
    assigned = body.split('id="h-assigned"', 1)[1].split("</table>", 1)[0]
    assert assigned.index("Fictional &lt;i&gt;Amir") < assigned.index("Fictional Sara")  # the nearest removal first

    # An open flag: severity, the person, what was typed (escaped), and the link to resolve it (caseworkers may).
    flag = services.flag_raise(actor=caseworker, person=person, reason="Fictional <b>worry</b> & more", severity=4)
    flags = client.get(reverse("assessments:my_work")).content.decode().split('id="h-myflags"', 1)[1]
    assert (
        f'<li class="mb-1"><span class="badge text-bg-danger">Critical</span> <a href="{person.get_absolute_url()}">'
        f'Fictional &lt;i&gt;Amir&lt;/i&gt;</a>: Fictional &lt;b&gt;worry&lt;/b&gt; &amp; more '
        f'<a class="small" href="{reverse("assessments:flag_resolve", args=[flag.pk])}">Resolve'
    ) in flags
