"""The lists' filters and orders (GET /api/conversations): by channel, connection, label, unread
for the caller, waiting in the queue longer than N minutes, window closing within N minutes;
most urgent then longest waiting (the queue's own order), newest, longest waiting, window
closing first, or most recently active. The page applies the same rules
to the rows it keeps (static/desk/js/filters.js)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from conversations.models import (
    OPEN_STATES,
    Conversation,
    ConversationLabel,
    ConversationState,
    Message,
    MessageKind,
    ReadMark,
)

SORTS = ("priority", "waiting", "newest", "closing", "activity")


@dataclass(frozen=True)
class ListFilters:
    channel: str | None = None
    connection: int | None = None  # the platform's connection id, as the rows carry it
    label: int | None = None
    unread: bool = False
    waiting: int | None = None  # minutes in the queue, at least
    closing: int | None = None  # minutes until the window closes, at most


@dataclass(frozen=True)
class Order:
    """A keyset order: the field, its direction, whether NULLs come (last) in it; `lead`, a
    field ordered (ascending, never NULL) before it, as the queue's priority."""

    field: str
    ascending: bool
    nullable: bool = False
    lead: str | None = None

    def order_by(self) -> tuple[Any, ...]:
        if self.lead:
            return (self.lead, *self._order_by())
        return self._order_by()

    def _order_by(self) -> tuple[Any, ...]:
        # Said only for a nullable field (SQLite puts NULLs first otherwise); on PostgreSQL NULLS
        # LAST is ascending's own default, so the (state, field) indexes serve these orders.
        if not self.nullable:
            return (self.field, "pk") if self.ascending else (f"-{self.field}", "-pk")
        if self.ascending:
            return (F(self.field).asc(nulls_last=True), "pk")
        return (F(self.field).desc(nulls_last=True), "-pk")

    def after(self, moment: datetime | None, pk: int, lead: int | None = None) -> Q:
        """The rows after (lead, moment, pk) in this order."""
        if not self.lead:
            return self._after(moment, pk)
        if lead is None:
            raise ValueError("this order's position names its lead value")
        return Q(**{f"{self.lead}__gt": lead}) | (Q(**{self.lead: lead}) & self._after(moment, pk))

    def _after(self, moment: datetime | None, pk: int) -> Q:
        """The rows after (moment, pk) in this order (NULLs last)."""
        if moment is None:
            return Q(**{f"{self.field}__isnull": True}) & (
                Q(pk__gt=pk) if self.ascending else Q(pk__lt=pk)
            )
        beyond, tie = ("gt", "gt") if self.ascending else ("lt", "lt")
        later = Q(**{f"{self.field}__{beyond}": moment}) | Q(
            **{self.field: moment, f"pk__{tie}": pk}
        )
        if self.nullable:
            later |= Q(**{f"{self.field}__isnull": True})
        return later


ORDERS = {
    "priority": Order("queued_at", ascending=True, lead="priority"),
    "waiting": Order("queued_at", ascending=True),
    "newest": Order("queued_at", ascending=False),
    "closing": Order("expires_at", ascending=True, nullable=True),
    "activity": Order("updated_at", ascending=False),
}


def default_sort(state: str) -> str:
    """The queue: the most urgent first, then who has waited longest (the conversation_queue
    index gives this order); the other lists: most recently active."""
    return "priority" if state == "queued" else "activity"


def filtered(
    rows: QuerySet[Conversation], *, user: User, filters: ListFilters, now: datetime
) -> QuerySet[Conversation]:
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.connection is not None:
        rows = rows.filter(connection__platform_id=filters.connection)
    if filters.label is not None:
        # From the label's conversations (its index), not a look at every row of the list.
        tagged = ConversationLabel.objects.filter(label_id=filters.label)
        rows = rows.filter(pk__in=tagged.values("conversation_id"))
    if filters.waiting is not None:
        rows = rows.filter(
            state=ConversationState.QUEUED,
            queued_at__lte=now - timedelta(minutes=filters.waiting),
        )
    if filters.closing is not None:
        rows = rows.filter(
            state__in=OPEN_STATES,
            operator_mode_active=True,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(minutes=filters.closing),
        )
    if filters.unread:
        mark = ReadMark.objects.filter(user=user, conversation=OuterRef(OuterRef("pk")))
        read_upto = Coalesce(
            Subquery(mark.values("last_read_message_id")[:1]),
            Value(0),
            output_field=IntegerField(),
        )
        news = Message.objects.filter(
            conversation=OuterRef("pk"), kind=MessageKind.INCOMING, id__gt=read_upto
        )
        rows = rows.filter(Exists(news))
    return rows
