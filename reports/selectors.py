"""What supervisors read: the live dashboard's figures and the reports over a period.

Definitions (README, "Reports"):

- A conversation belongs to a period when it *ended* in it: closed by an operator or expired,
  `closed_at` in [start, end). Handled = closed by an operator; expired = the window ran out.
- First response time: from the hand-over (`queued_at`) to the first operator reply created
  after it: what the user waited for a human. Conversations without a reply have none.
- Handle time (closed conversations only): `closed_at - assigned_at`. A transfer sets
  `assigned_at` anew, so this is the time of the operator who finished it, who is also the one
  the per-operator figures count it for (`assignee`).
- Failed replies: operator replies created in the period whose delivery ended in failure
  (`FAILED_DELIVERY`), counted per reply author, channel and connection; reasons are the
  delivery state and the platform's detail.
- Medians and p90 are `percentile_cont` (interpolated), in seconds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from django.contrib.auth.models import User
from django.db.models import Count, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy

from conversations.models import (
    ENDED_STATES,
    FAILED_DELIVERY,
    OPEN_STATES,
    Connection,
    Conversation,
    ConversationState,
    Label,
    Message,
    MessageKind,
)
from conversations.serializers import conversation_data
from operators.models import OperatorProfile, Presence
from operators.roles import Role
from outreach.models import Campaign, Notification
from reports.sql import Percentile, grouping_sets

# "Window closes soon": within this of expiry with the user's last message unanswered.
AT_RISK_WITHIN = timedelta(minutes=5)
OPEN_LIST_LIMIT = 50
Dimension = Literal["operator", "channel", "connection", "label"]
DIMENSIONS: tuple[Dimension, ...] = ("operator", "channel", "connection", "label")
# A conversation has any number of labels: its figures count under each of them (and under
# "no label" without any), so these rows overlap and are read by a query of their own.
OVERLAPPING: tuple[Dimension, ...] = ("label",)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _last_message_at(kind: str) -> Subquery:
    return Subquery(
        Message.objects.filter(conversation=OuterRef("pk"), kind=kind)
        .order_by("-created_at")
        .values("created_at")[:1]
    )


def _awaiting_reply(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Conversations whose user spoke last (or no operator has replied at all)."""
    return queryset.annotate(
        last_in=_last_message_at(MessageKind.INCOMING),
        last_out=_last_message_at(MessageKind.OUTGOING),
    ).filter(Q(last_out__isnull=True) | Q(last_out__lt=F("last_in")))


def conversations_at_risk(*, now: datetime) -> QuerySet[Conversation]:
    """Open conversations whose window closes within 5 minutes while the user waits for a reply."""
    soon = Conversation.objects.filter(
        state__in=OPEN_STATES,
        operator_mode_active=True,
        expires_at__gt=now,
        expires_at__lte=now + AT_RISK_WITHIN,
    )
    return _awaiting_reply(soon).order_by("expires_at", "pk")


def _operators() -> QuerySet[User]:
    """Active users holding a desk role, with their number of assigned conversations."""
    open_count = (
        Conversation.objects.filter(assignee=OuterRef("pk"), state=ConversationState.ASSIGNED)
        .order_by()
        .values("assignee")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=[role.value for role in Role]))
        .distinct()
        .select_related("operator")
        .annotate(open=Coalesce(Subquery(open_count, output_field=IntegerField()), Value(0)))
        .order_by("first_name", "username")
    )


def _operator_row(user: User) -> dict[str, Any]:
    profile = getattr(user, "operator", None) or OperatorProfile(user=user)
    return {
        "id": user.pk,
        "name": user.get_full_name() or user.username,
        "presence": profile.presence,
        "lastSeenAt": _iso(profile.last_seen_at),
        "capacity": profile.capacity,
        "open": user.open,
    }


def _breakdown(group: str, *names: str) -> list[dict[str, Any]]:
    rows = (
        Conversation.objects.filter(state__in=OPEN_STATES)
        .values(group, *names)
        .annotate(
            queued=Count("pk", filter=Q(state=ConversationState.QUEUED)),
            assigned=Count("pk", filter=Q(state=ConversationState.ASSIGNED)),
            oldest=Min("queued_at", filter=Q(state=ConversationState.QUEUED)),
        )
        .order_by(group)
    )
    return list(rows)


