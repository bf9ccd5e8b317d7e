"""The supervisors' pages: the live dashboard, reports over a period (with charts and a CSV
export) and campaigns with notifications. Supervisors and admins only."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET

from conversations.templatetags.desk_labels import delivery_label
from operator_desk.errors import Invalid
from operator_desk.inputs import query_parsed
from operators.access import role_required
from operators.roles import Role
from reports import selectors
from reports.campaigns import campaign_overview
from reports.charts import bar_chart, column_chart, duration
from reports.inputs import ReportQuery
from reports.periods import Period, period_parse
from reports.selectors import DIMENSIONS, Dimension, Report, ReportRow
from reports.trend import TrendDay, report_trend

DIMENSION_LABELS = {
    "operator": gettext_lazy("Operator"),
    "channel": gettext_lazy("Channel"),
    "connection": gettext_lazy("Connection"),
    "label": gettext_lazy("Label"),
}
DIMENSION_HEADINGS = {
    "operator": gettext_lazy("By operator"),
    "channel": gettext_lazy("By channel"),
    "connection": gettext_lazy("By connection"),
    "label": gettext_lazy("By label"),
}


def _period_or_error(request: HttpRequest) -> tuple[Period, str]:
    try:
        return period_parse(request.GET), ""
    except Invalid as error:
        return period_parse({}), _("%(error)s Showing the default period instead.") % {
            "error": error.message
        }


def _dimension_or_error(request: HttpRequest) -> tuple[Dimension, str]:
    """The chosen dimension; an unknown one is said on the page (by operator meanwhile)."""
    try:
        return query_parsed(request, ReportQuery).by, ""
    except Invalid as error:
        return "operator", _("%(error)s Showing the report by operator instead.") % {
            "error": error.message
        }


def report_charts(report: Report) -> list[Any]:
    """One chart per measure, over the report's rows."""
    rows = report.rows
    return [
        bar_chart(_("Conversations handled"), [(r.label, r.handled) for r in rows]),
        bar_chart(
            _("First response time, median"),
            [(r.label, r.frt_p50) for r in rows],
            fmt=duration,
            tone="time",
        ),
        bar_chart(
            _("First response time, p90"),
            [(r.label, r.frt_p90) for r in rows],
            fmt=duration,
            tone="time",
        ),
        bar_chart(
            _("Handle time, median"),
            [(r.label, r.handle_p50) for r in rows],
            fmt=duration,
            tone="time",
        ),
        bar_chart(
            _("Handle time, p90"),
            [(r.label, r.handle_p90) for r in rows],
            fmt=duration,
            tone="time",
        ),
        bar_chart(_("Replies that failed"), [(r.label, r.failed) for r in rows], tone="bad"),
    ]


def trend_charts(days: list[TrendDay]) -> list[Any]:
    """One series a measure, day by day: the same figures as the table "Day by day"."""

    def series(measure: str) -> list[tuple[str, Any]]:
        return [(date_format(day.day, "j M"), getattr(day, measure)) for day in days]

    return [
        column_chart(_("Conversations handled per day"), series("handled")),
        column_chart(
            _("First response time, median, per day"), series("frt_p50"), fmt=duration, tone="time"
        ),
        column_chart(
            _("Handle time, median, per day"), series("handle_p50"), fmt=duration, tone="time"
        ),
        column_chart(_("Replies that failed per day"), series("failed"), tone="bad"),
    ]


@require_GET
@role_required(Role.SUPERVISOR)
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reports/dashboard.html",
        {"section": "dashboard", "heartbeat_seconds": settings.DESK_HEARTBEAT_SECONDS},
    )


@require_GET
@role_required(Role.SUPERVISOR)
def period_report(request: HttpRequest) -> HttpResponse:
    period, period_error = _period_or_error(request)
    by, by_error = _dimension_or_error(request)
    error = " ".join(e for e in (period_error, by_error) if e)
    report = selectors.report(start=period.start, end=period.end, by=by)
    trend = report_trend(start=period.start, end=period.end)
    return render(
        request,
        "reports/period.html",
        {
            "section": "period",
            "period": period,
            "error": error,
            "by": by,
            "by_label": DIMENSION_LABELS[by],
            "by_heading": DIMENSION_HEADINGS[by],
            "dimensions": [(code, DIMENSION_LABELS[code]) for code in DIMENSIONS],
            "report": report,
            "charts": report_charts(report),
            "trend": trend,
            "trend_charts": trend_charts(trend),
            "csv_query": {**period.query(), "by": by},
        },
        status=400 if error else 200,
    )


# The columns' names as a script reads them (English); a Russian spreadsheet reads words.
CSV_HEADER = [
    pgettext_lazy("report CSV column", "dimension"),
    pgettext_lazy("report CSV column", "name"),
    pgettext_lazy("report CSV column", "handled"),
    pgettext_lazy("report CSV column", "expired"),
    pgettext_lazy("report CSV column", "replied"),
    pgettext_lazy("report CSV column", "first_response_median_s"),
    pgettext_lazy("report CSV column", "first_response_p90_s"),
    pgettext_lazy("report CSV column", "handle_median_s"),
    pgettext_lazy("report CSV column", "handle_p90_s"),
    pgettext_lazy("report CSV column", "replies"),
    pgettext_lazy("report CSV column", "failed_replies"),
]


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _csv_row(dimension: str, row: ReportRow) -> list[Any]:
    return [
        dimension,
        row.label,
        row.handled,
        row.expired,
        row.replied,
        *(_seconds(v) for v in (row.frt_p50, row.frt_p90, row.handle_p50, row.handle_p90)),
        row.replies,
        row.failed,
    ]


@require_GET
@role_required(Role.SUPERVISOR)
def period_csv(request: HttpRequest) -> HttpResponse:
    """The period's figures for every dimension (operator, channel, connection, label) and the
    total."""
    try:
        period = period_parse(request.GET)
    except Invalid as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    name = f"desk-report-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow([str(name) for name in CSV_HEADER])
    rows, total = selectors.report_every_dimension(start=period.start, end=period.end)
    for by, dimension_rows in rows.items():
        writer.writerows(_csv_row(by, row) for row in dimension_rows)
    writer.writerow(_csv_row("total", total))
    return response


@require_GET
@role_required(Role.SUPERVISOR)
def campaigns(request: HttpRequest) -> HttpResponse:
    period, error = _period_or_error(request)
    overview = campaign_overview(start=period.start, end=period.end)
    notifications = selectors.notifications_sent(start=period.start, end=period.end)
    statuses = overview.statuses
    return render(
        request,
        "reports/campaigns.html",
        {
            "section": "campaigns",
            "period": period,
            "error": error,
            "overview": overview,
            "notifications": notifications,
            "campaign_chart": bar_chart(
                _("Campaign recipients by status"), _status_labels(statuses.items()), tone="primary"
            ),
            "notification_chart": bar_chart(
                _("Notifications by status"),
                _status_labels(_sum_by_status(notifications["byStatus"])),
                tone="primary",
            ),
        },
        status=400 if error else 200,
    )


def _status_labels(counts: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """The chart's bars named in words; the codes stay in the table's data attributes."""
    return [(delivery_label(status), count) for status, count in counts]


def _sum_by_status(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    totals: dict[str, int] = {}
    for row in rows:
        status = row["status"] or "sending"
        totals[status] = totals.get(status, 0) + row["count"]
    return sorted(totals.items(), key=lambda item: -item[1])
