"""Taking a conversation's row lock, as every write to one does first."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from conversations.models import Conversation
from operator_desk.db import locked
from operator_desk.errors import NotFound

# What the platform reports is applied inside the applier's transaction, which may hold many
# callbacks; these writes raise only on bugs, so they need no savepoint of their own (each
# is a round trip to the database, on the hottest path).
platform_write = transaction.atomic(savepoint=False)


def conversation_locked(conversation_id: int) -> Conversation:
    conversation = (
        locked(Conversation.objects)
        .select_related("contact", "connection", "assignee")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound(_("There is no conversation %(id)s.") % {"id": conversation_id})
    return conversation


def conversation_locked_by_platform_id(platform_id: str) -> Conversation | None:
    return (
        locked(Conversation.objects)
        .select_related("contact", "connection", "assignee")
        .filter(platform_id=platform_id)
        .first()
    )