def dashboard(*, now: datetime | None = None) -> dict[str, Any]:
    """Everything the live dashboard shows, as of `now` (a handful of queries, none per row)."""
    now = now or timezone.now()
    queue = Conversation.objects.filter(state=ConversationState.QUEUED).aggregate(
        waiting=Count("pk"), oldest=Min("queued_at")
    )
    operators = [_operator_row(user) for user in _operators()]
    presence = {choice.value: 0 for choice in Presence}
    for row in operators:
        presence[row["presence"]] += 1
    related = ("contact", "connection", "assignee")
    at_risk = conversations_at_risk(now=now).select_related(*related).prefetch_related("labels")
    open_list = (
        Conversation.objects.filter(state__in=OPEN_STATES)
        .select_related(*related)
        .prefetch_related("labels")
        .order_by("queued_at", "pk")[:OPEN_LIST_LIMIT]
    )

    def waited(oldest: datetime | None) -> float | None:
        return round((now - oldest).total_seconds(), 1) if oldest else None

    return {
        "at": now.isoformat(),
        "queue": {
            "waiting": queue["waiting"],
            "oldestQueuedAt": _iso(queue["oldest"]),
            "longestWaitSeconds": waited(queue["oldest"]),
        },
        "presence": presence,
        "operators": operators,
        "atRisk": [conversation_data(c) for c in at_risk],
        "open": [conversation_data(c) for c in open_list],
        "openTotal": Conversation.objects.filter(state__in=OPEN_STATES).count(),
        "byChannel": [
            {
                "key": row["channel"] or "",
                "label": row["channel"] or "unknown",
                "queued": row["queued"],
                "assigned": row["assigned"],
                "longestWaitSeconds": waited(row["oldest"]),
            }
            for row in _breakdown("channel")
        ],
        "byConnection": [
            {
                "key": row["connection__platform_id"],
                "label": row["connection__name"]
                or (f"#{row['connection__platform_id']}" if row["connection"] else "none"),
                "queued": row["queued"],
                "assigned": row["assigned"],
                "longestWaitSeconds": waited(row["oldest"]),
            }
            for row in _breakdown("connection", "connection__platform_id", "connection__name")
        ],
    }


# --- reports over a period -------------------------------------------------------------------


@dataclass
class ReportRow:
    key: Any
    label: str
    handled: int = 0
    expired: int = 0
    replied: int = 0
    frt_p50: float | None = None
    frt_p90: float | None = None
    handle_p50: float | None = None
    handle_p90: float | None = None
    replies: int = 0
    failed: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    start: datetime
    end: datetime
    by: Dimension
    rows: list[ReportRow]
    total: ReportRow
    reasons: list[dict[str, Any]] = field(default_factory=list)


# Where each dimension lives on a conversation, and on a reply.
_CONVERSATION_KEY = {
    "operator": "assignee",
    "channel": "channel",
    "connection": "connection",
    "label": "label_links__label",
}
_REPLY_KEY = {
    "operator": "author",
    "channel": "conversation__channel",
    "connection": "conversation__connection",
    "label": "conversation__label_links__label",
}


def _count(filter: Q | None = None) -> Count:
    """COUNT(1): counting a column, even the primary key, makes PostgreSQL read it, and the
    covering indexes the reports scan (conversations.models.ended_index, message_reply_created)
    leave the primary key out. (Django refuses Count("*") with a filter.)"""
    return Count(Value(1), filter=filter)


def conversation_measures() -> dict[str, Any]:
    closed = Q(state=ConversationState.CLOSED)
    return {
        "handled": _count(closed),
        "expired": _count(Q(state=ConversationState.EXPIRED)),
        # first_reply_at is kept by the reply service (conversations.replies.reply_create);
        # the durations are stored columns (Conversation.first_response_seconds,
        # handle_seconds).
        "replied": Count("first_reply_at"),
        "frt_p50": Percentile("first_response_seconds", 0.5),
        "frt_p90": Percentile("first_response_seconds", 0.9),
        "handle_p50": Percentile("handle_seconds", 0.5, filter=closed),
        "handle_p90": Percentile("handle_seconds", 0.9, filter=closed),
    }


