"""The badges of list pages: what a caseworker reads at a glance next to a planned removal, a flag or a finding."""

import pytest

from django.template import engines


BADGE = '{% if b %}<span class="badge {{ b.css }}">{{ b.text }}</span>{% endif %}'


def _render(filter_name: str, value, after: str = "") -> str:
    """The badge as the list templates write it."""
    source = "{% with b=value|" + filter_name + " %}" + BADGE + "{% endwith %}" + after
    return engines["django"].from_string(source).render({"value": value})


def days_left_badge(days):
    return _render("days_left_badge", days)


def severity_badge(flag):
    return _render("severity_badge", flag, '{% if value.blocks_removal %} <span class="badge text-bg-dark">blocks removal</span>{% endif %}')


def outcome_badge(outcome):
    return _render("outcome_badge", outcome)


@pytest.mark.parametrize(
    ("days", "text", "colour"),
    [
        (-1, "overdue by 1 day", "text-bg-danger"),
        (-12, "overdue by 12 days", "text-bg-danger"),
        (0, "today", "text-bg-danger"),
        (1, "1 day left", "text-bg-danger"),
        (7, "7 days left", "text-bg-danger"),
        (8, "8 days left", "text-bg-warning"),
        (14, "14 days left", "text-bg-warning"),
        (15, "15 days left", "text-bg-light"),
    ],
)
def test_days_left_reads_as_a_person_would_say_it_and_turns_red_within_a_week(days, text, colour):
    html = days_left_badge(days)
    assert f">{text}</span>" in html
    assert colour in html


def test_no_planned_date_shows_no_badge():
    assert days_left_badge(None) == ""


class _Flag:
    def __init__(self, severity, blocks):
        self.severity, self.blocks_removal = severity, blocks

    def get_severity_display(self):
        return {2: "Medium", 4: "Critical"}[self.severity]


def test_a_blocking_flag_says_so_beside_its_severity():
    assert "blocks removal" in severity_badge(_Flag(4, True))
    assert "text-bg-danger" in severity_badge(_Flag(4, True))
    assert "blocks removal" not in severity_badge(_Flag(2, False))


def test_outcome_badges_name_the_finding_and_an_unassessed_cell():
    assert ">Real risk<" in outcome_badge("real_risk") and "text-bg-danger" in outcome_badge("real_risk")
    assert ">Not assessed<" in outcome_badge("")


def test_what_a_name_or_label_holds_is_escaped_in_the_badge():
    flag = _Flag(2, False)
    flag.get_severity_display = lambda: "<b>Medium</b>"
    assert "&lt;b&gt;Medium&lt;/b&gt;" in severity_badge(flag)
