"""core.html.format_html writes exactly what Django's format_html writes."""

from __future__ import annotations

import datetime

from django.utils import html as django_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st

from core.html import format_html


class Marked:
    def __html__(self):
        return "<i>marked</i>"


TEMPLATE = '<a href="{}" title="{}">{} {}</a>'


@given(st.lists(st.text() | st.integers() | st.none() | st.dates(), min_size=4, max_size=4))
def test_any_values_are_escaped_as_django_escapes_them(values):
    assert format_html(TEMPLATE, *values) == django_html.format_html(TEMPLATE, *values)


def test_safe_and_lazy_values_as_django_writes_them():
    values = [mark_safe("<b>safe</b>"), gettext_lazy("Draft"), Marked(), datetime.date(2026, 11, 8)]
    got = format_html(TEMPLATE, *values)
    assert got == django_html.format_html(TEMPLATE, *values)
    assert got == '<a href="<b>safe</b>" title="Draft"><i>marked</i> 2026-11-08</a>'
    assert isinstance(got, SafeString)
    assert format_html("{}", "<script>'&\"") == "&lt;script&gt;&#x27;&amp;&quot;"
