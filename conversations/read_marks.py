"""How far an operator has read a conversation (their read mark; the unread counts are read in
conversations/selectors.py)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from conversations.models import ReadMark
from conversations.selectors import conversation_seen
from operator_desk.db import locked
from realtime.services import event_emit


@transaction.atomic
def read_mark(*, user: User, conversation_id: int, message_id: int) -> int:
    """The operator has read the conversation up to `message_id` (marks only move forward).
    Their other tabs are told with desk.conversation_read. Returns the mark."""
    conversation_seen(user=user, conversation_id=conversation_id)
    mark = locked(ReadMark.objects).filter(user=user, conversation_id=conversation_id).first()
    if mark is None:
        try:
            with transaction.atomic():
                mark = ReadMark.objects.create(user=user, conversation_id=conversation_id)
        except IntegrityError:  # the same operator's other tab, at the same moment
            mark = locked(ReadMark.objects).get(user=user, conversation_id=conversation_id)
    if message_id <= mark.last_read_message_id:
        return mark.last_read_message_id
    mark.last_read_message_id = message_id
    mark.save(update_fields=["last_read_message_id", "read_at"])
    event_emit(
        type="desk.conversation_read",
        payload={
            "conversationId": conversation_id,
            "userId": user.pk,
            "lastReadMessageId": message_id,
        },
        audience_user_id=user.pk,
    )
    return message_id
