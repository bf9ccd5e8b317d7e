"""/api/reports/: the dashboard's figures (refreshed by the page when desk.* events arrive), a
period's figures as JSON, and taking a conversation over."""

from __future__ import annotations

from django.http import HttpRequest

from conversations.access import visible_conversation_required
from conversations.serializers import conversation_data
from operator_desk.inputs import query_parsed
from operators.access import api_view
from operators.roles import Role
from reports import selectors, services
from reports.inputs import ReportQuery
from reports.periods import period_parse


@api_view(methods=("GET",), role=Role.SUPERVISOR)
def dashboard(request: HttpRequest) -> dict:
    return selectors.dashboard()


@api_view(methods=("GET",), role=Role.SUPERVISOR)
def period(request: HttpRequest) -> dict:
    chosen = period_parse(request.GET)
    by = query_parsed(request, ReportQuery).by
    report = selectors.report(start=chosen.start, end=chosen.end, by=by)
    return {
        **chosen.query(),
        "by": by,
        "rows": [row.as_json() for row in report.rows],
        "total": report.total.as_json(),
        "failureReasons": report.reasons,
    }


@api_view(methods=("POST",), role=Role.SUPERVISOR)
@visible_conversation_required
def take_over(request: HttpRequest, conversation_id: int) -> dict:
    conversation = services.conversation_take_over(
        conversation_id=conversation_id, user=request.user
    )
    return {"conversation": conversation_data(conversation)}
