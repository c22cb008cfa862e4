"""Widgets rendered in Python rather than with one template per <option>.

Django renders each option of a select through its own template; on a list page whose filter form offers
dozens of camps, teams and caseworkers that was most of the page's time. The HTML is the same.
"""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None}
        parts = [format_html("<select{}>", flatatt(final_attrs))]
        for option_value, option_label in self.choices:
            option_value = "" if option_value is None else str(getattr(option_value, "value", option_value))
            parts.append(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    option_value,
                    mark_safe(" selected") if option_value in selected else "",
                    conditional_escape(option_label),
                )
            )
        parts.append("</select>")
        return mark_safe("".join(parts))
