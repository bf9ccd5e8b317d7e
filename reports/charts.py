"""Server-rendered SVG bar charts: no JavaScript, nothing inline for the CSP to refuse (colours
come from classes in static/reports/reports.css), readable by screen readers (role="img" with
a label, and a <title> per bar)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH = 520
LABEL_WIDTH = 150
VALUE_WIDTH = 70
ROW = 24
BAR = 16
MAX_BARS = 15
HEADER = 24  # the visible title


def duration(seconds: float | None) -> str:
    """3 s, 4 min 10 s, 2 h 05 min: how long, for people."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": seconds}
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return _("%(minutes)s min %(seconds)02d s") % {"minutes": minutes, "seconds": secs}
    hours, minutes = divmod(minutes, 60)
    return _("%(hours)s h %(minutes)02d min") % {"hours": hours, "minutes": minutes}


def _truncate(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float | None]],
    *,
    fmt: Callable[[float | None], str] = lambda v: "—" if v is None else f"{v:g}",
    tone: str = "primary",
) -> SafeString:
    """Horizontal bars, one per (label, value), longest first as given; None draws no bar."""
    bars = list(bars)[:MAX_BARS]
    height = HEADER + max(1, len(bars)) * ROW + 8
    top = max((value or 0 for _, value in bars), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    rows = []
    for index, (label, value) in enumerate(bars):
        y = HEADER + 4 + index * ROW
        width = 0 if not value else max(1, round(span * value / top))
        text = fmt(value)
        rows.append(
            (
                LABEL_WIDTH - 8,
                y + BAR - 3,
                _truncate(label),
                tone,
                LABEL_WIDTH,
                y,
                width,
                BAR,
                f"{label}: {text}",
                LABEL_WIDTH + width + 6,
                y + BAR - 3,
                text,
            )
        )
    body = format_html_join(
        "",
        '<g><text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>'
        '<rect class="chart-bar chart-{}" x="{}" y="{}" width="{}" height="{}" rx="2">'
        "<title>{}</title></rect>"
        '<text class="chart-value" x="{}" y="{}">{}</text></g>',
        rows,
    )
    empty = (
        format_html('<text class="chart-empty" x="8" y="44">{}</text>', _("No data in this period"))
        if not bars
        else ""
    )
    return format_html(
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" role="img" aria-label="{t}"><title>{t}</title>'
        '<text class="chart-title" x="0" y="15">{t}</text>{e}{b}</svg>',
        w=WIDTH,
        h=height,
        t=title,
        e=empty,
        b=body,
    )


COLUMN_AREA = 140  # the height of the tallest column
COLUMN_TOP = HEADER + 14  # room for the tallest column's value
AXIS_LABELS = 8  # at most this many day labels under the columns


def column_chart(
    title: str,
    points: Sequence[tuple[str, float | None]],
    *,
    fmt: Callable[[float | None], str] = lambda v: "—" if v is None else f"{v:g}",
    tone: str = "primary",
) -> SafeString:
    """Vertical columns in the order given (days, oldest first): a series over time. Every
    column carries its label and value in a <title>; a few labels are written under the axis."""
    points = list(points)
    count = max(1, len(points))
    step = WIDTH / count
    width = max(1.0, step * 0.7)
    top = max((value or 0 for _, value in points), default=0) or 1
    axis = COLUMN_TOP + COLUMN_AREA
    every = max(1, -(-len(points) // AXIS_LABELS))  # ceil: labels that do not overlap
    columns, labels = [], []
    for index, (label, value) in enumerate(points):
        height = 0 if not value else max(1, round(COLUMN_AREA * value / top))
        x = index * step + (step - width) / 2
        columns.append(
            (tone, f"{x:.1f}", axis - height, f"{width:.1f}", height, f"{label}: {fmt(value)}")
        )
        if index % every == 0:
            labels.append((f"{x + width / 2:.1f}", axis + 14, label))
    body = format_html_join(
        "",
        '<rect class="chart-bar chart-{}" x="{}" y="{}" width="{}" height="{}" rx="1">'
        "<title>{}</title></rect>",
        columns,
    )
    under = format_html_join(
        "", '<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>', labels
    )
    peak = format_html('<text class="chart-value" x="0" y="{}">{}</text>', COLUMN_TOP - 2, fmt(top))
    return format_html(
        '<svg class="chart chart-trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" role="img" aria-label="{t}"><title>{t}</title>'
        '<text class="chart-title" x="0" y="15">{t}</text>{p}'
        '<line class="chart-axis" x1="0" y1="{a}" x2="{w}" y2="{a}"/>{b}{u}</svg>',
        w=WIDTH,
        h=axis + 22,
        t=title,
        p=peak if any(value for _, value in points) else "",
        a=axis,
        b=body,
        u=under,
    )
