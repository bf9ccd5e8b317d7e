"""Conversations and messages as JSON, for the /api/ answers and the websocket events alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conversations.models import PRIORITY_NAMES, Conversation, Label, Mention, Message


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def person_data(user) -> dict[str, Any] | None:
    """An operator as the page names them."""
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.username}


def label_data(label: Label) -> dict[str, Any]:
    return {
        "id": label.pk,
        "name": label.name,
        "colour": label.colour,
        "description": label.description,
    }


def conversation_data(conversation: Conversation) -> dict[str, Any]:
    connection = conversation.connection
    contact = conversation.contact
    return {
        "id": conversation.pk,
        "platformId": conversation.platform_id,
        "state": conversation.state,
        "channel": conversation.channel,
        "connection": connection
        and {"id": connection.platform_id, "name": connection.name, "channel": connection.channel},
        "contact": {
            "id": contact.pk,
            "platformId": contact.platform_id,
            "name": contact.display_name,
        },
        "assignee": person_data(conversation.assignee),
        "operatorModeActive": conversation.operator_mode_active,
        "expiresAt": _iso(conversation.expires_at),
        "queuedAt": _iso(conversation.queued_at),
        "assignedAt": _iso(conversation.assigned_at),
        "closedAt": _iso(conversation.closed_at),
        "lastMessageAt": _iso(conversation.last_message_at),
        "startedAt": _iso(conversation.started_at),
        "snoozedAt": _iso(conversation.snoozed_at),
        "snoozedUntil": _iso(conversation.snoozed_until),
        "snoozeUntilReply": conversation.snooze_until_reply,
        "priority": PRIORITY_NAMES[conversation.priority],
        # Prefetched by the lists (conversations.selectors); one query for a single one.
        "labels": [label_data(label) for label in conversation.labels.all()],
    }


def message_data(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "conversationId": message.conversation_id,
        "kind": message.kind,
        "text": message.text,
        "attachments": message.attachments,
        "author": person_data(message.author),
        "createdAt": _iso(message.created_at),
        "delivery": message.delivery or None,
        "deliveryDetail": message.delivery_detail or None,
        "platformMessageId": message.platform_message_id,
    }


def mention_data(mention: Mention) -> dict[str, Any]:
    """A row of the operator's "Mentions" list, and the payload of desk.mention_created."""
    note = mention.message
    return {
        "id": mention.pk,
        "conversationId": mention.conversation_id,
        "messageId": mention.message_id,
        "text": note.text,
        "author": person_data(mention.author),
        "contact": {"name": mention.conversation.contact.display_name},
        "createdAt": _iso(mention.created_at),
        "readAt": _iso(mention.read_at),
    }
