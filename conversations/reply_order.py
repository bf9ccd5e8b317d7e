"""The order of a dialog's replies: they reach the platform as the operators wrote them
(created_at, then id), so a reply is not claimed while an earlier one of its dialog may still
reach the platform (conversations/outbox.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from conversations.models import DeliveryState, Message, MessageKind

# A reply in one of these may still reach the platform: the dialog's later replies wait for it.
UNFINISHED = (DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.CHECKING)


def _earlier(conversation_id: Any, created_at: Any, pk: Any) -> tuple[Q, Q]:
    """The filter of a dialog's replies written before (`created_at`, `pk`) that may still
    reach the platform (values, or OuterRefs in a subquery)."""
    return Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk), Q(
        conversation_id=conversation_id,
        kind=MessageKind.OUTGOING,
        delivery__in=UNFINISHED,
    )


def earlier_unfinished(message: Message) -> QuerySet[Message]:
    """The dialog's replies written before this one that may still reach the platform: before
    in the order the operators see the dialog (created_at, then id)."""
    return Message.objects.filter(
        *_earlier(message.conversation_id, message.created_at, message.pk)
    )


def waits_its_turn() -> Exists:
    """For a queryset of replies: an earlier reply of its dialog may still reach the platform."""
    return Exists(
        Message.objects.filter(
            *_earlier(OuterRef("conversation_id"), OuterRef("created_at"), OuterRef("pk"))
        )
    )


def next_due(conversation_id: int | None = None) -> int | None:
    """The first queued reply that is due (one in its backoff keeps its own time), of the
    dialog or of any."""
    due = Message.objects.filter(kind=MessageKind.OUTGOING, delivery=DeliveryState.QUEUED).filter(
        Q(next_attempt_at=None) | Q(next_attempt_at__lte=timezone.now())
    )
    if conversation_id is not None:
        due = due.filter(conversation_id=conversation_id)
    else:
        # Of any dialog: one a batch may take (one in its backoff has its own task, with its
        # count of failures), whose turn it is.
        due = due.filter(next_attempt_at=None).exclude(waits_its_turn())
    return due.order_by("created_at", "pk").values_list("pk", flat=True).first()
