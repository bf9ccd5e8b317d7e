"""The order of a dialog's replies: they reach the platform as the operators wrote them
(created_at, then id), so a reply is not claimed while an earlier one of its dialog may still
reach the platform (conversations/outbox.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from conversations.models import DeliveryState, Message, MessageKind

# A reply in one of these may still reach the platform: the dialog's later replies wait for it.
UNFINISHED = (DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.CHECKING)


def earlier_unfinished(message: Message) -> QuerySet[Message]:
    """The dialog's replies written before this one that may still reach the platform: before
    in the order the operators see the dialog (created_at, then id)."""
    return Message.objects.filter(
        Q(created_at__lt=message.created_at) | Q(created_at=message.created_at, pk__lt=message.pk),
        conversation_id=message.conversation_id,
        kind=MessageKind.OUTGOING,
        delivery__in=UNFINISHED,
    )


@dataclass(frozen=True, slots=True)
class Head:
    """A dialog's first reply that may still reach the platform: its turn has come."""

    pk: int
    conversation_id: int
    delivery: str
    next_attempt_at: datetime | None
    created_at: datetime

    @property
    def due_now(self) -> bool:
        """Queued and never put off: a batch may take it (one in its backoff is sent by its own
        task, which carries its count of failures)."""
        return self.delivery == DeliveryState.QUEUED and self.next_attempt_at is None


def heads() -> list[Head]:
    """Each dialog's first unfinished reply, oldest first: one row per dialog with replies in
    flight, numbered in one pass over the unfinished replies.

    Not "no earlier unfinished reply exists" (NOT EXISTS) in the claim's own statement: with
    statistics that still saw the table as it was before a burst was queued, PostgreSQL
    planned that as an anti-join comparing each queued reply with every other one (330,000
    row pairs, 78 ms a claim, for 1,000 queued: docs/benchmarks.md, the outbox), and a join
    with this list in the claim was planned the same way. Read apart, it has no join to plan."""
    rows = (
        Message.objects.filter(kind=MessageKind.OUTGOING, delivery__in=UNFINISHED)
        .annotate(
            turn=Window(
                RowNumber(),
                partition_by=[F("conversation_id")],
                order_by=[F("created_at").asc(), F("pk").asc()],
            )
        )
        .filter(turn=1)
        .values_list("pk", "conversation_id", "delivery", "next_attempt_at", "created_at")
    )
    return sorted((Head(*row) for row in rows), key=lambda head: (head.created_at, head.pk))


def next_due(conversation_id: int | None = None) -> int | None:
    """The first queued reply that is due (one in its backoff keeps its own time), of the
    dialog or of any."""
    if conversation_id is None:
        # Of any dialog: one a batch may take, whose turn it is.
        return next((head.pk for head in heads() if head.due_now), None)
    due = Message.objects.filter(
        Q(next_attempt_at=None) | Q(next_attempt_at__lte=timezone.now()),
        kind=MessageKind.OUTGOING,
        delivery=DeliveryState.QUEUED,
        conversation_id=conversation_id,
    )
    return due.order_by("created_at", "pk").values_list("pk", flat=True).first()