def reply_measures() -> dict[str, Any]:
    return {"replies": _count(), "failed": _count(Q(delivery__in=FAILED_DELIVERY))}


def conversations_ended_in(start: datetime, end: datetime) -> QuerySet[Conversation]:
    return Conversation.objects.filter(
        state__in=ENDED_STATES,
        closed_at__gte=start,
        closed_at__lt=end,
    )


def replies_written_in(start: datetime, end: datetime) -> QuerySet[Message]:
    return Message.objects.filter(
        kind=MessageKind.OUTGOING, created_at__gte=start, created_at__lt=end
    )


def _labels(by: Dimension, keys: set[Any]) -> dict[Any, str]:
    keys = {key for key in keys if key is not None}
    if by == "operator":
        users = User.objects.filter(pk__in=keys)
        return {user.pk: user.get_full_name() or user.username for user in users}
    if by == "connection":
        return {link.pk: str(link) for link in Connection.objects.filter(pk__in=keys)}
    if by == "label":
        return {label.pk: label.name for label in Label.objects.filter(pk__in=keys)}
    return {key: key or "unknown" for key in keys}


_NONE_LABEL = {
    "operator": pgettext_lazy("report row: no operator", "nobody"),
    "channel": pgettext_lazy("report row: no channel", "unknown"),
    "connection": pgettext_lazy("report row: no connection", "none"),
    "label": pgettext_lazy("report row: no label", "no label"),
}


def _check_dimension(by: str) -> None:
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {DIMENSIONS}")


def _plain(dimensions: tuple[Dimension, ...]) -> list[Dimension]:
    return [by for by in dimensions if by not in OVERLAPPING]


def _reply_counts(
    *, start: datetime, end: datetime, dimensions: tuple[Dimension, ...]
) -> dict[Dimension, dict[Any, dict[str, int]]]:
    """Replies and failed replies per key of each dimension, from one query grouped by all the
    plain ones: counts add up, so each dimension's are sums over the finer groups (the CSV's
    three dimensions: one join instead of three); an overlapping one has a query of its own."""
    counts: dict[Dimension, dict[Any, dict[str, int]]] = {by: {} for by in dimensions}
    plain = _plain(dimensions)
    passes = ([plain] if plain else []) + [[by] for by in dimensions if by in OVERLAPPING]
    for group in passes:
        fields = {by: _REPLY_KEY[by] for by in group}
        grouped = (
            replies_written_in(start, end).values(*fields.values()).annotate(**reply_measures())
        )
        for row in grouped.order_by():
            for by, reply_key in fields.items():
                into = counts[by].setdefault(row[reply_key], {"replies": 0, "failed": 0})
                into["replies"] += row["replies"]
                into["failed"] += row["failed"]
    return counts


def _conversation_figures(
    *, start: datetime, end: datetime, dimensions: tuple[Dimension, ...]
) -> tuple[dict[Dimension, dict[Any, dict[str, Any]]], dict[str, Any]]:
    """The conversations that ended in the period: their figures per key of each plain
    dimension, and for the whole desk, from one statement (reports.sql.grouping_sets); per key
    of an overlapping one (labels), from a statement of its own."""
    ended = conversations_ended_in(start, end)
    figures: dict[Dimension, dict[Any, dict[str, Any]]] = {}
    keys = {by: _CONVERSATION_KEY[by] for by in _plain(dimensions)}
    if keys:
        grouped, total = grouping_sets(
            ended, keys=list(keys.values()), measures=conversation_measures()
        )
        figures = {by: {row.pop(key): row for row in grouped[key]} for by, key in keys.items()}
    else:
        total = ended.aggregate(**conversation_measures())
    for by in dimensions:
        if by in OVERLAPPING:
            key = _CONVERSATION_KEY[by]
            grouped_rows = ended.values(key).annotate(**conversation_measures()).order_by()
            figures[by] = {row.pop(key): row for row in grouped_rows}
    return figures, total


