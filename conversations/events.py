"""The events a conversation's changes emit (after commit, through realtime), and who may see
each: decided here, once, where the event is made, and stored with it (realtime.models.Event),
so the live push and the replay on reconnect apply the same audience.

- A conversation's own events (queued, claimed, transferred, ...) are for every operator, except
  those its connection's access rules hide it from (conversations.ConnectionPolicy); those still
  see it when it involves them: it is assigned to them, or was taken from them.
- A message's events are for every operator while the dialog is queued, then for its operator
  only. Supervisors and admins see every event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from conversations.models import Conversation, ConversationState, Message
from conversations.serializers import conversation_data, message_data
from realtime.services import event_emit


def conversation_event_emit(conversation: Conversation, change: str, **extra: Any) -> None:
    """`extra` goes into the payload; its `fromUserId`, the operator the conversation was taken
    from (a transfer, a release of a deactivated operator's dialogs), is one it involves."""
    event_emit(
        type=f"desk.conversation_{change}",
        payload={"conversation": conversation_data(conversation), **extra},
        connection_id=conversation.connection_id,
        assignee_id=conversation.assignee_id,
        previous_assignee_id=extra.get("fromUserId"),
    )


def message_audience(*, state: str, assignee_id: int | None) -> int | None:
    """Messages of a queued dialog are for every operator; of an assigned one, for its operator
    (and supervisors)."""
    if state == ConversationState.QUEUED:
        return None
    return assignee_id


def message_event_emit(message: Message, change: str = "message_created") -> None:
    conversation = message.conversation
    message_data_emit(
        message_data(message),
        change=change,
        state=conversation.state,
        assignee_id=conversation.assignee_id,
        connection_id=conversation.connection_id,
    )


def message_data_emit(
    data: dict[str, Any],
    *,
    change: str = "message_created",
    state: str,
    assignee_id: int | None,
    connection_id: int | None,
) -> None:
    """A message's event from what the caller read of its dialog (the hot path of a user's
    message has a row, not a Conversation)."""
    event_emit(
        type=f"desk.{change}",
        payload={"message": data},
        audience_user_id=message_audience(state=state, assignee_id=assignee_id),
        connection_id=connection_id,
    )


def history_loaded_emit(conversation: Conversation, messages: Sequence[dict[str, Any]]) -> None:
    event_emit(
        type="desk.history_loaded",
        payload={"conversationId": conversation.pk, "messages": list(messages)},
        audience_user_id=message_audience(
            state=conversation.state, assignee_id=conversation.assignee_id
        ),
        connection_id=conversation.connection_id,
    )
