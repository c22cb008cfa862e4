"""Horizontal bar charts drawn as SVG by `templates/assessments/_bar_chart.html`: readable at a glance, no
JavaScript, no inline styles (CSP-safe). Python only measures the bars.

Each chart is paired in the template with a table of the same numbers for screen readers and for
anyone who prefers to read.
"""

from __future__ import annotations

from dataclasses import dataclass

ROW_HEIGHT = 28
LABEL_WIDTH = 300
BAR_WIDTH = 360
WIDTH = LABEL_WIDTH + BAR_WIDTH + 60


@dataclass(frozen=True)
class Bar:
    label: str  # shortened to fit beside the bar
    count: int
    label_y: int
    bar_y: int
    width: int  # at least 1, so an empty bar still shows where it starts

    @property
    def count_x(self) -> int:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class BarChart:
    title: str
    css_class: str
    bars: tuple[Bar, ...]
    height: int
    width: int = WIDTH
    label_x: int = LABEL_WIDTH - 8
    bar_x: int = LABEL_WIDTH
    bar_height: int = ROW_HEIGHT - 8


def bar_chart(rows: list[tuple[str, int]], *, title: str, css_class: str = "bar-neutral") -> BarChart:
    """Horizontal bars, one per (label, count) row, scaled to the largest count."""
    if not rows:
        rows = [("No data yet", 0)]
    largest = max((count for _, count in rows), default=0) or 1
    bars = []
    for index, (label, count) in enumerate(rows):
        y = 5 + index * ROW_HEIGHT
        short = label if len(label) <= 44 else label[:42] + "…"
        bars.append(Bar(short, count, y + 17, y + 3, max(round(BAR_WIDTH * count / largest), 1)))
    return BarChart(title, css_class, tuple(bars), ROW_HEIGHT * len(rows) + 10)
