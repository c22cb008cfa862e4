"""{% crispy_blank %}: a blank form's rendering is kept, and is what {% crispy %} renders; a bound one is not."""

from __future__ import annotations

from django.template import engines

from assessments.forms import ReviewForm

CRISPY = engines["django"].from_string("{% load crispy_forms_tags %}{% crispy form %}")
BLANK = engines["django"].from_string("{% crispy_blank form %}")


def test_the_blank_review_form_is_what_crispy_renders_every_time(rf):
    request = rf.get("/")
    expected = CRISPY.render({"form": ReviewForm()}, request)
    assert 'name="decision"' in expected and 'name="comments"' in expected
    assert BLANK.render({"form": ReviewForm()}, request) == expected
    assert BLANK.render({"form": ReviewForm()}, request) == expected  # the kept rendering


def test_a_bound_form_is_rendered_with_what_was_typed_and_its_errors(rf):
    request = rf.get("/")
    BLANK.render({"form": ReviewForm()}, request)
    bound = ReviewForm({"decision": "", "comments": "Fictional <typed> comment"})
    assert not bound.is_valid()
    page = BLANK.render({"form": bound}, request)
    assert page == CRISPY.render({"form": bound}, request)
    assert "This field is required." in page and "Fictional &lt;typed&gt; comment" in page
    assert BLANK.render({"form": ReviewForm()}, request) != page


def test_the_decision_form_is_kept_per_outcomes_offered_and_date(rf):
    import datetime

    from assessments.forms import DecisionForm

    request = rf.get("/")
    for allowed in (True, False, True):
        for day in (datetime.date(2026, 11, 27), datetime.date(2026, 11, 28)):
            form = DecisionForm(allowed=allowed, initial={"decided_on": day})
            kept = BLANK.render({"form": form}, request)
            assert kept == CRISPY.render({"form": DecisionForm(allowed=allowed, initial={"decided_on": day})}, request)
            assert ('value="authorised"' in kept) == allowed and day.isoformat() in kept
