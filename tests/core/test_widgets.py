"""The menus drawn by our templates (core.widgets) must say what Django's own would: one selected option, escaped labels, and a
country field that accepts real countries only."""

from __future__ import annotations

import re

from django import forms

from assessments.forms import RouteForm
from core.widgets import Select


def selected_values(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected>', html)


def test_a_route_form_shows_the_saved_route_selected_once_per_menu():
    form = RouteForm(initial={"destination": "IR", "transit_1": "TR"})
    destination, transit_1, transit_2 = (str(form[name]) for name in ("destination", "transit_1", "transit_2"))
    # Iran is listed twice (countries in use first, then all): only the first is marked, as Django does.
    assert destination.count('<option value="IR"') == 2
    assert selected_values(destination) == ["IR"]
    assert selected_values(transit_1) == ["TR"]
    assert selected_values(transit_2) == [""]
    assert '<option value="" selected>None</option>' in transit_2
    assert ">Côte d&#39;Ivoire</option>" in destination  # names are escaped like any label
    # A required menu says so to the browser (its first option is the blank one); an optional one does not.
    assert destination.split(">", 1)[0].endswith(" required") and "required" not in transit_1.split(">", 1)[0]


def test_a_route_form_refuses_an_unknown_country_and_accepts_a_real_one():
    bad = RouteForm(data={"destination": "XX", "transit_1": "TR"})
    assert not bad.is_valid()
    assert "Select a valid choice" in bad.errors["destination"][0]
    good = RouteForm(data={"destination": "IR", "transit_1": "TR"})
    assert good.is_valid(), good.errors
    assert good.route() == ("IR", ["TR"])
    missing = RouteForm(data={"transit_1": "TR"})
    assert not missing.is_valid() and "destination" in missing.errors


def test_select_escapes_labels_and_marks_one_option():
    field = forms.ChoiceField(choices=[("a", "<b>A</b>"), ("b", "B"), ("b", "B again")], widget=Select)
    html = field.widget.render("x", "b")
    assert "&lt;b&gt;A&lt;/b&gt;" in html and "<b>" not in html
    assert selected_values(html) == ["b"]


def test_the_menus_separator_is_no_country():
    from core.countries import country_name, is_country

    assert country_name("") == "" and not is_country("")
    assert country_name("IR") == "Iran" and country_name("XX") == "XX"
