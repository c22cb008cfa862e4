"""Widgets rendered in Python rather than with one template per <option>.

Django renders each option of a select through its own template; on a list page whose filter form offers
dozens of camps, teams and caseworkers that was most of the page's time. The HTML is the same.
"""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

SELECTED = mark_safe(" selected")


def _selected_value(value) -> str:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return "" if value is None else str(value)


class FastSelect(forms.Select):
    """A single-choice menu; like Django's, only the first option with the value is marked selected."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected, found = _selected_value(value), False
        parts = [format_html("<select{}>", flatatt(final_attrs))]
        for option_value, option_label in self.choices:
            option_value = "" if option_value is None else str(getattr(option_value, "value", option_value))
            mark = not found and option_value == selected
            found = found or mark
            parts.append(
                format_html('<option value="{}"{}>{}</option>', option_value, SELECTED if mark else "", conditional_escape(option_label))
            )
        parts.append("</select>")
        return mark_safe("".join(parts))


class CountrySelect(FastSelect):
    """A country menu: a blank first option, then the countries' options, escaped once per language."""

    def __init__(self, blank_label: str, attrs=None):
        super().__init__(attrs)
        self.blank_label = blank_label

    def use_required_attribute(self, initial) -> bool:
        # Django's Select looks at the first choice (a blank one allows `required`); listing the choices to
        # find it would build all 265. The first option here is always the blank one.
        return super(forms.Select, self).use_required_attribute(initial)

    def render(self, name, value, attrs=None, renderer=None):
        from core.countries import country_options

        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = _selected_value(value)
        found = selected == ""
        parts = [
            format_html("<select{}>", flatatt(final_attrs)),
            format_html('<option value=""{}>{}</option>', SELECTED if found else "", self.blank_label),
        ]
        for code, head, tail in country_options():
            if not found and code == selected:
                parts += [head, SELECTED, tail]
                found = True
            else:
                parts += [head, tail]
        parts.append("</select>")
        return mark_safe("".join(parts))


def _country_menu(blank_label: str):
    from core.countries import country_choices

    return [("", blank_label), *country_choices()]


class CountryChoiceField(forms.ChoiceField):
    """A required or optional country: its choices are computed when validated, not when the form is built
    (Django normalises a list of choices item by item on every form; a route form has seven of them)."""

    def __init__(self, *, blank_label: str, **kwargs):
        from functools import partial

        super().__init__(choices=partial(_country_menu, blank_label), widget=CountrySelect(blank_label), **kwargs)

    def valid_value(self, value) -> bool:
        from core.countries import is_country

        return is_country(str(value))
