"""Server-rendered SVG bar charts: no JavaScript, nothing inline for the CSP to refuse (colours
come from classes in static/reports/reports.css), readable by screen readers (role="img" with
a label, and a <title> per bar)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


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
        format_html('<text class="chart-empty" x="8" y="44">{}</text>', "No data in this period")
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
