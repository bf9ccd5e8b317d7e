"""Delivery statuses of operator replies, as the platform reports them: they only move forward."""

from __future__ import annotations

from conversations.events import message_event_emit
from conversations.locks import platform_write
from conversations.models import STATUS_RANK, DeliveryState, Message, MessageKind
from operator_desk.db import locked


def status_moved(message: Message, status: str) -> bool:
    """Move the reply (in memory) to a platform status unless it already has a later one."""
    detail = ""
    if status not in DeliveryState.values or status not in STATUS_RANK:
        status, detail = DeliveryState.UNKNOWN, f"The platform reported status {status!r}."
    if STATUS_RANK.get(message.delivery, 0) >= STATUS_RANK[status]:
        return False
    message.delivery = status
    message.delivery_detail = detail
    return True


def reply_status_apply(message: Message, status: str) -> bool:
    """Move a reply to a platform status unless it already has a later one."""
    if not status_moved(message, status):
        return False
    message.save(update_fields=["delivery", "delivery_detail"])
    message_event_emit(message, "message_status")
    return True


@platform_write
def reply_status_record(
    *, conversation_platform_id: str, platform_message_id: str, status: str
) -> Message | None:
    """A delivery status of an operator reply. None when no reply has that messageId yet."""
    message = (
        locked(Message.objects)
        .select_related("conversation")
        .filter(
            conversation__platform_id=conversation_platform_id,
            platform_message_id=platform_message_id,
            kind=MessageKind.OUTGOING,
        )
        .first()
    )
    if message is None:
        return None
    reply_status_apply(message, status)
    return message
