"""The whole story in a real browser, driven by labels and roles as people use it.

A caseworker registers a person, a removal is proposed, the decision page shows it blocked with reasons,
she files the assessment (interview, evidence, findings for the destination and a transit country,
conclusion), the checklist empties, she submits; a supervisor approves from the queue; the decision page
then allows authorisation only where no risk was found and shows "barred" where risk was found; the
dashboard counts change. Also: a returned assessment round trip, a validation error that keeps the typed
input, and the keyboard alone.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments import services
from assessments.models import Assessment, RiskType
from tests.assessments import builders

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "a-long-test-password"
RISKS = ("torture", "persecution", "onward_refoulement")  # the taxonomy an administrator kept active for this office


@pytest.fixture(autouse=True)
def short_taxonomy(reference_data):
    RiskType.objects.exclude(code__in=RISKS).update(is_active=False)


def exactly(text: str) -> re.Pattern:
    """A label exactly `text`, allowing the asterisk crispy forms adds to required fields."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def _accessible(browsing, name: str) -> None:
    browsing.screenshot(name)
    violations = browsing.axe_violations()
    assert violations == [], f"{name}: {violations}"


def _dashboard_numbers(page) -> dict[str, str]:
    rows = page.locator("table tbody tr").all()
    numbers = {}
    for row in rows:
        header = row.locator("th")
        if header.count():
            numbers[header.inner_text().strip()] = row.locator("td").last.inner_text().strip()
    return numbers


def nav(page, name: str):
    """A link of the main navigation bar."""
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def _record_finding(page, country: str, risk: str, outcome: str, reasons: str = "Fictional reasons.") -> None:
    page.get_by_role("link", name=re.compile(rf"^{re.escape(risk)} in {country}: ")).click()
    panel = page.locator("#finding-panel")
    panel.get_by_label(outcome, exact=True).check()
    panel.get_by_label("Reasons").fill(reasons)
    panel.get_by_role("button", name="Save the finding").click()
    # Wait for this save's own answer: the cell now reads the new outcome.
    expect(page.get_by_role("link", name=re.compile(rf"^{re.escape(risk)} in {country}: {outcome}\."))).to_be_visible()


