"""Row links and dates written by the list pages' shortcuts must equal what Django itself writes."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from core.links import record_url

ROUTES = ["people:person_detail", "people:camp_detail", "assessments:assessment_detail", "assessments:assessment_review",
          "assessments:flag_resolve", "assessments:assessment_start"]


@pytest.mark.parametrize("name", ROUTES)
@pytest.mark.parametrize("pk", [1, 7, 918273, 123456789012])
def test_record_url_is_reverse(name, pk):
    assert record_url(name, pk) == reverse(name, args=[pk])


def test_record_url_follows_the_script_prefix():
    try:
        set_script_prefix("/cases/")
        assert record_url("people:person_detail", 5) == reverse("people:person_detail", args=[5])
        assert record_url("people:person_detail", 5).startswith("/cases/")
    finally:
        set_script_prefix("/")


def test_record_url_takes_numbers_only():
    with pytest.raises(ValueError):
        record_url("people:person_detail", "5/../../admin")
    with pytest.raises(NoReverseMatch):
        record_url("people:person_list", 5)  # a route that takes no number


def test_day_writes_dates_as_the_rest_of_the_app(settings):
    settings.TIME_ZONE = "Asia/Baghdad"
    template = Template('{{ d|day }} / {{ d|day:"short" }} / {{ t|day:"short" }} / {{ none|day }}.')
    late_utc = datetime.datetime(2026, 11, 8, 22, 30, tzinfo=datetime.UTC)  # already 9 November in Baghdad
    out = template.render(Context({"d": datetime.date(2026, 11, 8), "t": late_utc, "none": None}))
    assert out == "8 November 2026 / 8 Nov 2026 / 9 Nov 2026 / ."
