"""Reads for the desk's pages: a conversation as the thread shows it, and quick replies."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.db.models import F, Q

from contacts.serializers import contact_data
from conversations.models import Conversation
from conversations.selectors import conversation_seen, conversations_visible, last_read
from conversations.serializers import conversation_data, message_data
from desk.models import QuickReply
from outreach.serializers import notification_data

# Earlier conversations of the contact listed beside a thread.
EARLIER_CONVERSATIONS = 10


def quick_reply_data(reply: QuickReply) -> dict[str, Any]:
    return {
        "id": reply.pk,
        "source": "desk",
        "name": reply.title,
        "text": reply.text,
        "personal": reply.owner_id is not None,
        "updatedAt": reply.updated_at.isoformat() if reply.updated_at else None,
    }


def quick_replies(*, user: AbstractBaseUser) -> list[dict[str, Any]]:
    """The team's quick replies and the user's own, the user's first (each by title)."""
    rows = QuickReply.objects.filter(Q(owner__isnull=True) | Q(owner=user)).order_by(
        F("owner").asc(nulls_last=True), "title", "id"
    )
    return [quick_reply_data(reply) for reply in rows]


def conversation_detail(*, user: User, conversation_id: int) -> dict[str, Any]:
    conversation = conversation_seen(user=user, conversation_id=conversation_id)
    messages = conversation.messages.select_related("author").order_by("created_at", "id")
    notifications = conversation.notifications.select_related("sent_by").order_by("created_at")
    return {
        "conversation": conversation_data(conversation),
        "messages": [message_data(m) for m in messages],
        "contact": _contact_panel(user, conversation),
        "notifications": [notification_data(n) for n in notifications],
        "lastReadMessageId": last_read(user=user, conversation_id=conversation.pk),
    }


def _contact_panel(user: User, conversation: Conversation) -> dict[str, Any]:
    """The contact as the side panel shows it, with their earlier conversations (those the
    operator may open are marked so)."""
    visible = set(
        conversations_visible(user)
        .filter(contact_id=conversation.contact_id)
        .values_list("pk", flat=True)
    )
    earlier = (
        Conversation.objects.filter(contact_id=conversation.contact_id)
        .exclude(pk=conversation.pk)
        .select_related("assignee")
        .order_by("-queued_at", "-pk")[:EARLIER_CONVERSATIONS]
    )
    return {
        **contact_data(conversation.contact),
        "earlierConversations": [
            {
                "id": c.pk,
                "state": c.state,
                "channel": c.channel,
                "queuedAt": c.queued_at.isoformat() if c.queued_at else None,
                "closedAt": c.closed_at.isoformat() if c.closed_at else None,
                "assignee": (c.assignee.get_full_name() or c.assignee.username)
                if c.assignee
                else None,
                "canOpen": c.pk in visible,
            }
            for c in earlier
        ],
    }