def test_the_whole_story(browsing, team, caseworker, supervisor, decider):
    page = browsing.login(caseworker, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    _accessible(browsing, "01-home-caseworker")

    # Register a person.
    nav(page, "People").click()
    _accessible(browsing, "02-person-list")
    page.get_by_role("link", name="Register a person").click()
    page.get_by_label("Full name (Latin script)").fill("Fictional Dariush Tabrizi")
    page.get_by_label("Full name (original script)").fill("داریوش تبریزی")
    page.get_by_label("Date of birth").fill("1971")
    page.get_by_label("Nationality").select_option("IR")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("Registered Fictional Dariush Tabrizi")

    # A removal is proposed.
    page.get_by_role("link", name="Record a proposed removal").click()
    page.get_by_label("Kind of measure").select_option("deportation")
    page.get_by_label("Destination country").select_option("IR")
    page.get_by_label("Transit country 1").select_option("TR")
    page.get_by_label("Proposed by").fill("Ministry of the Interior (fictional)")
    page.get_by_label("Planned date").fill((timezone.localdate() + datetime.timedelta(days=20)).isoformat())
    page.get_by_role("button", name="Record the proposal").click()
    expect(page.locator("#messages")).to_contain_text("Removal proposal recorded")
    _accessible(browsing, "03-person-profile")

    # The decision page shows it blocked, with the reason and a link to what fixes it.
    page.get_by_role("link", name=re.compile(r"^Decision page")).click()
    refusal = page.get_by_role("alert").filter(has_text="Removal cannot be authorised:")
    expect(refusal).to_contain_text("No assessment covers the route Türkiye → Iran as proposed")
    _accessible(browsing, "04-decision-blocked")
    refusal.get_by_role("link", name="What to do").first.click()
    page.get_by_role("button", name="Start the assessment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Assessment A-")
    checklist = page.get_by_role("complementary", name="Completeness checklist")
    expect(checklist).to_contain_text("No interview is recorded")

    # The interview.
    interviews = page.get_by_role("region", name="2. Interviews")
    interviews.get_by_text("Record an interview").click()
    interviews.get_by_label(exactly("Date")).fill("2026-05-02")
    interviews.get_by_label("Place").fill("Fictional field office")
    interviews.get_by_label("Language").select_option("fa")
    interviews.get_by_label(exactly("Interpreter")).fill("Fictional interpreter")
    interviews.get_by_label("The interpreter is not the person's legal representative").check()
    interviews.get_by_label("Information given to the person").fill("The procedure, confidentiality and the right to counsel.")
    interviews.get_by_label("Record of the interview").fill("Fictional record: arrested in 1999 for leaflets.")
    interviews.get_by_label("Read back and confirmed").select_option("confirmed")
    interviews.get_by_role("button", name="Save the interview").click()
    expect(page.locator("#messages")).to_contain_text("Interview saved.")
    expect(checklist).not_to_contain_text("No interview is recorded")

    # Evidence.
    evidence = page.get_by_role("region", name="3. Evidence")
    evidence.get_by_text("Add evidence").click()
    evidence.get_by_label("Type").select_option("coi")
    evidence.get_by_label("Title").fill("Fictional country report")
    evidence.get_by_label(exactly("Source")).fill("Fictional NGO")
    evidence.get_by_role("button", name="Add the evidence").click()
    expect(page.locator("#messages")).to_contain_text("Evidence added.")
    expect(evidence).to_contain_text("Fictional country report")

    # Findings for the transit country and the destination: a real risk of torture in Iran.
    for country in ("TR", "IR"):
        for code in RISKS:
            name = RiskType.objects.get(code=code).name
            outcome = "Real risk" if (country, code) == ("IR", "torture") else "No real risk"
            _record_finding(page, country, name, outcome)
    conclusion = page.get_by_role("region", name="6. Conclusion")
    conclusion.get_by_label("Real risk found on the route").check()
    conclusion.get_by_label("Reasons").fill("Fictional: real risk of torture in Iran; Türkiye safe for transit.")
    conclusion.get_by_role("button", name="Save the conclusion").click()
    expect(page.locator("#messages")).to_contain_text("Conclusion saved.")
    declaration = page.get_by_role("region", name="7. Declaration of independence")
    declaration.get_by_label("I am not involved in the decision on this person's removal.").check()
    declaration.get_by_label("I have no conflict of interest in this case.").check()
    declaration.get_by_role("button", name="Save the declaration").click()
    expect(checklist).to_contain_text("Complete. Nothing is missing.")
    _accessible(browsing, "05-assessment-editor")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#messages")).to_contain_text("submitted for review")
    nav(page, "My work").click()
    _accessible(browsing, "06-my-work")
    browsing.logout()

    # The supervisor approves from the queue; the dashboard counts change.
    page = browsing.login(supervisor, PASSWORD)
    nav(page, "Dashboard").click()
    before = _dashboard_numbers(page)
    nav(page, "Review queue").click()
    _accessible(browsing, "07-review-queue")
    page.get_by_role("link", name=re.compile(r"^Review A-")).click()
    _accessible(browsing, "08-review-page")
    page.get_by_label("Approved").check()
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator("#messages")).to_contain_text("approved")
    nav(page, "Dashboard").click()
    after = _dashboard_numbers(page)
    assert int(after["Approved"]) == int(before.get("Approved", 0)) + 1
    assert int(after["Submitted for review"]) == int(before["Submitted for review"]) - 1
    assert after.get("Torture") == "1"
    _accessible(browsing, "09-dashboard")
    browsing.logout()

    # An independent decider: barred on the route through Iran; removal to Türkiye alone, a transit country of
    # the assessed route, needs an assessment of its own (its risks as a destination were never assessed).
    page = browsing.login(decider, PASSWORD)
    page.get_by_label("Find a person by name or number").fill("Dariush Tabrizi")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Fictional Dariush Tabrizi").click()
    page.get_by_role("link", name="Removal decision page").click()
    refusal = page.get_by_role("alert").filter(has_text="Removal cannot be authorised:")
    expect(refusal).to_contain_text(re.compile(r"Iran: assessment A-\d+ found a real risk of “Torture”"))
    expect(page.get_by_label("Removal authorised")).to_have_count(0)
    page.get_by_label("Removal barred").check()
    page.get_by_label("Reasons").fill("Real risk of torture in Iran (fictional).")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#messages")).to_contain_text("Decision recorded: Removal barred.")

    # The automatic flag for a real risk of torture blocks every removal of the person until a supervisor
    # has looked at it; resolving it needs a note.
    page.get_by_role("link", name="Resolve", exact=False).first.click()
    page.get_by_role("button", name="Resolve the flag").click()
    expect(page.locator("#form-errors")).to_contain_text("This field is required")
    page.get_by_label("Resolution note").fill("Removal to Iran barred by decision; a removal to Türkiye alone is considered separately (fictional).")
    page.get_by_role("button", name="Resolve the flag").click()
    expect(page.locator("#messages")).to_contain_text("Flag resolved.")
    page.get_by_role("link", name="Removal decision page").click()  # the proposal is decided: the page asks which route
    page.get_by_label("Kind of measure").select_option("deportation")
    page.get_by_label("Destination country").select_option("TR")
    page.get_by_role("button", name="Check this route").click()
    refusal = page.get_by_role("alert").filter(has_text="Removal cannot be authorised:")
    expect(refusal).to_contain_text("No assessment covers the route Türkiye as proposed")
    expect(page.get_by_role("link", name="Start an assessment of this route")).to_be_visible()
    expect(page.get_by_label("Removal authorised")).to_have_count(0)
    _accessible(browsing, "10-decision-transit-country-as-destination")
    nav(page, "Dashboard").click()
    assert _dashboard_numbers(page)["Removal barred"] == "1"
    assert browsing.console_errors == []  # no script error, no Content-Security-Policy refusal
    assert browsing.failed_responses == []