def _rows(
    *,
    by: Dimension,
    conversations: dict[Any, dict[str, Any]],
    replies: dict[Any, dict[str, int]],
) -> list[ReportRow]:
    grouped: dict[Any, dict[str, Any]] = {k: dict(counts) for k, counts in replies.items()}
    for key, figures in conversations.items():
        grouped.setdefault(key, {}).update(figures)
    labels = _labels(by, set(grouped))
    rows = [
        ReportRow(key=k, label=str(labels.get(k, _NONE_LABEL[by]) if k else _NONE_LABEL[by]), **v)
        for k, v in grouped.items()
    ]
    rows.sort(key=lambda r: (-r.handled, -r.replies, r.label))
    return rows


def _total(*, conversations: dict[str, Any], replies: dict[str, int]) -> ReportRow:
    """The whole desk: the conversations' figures over all of them (percentiles do not add up)
    and its replies."""
    return ReportRow(key=None, label=gettext("All"), **{**conversations, **replies})


def _reply_total(
    *, start: datetime, end: datetime, rows: dict[Dimension, list[ReportRow]]
) -> dict[str, int]:
    """Summed over a plain dimension's rows (each reply is in exactly one), or counted."""
    plain = _plain(tuple(rows))
    if not plain:
        return replies_written_in(start, end).aggregate(**reply_measures())
    return {
        name: sum(getattr(row, name) for row in rows[plain[0]]) for name in ("replies", "failed")
    }


def report_rows_and_total(
    *, start: datetime, end: datetime, dimensions: tuple[Dimension, ...]
) -> tuple[dict[Dimension, list[ReportRow]], ReportRow]:
    """The period's figures per key of each dimension, busiest first, and for the whole desk
    (two queries, and one per dimension for the names)."""
    for by in dimensions:
        _check_dimension(by)
    replies = _reply_counts(start=start, end=end, dimensions=dimensions)
    conversations, total = _conversation_figures(start=start, end=end, dimensions=dimensions)
    rows = {
        by: _rows(by=by, conversations=conversations[by], replies=replies[by]) for by in dimensions
    }
    return rows, _total(conversations=total, replies=_reply_total(start=start, end=end, rows=rows))


def failure_reasons(*, start: datetime, end: datetime, by: Dimension) -> list[dict[str, Any]]:
    """Failed replies per delivery state and platform detail, with the row they count for."""
    _check_dimension(by)
    reply_key = _REPLY_KEY[by]
    grouped = (
        replies_written_in(start, end)
        .filter(delivery__in=FAILED_DELIVERY)
        .values(reply_key, "delivery", "delivery_detail")
        .annotate(count=_count())
        .order_by("-count", "delivery", "delivery_detail")[:100]
    )
    reasons = list(grouped)
    labels = _labels(by, {reason[reply_key] for reason in reasons})
    return [
        {
            "key": (key := reason.pop(reply_key)),
            "label": str(labels.get(key, _NONE_LABEL[by])),
            **reason,
        }
        for reason in reasons
    ]


def report(*, start: datetime, end: datetime, by: Dimension = "operator") -> Report:
    """The period's figures per operator, channel, connection or label, and for the whole
    desk."""
    rows, total = report_rows_and_total(start=start, end=end, dimensions=(by,))
    return Report(
        start=start,
        end=end,
        by=by,
        rows=rows[by],
        total=total,
        reasons=failure_reasons(start=start, end=end, by=by),
    )


def report_every_dimension(
    *, start: datetime, end: datetime
) -> tuple[dict[Dimension, list[ReportRow]], ReportRow]:
    """The rows of every dimension and the one total (the CSV export)."""
    return report_rows_and_total(start=start, end=end, dimensions=DIMENSIONS)


# --- campaigns and notifications --------------------------------------------------------------


def campaigns_completed(*, platform_ids: list[str]) -> dict[str, Campaign]:
    """The campaigns whose `campaign_completed` came, by platform id."""
    return {c.platform_id: c for c in Campaign.objects.filter(platform_id__in=platform_ids)}


def notifications_sent(*, start: datetime, end: datetime) -> dict[str, Any]:
    """The desk's template notifications sent in the period: statuses per channel, the latest."""
    sent = Notification.objects.filter(created_at__gte=start, created_at__lt=end)
    by_status = list(
        sent.values("status", "channel").annotate(count=Count("pk")).order_by("-count", "status")
    )
    latest = sent.select_related("conversation", "sent_by").order_by("-created_at", "-pk")[:50]
    return {"total": sent.count(), "byStatus": by_status, "latest": list(latest)}
