"""Server-rendered SVG bar charts: readable at a glance, no JavaScript, no inline styles (CSP-safe).

Each chart is paired in the template with a table of the same numbers for screen readers and for
anyone who prefers to read.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ROW_HEIGHT = 28
LABEL_WIDTH = 300
BAR_WIDTH = 360
WIDTH = LABEL_WIDTH + BAR_WIDTH + 60


def bar_chart(rows: list[tuple[str, int]], *, title: str, css_class: str = "bar-neutral") -> SafeString:
    """Horizontal bars, one per (label, count) row, scaled to the largest count."""
    if not rows:
        rows = [("No data yet", 0)]
    largest = max((count for _, count in rows), default=0) or 1
    height = ROW_HEIGHT * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" focusable="false">'
    ]
    for index, (label, count) in enumerate(rows):
        y = 5 + index * ROW_HEIGHT
        width = round(BAR_WIDTH * count / largest)
        short = label if len(label) <= 44 else label[:42] + "…"
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end">{escape(short)}</text>')
        parts.append(f'<rect class="{css_class}" x="{LABEL_WIDTH}" y="{y + 3}" width="{max(width, 1)}" height="{ROW_HEIGHT - 8}"></rect>')
        parts.append(f'<text x="{LABEL_WIDTH + max(width, 1) + 6}" y="{y + 17}">{count}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