def test_a_returned_assessment_round_trip(browsing, team, caseworker, supervisor, person):
    assessment = builders.fill(builders.start(assessor=caseworker, person=person), assessor=caseworker)
    services.assessment_submit(actor=caseworker, assessment=assessment)

    page = browsing.login(supervisor, PASSWORD)
    page.goto(browsing.base + f"/assessments/{assessment.pk}/review/")
    page.get_by_label("Returned with comments").check()
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator("#form-errors")).to_contain_text("Say what needs to change")
    page.get_by_label(exactly("Comments")).fill("Cite the source of the Turkish readmission statistics (fictional).")
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator("#messages")).to_contain_text("returned to")
    browsing.logout()

    page = browsing.login(caseworker, PASSWORD)
    nav(page, "My work").click()
    returned = page.get_by_role("region", name="Returned to me with comments")
    expect(returned).to_contain_text("Cite the source of the Turkish readmission statistics")
    returned.get_by_role("link", name=re.compile(assessment.reference)).click()
    expect(page.get_by_role("alert")).to_contain_text("Returned by")
    conclusion = page.get_by_role("region", name="6. Conclusion")
    conclusion.get_by_label("Reasons").fill("Fictional: source now cited (UNHCR statistics, 2025).")
    conclusion.get_by_role("button", name="Save the conclusion").click()
    expect(page.locator("#messages")).to_contain_text("Conclusion saved.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#messages")).to_contain_text("submitted for review")
    browsing.logout()

    page = browsing.login(supervisor, PASSWORD)
    nav(page, "Review queue").click()
    page.get_by_role("link", name=f"Review {assessment.reference}").click()
    page.get_by_label("Approved").check()
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator("#messages")).to_contain_text("approved")
    assert Assessment.objects.get(pk=assessment.pk).status == "approved"


def test_a_validation_error_keeps_what_was_typed(browsing, caseworker, person):
    assessment = builders.start(assessor=caseworker, person=person)
    page = browsing.login(caseworker, PASSWORD)
    page.goto(browsing.base + assessment.get_absolute_url())
    conclusion = page.get_by_role("region", name="6. Conclusion")
    conclusion.get_by_label("Reasons").fill("Typed in the conclusion, not yet saved.")
    interviews = page.get_by_role("region", name="2. Interviews")
    interviews.get_by_text("Record an interview").click()
    interviews.get_by_label(exactly("Date")).fill("2026-05-02")
    interviews.get_by_label("Place").fill("Fictional office")
    interviews.get_by_label("Language").select_option("fa")
    interviews.get_by_label(exactly("Interpreter")).fill("The person's own lawyer")
    interviews.get_by_label("Record of the interview").fill("A long record typed with care.")
    interviews.get_by_role("button", name="Save the interview").click()
    errors = interviews.locator("#form-errors")
    expect(errors).to_contain_text("Nothing was saved")
    expect(errors).to_contain_text("a legal representative cannot interpret")
    expect(interviews.get_by_label("Record of the interview")).to_have_value("A long record typed with care.")
    # Saving one section never loses what was typed in another.
    expect(conclusion.get_by_label("Reasons")).to_have_value("Typed in the conclusion, not yet saved.")
    assert not assessment.interviews.exists()
    browsing.screenshot("11-validation-error")


def tab_to(page, target, limit: int = 400) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would; fail if it cannot be reached."""
    for _ in range(limit):
        if target.evaluate("e => e === document.activeElement"):
            return
        page.keyboard.press("Tab")
    expect(target).to_be_focused()  # fails, naming the element Tab never reached


def test_the_findings_matrix_works_with_the_keyboard_alone(browsing, caseworker, person):
    assessment = builders.start(assessor=caseworker, person=person)
    page = browsing.login(caseworker, PASSWORD)
    page.goto(browsing.base + assessment.get_absolute_url())
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    cell = page.get_by_role("link", name=re.compile(r"^Torture in IR: "))
    tab_to(page, cell)
    page.keyboard.press("Enter")
    panel = page.locator("#finding-panel")
    real_risk = panel.get_by_label("Real risk", exact=True)
    expect(real_risk).to_be_visible()
    tab_to(page, panel.get_by_role("radio").first)
    for _ in range(10):  # arrow keys move within a radio group
        if real_risk.evaluate("e => e === document.activeElement"):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(real_risk).to_be_checked()
    tab_to(page, panel.get_by_label("Reasons"))
    page.keyboard.type("Typed with the keyboard alone (fictional).")
    tab_to(page, panel.get_by_role("button", name="Save the finding"))
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("Finding saved")
    assert assessment.findings.get().outcome == "real_risk"
