"""Select menus drawn by one Jinja2 template each (jinja2/core/widgets/), the options written by the template's
loop: Django's own Select renders every option through a template of its own, which for a menu of 265
countries took about 12 ms. Options carry no attributes of their own."""

from __future__ import annotations

from functools import partial

from django import forms

from core.countries import country_choices, is_country


def _attributes_in_order(context: dict) -> dict:
    """The menu's attributes, its name among them, in alphabetical order (a stable order for the page)."""
    widget = context["widget"]
    widget["attrs"] = dict(sorted({**widget["attrs"], "name": widget["name"]}.items()))
    return context


class Select(forms.Select):
    """A menu whose options are written in its own template's loop."""

    template_name = "core/widgets/select.html"

    def get_context(self, name, value, attrs):
        return _attributes_in_order(super().get_context(name, value, attrs))


def _selected(value) -> str:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return "" if value is None else str(value)


class CountrySelect(forms.Select):
    """A country menu: a blank first option, then every country in the active language (core.countries)."""

    template_name = "core/widgets/country_select.html"

    def __init__(self, blank_label: str, attrs=None):
        super().__init__(attrs)
        self.blank_label = blank_label

    def use_required_attribute(self, initial) -> bool:
        # Django's Select looks at the first choice (a blank one allows `required`); the first option here is
        # always the blank one.
        return forms.Widget.use_required_attribute(self, initial)

    def get_context(self, name, value, attrs):
        context = forms.Widget.get_context(self, name, value, attrs)  # not Select's: no option dicts
        menu, selected = country_choices(), _selected(value)
        # Only the first option with the value is selected, as in Django's Select (a country in use is listed
        # twice, and the separator's value is the blank option's).
        first = None if selected == "" else next((i for i, (code, _) in enumerate(menu) if code == selected), None)
        context["widget"].update(blank_label=self.blank_label, countries=menu, blank_selected=selected == "", selected_index=first)
        return _attributes_in_order(context)


def _country_menu(blank_label: str):
    return [("", blank_label), *country_choices()]


class CountryChoiceField(forms.ChoiceField):
    """A required or optional country: its choices are computed when validated, not when the form is built
    (Django normalises a list of choices item by item on every form; a route form has seven of them)."""

    def __init__(self, *, blank_label: str, **kwargs):
        super().__init__(choices=partial(_country_menu, blank_label), widget=CountrySelect(blank_label), **kwargs)

    def valid_value(self, value) -> bool:
        return is_country(str(value))
