"""The period's figures day by day, in the desk's time zone: how the load and the waiting moved.

Each day's figures are those of the period report for that one day (reports.selectors: the same
measures over the conversations that ended on it and the replies written on it), so the trend
and the report's table cannot disagree; the days without any are kept, with nothing in them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models.functions import TruncDate
from django.utils import timezone

from reports.selectors import (
    conversation_measures,
    conversations_ended_in,
    replies_written_in,
    reply_measures,
)

# The conversations' measures a day shows (the p90s of a single day say little).
DAILY = ("handled", "expired", "frt_p50", "handle_p50")


@dataclass
class TrendDay:
    day: date
    handled: int = 0
    expired: int = 0
    frt_p50: float | None = None
    handle_p50: float | None = None
    replies: int = 0
    failed: int = 0


def _days(start: datetime, end: datetime) -> list[date]:
    first = timezone.localtime(start).date()
    last = timezone.localtime(end - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def report_trend(*, start: datetime, end: datetime) -> list[TrendDay]:
    """One row per day of [start, end), oldest first (two grouped queries)."""
    zone = timezone.get_current_timezone()
    measures = {
        name: aggregate for name, aggregate in conversation_measures().items() if name in DAILY
    }
    days = {day: TrendDay(day=day) for day in _days(start, end)}
    ended = (
        conversations_ended_in(start, end)
        .annotate(day=TruncDate("closed_at", tzinfo=zone))
        .values("day")
        .annotate(**measures)
        .order_by()
    )
    for row in ended:
        figures = days[row.pop("day")]
        for name, value in row.items():
            setattr(figures, name, value)
    written = (
        replies_written_in(start, end)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(**reply_measures())
        .order_by()
    )
    for row in written:
        figures = days[row.pop("day")]
        figures.replies, figures.failed = row["replies"], row["failed"]
    return list(days.values())
