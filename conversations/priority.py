"""A conversation's priority: the queue serves the most urgent first (conversations.list_filters,
conversations.assignment)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from conversations.charge import require_may_triage
from conversations.events import conversation_event_emit
from conversations.locks import conversation_locked
from conversations.models import OPEN_STATES, PRIORITY_BY_NAME, PRIORITY_NAMES, Conversation
from conversations.wording import state_word
from operator_desk.errors import Conflict, Invalid


@transaction.atomic
def conversation_priority_set(*, conversation_id: int, user: User, priority: str) -> Conversation:
    """Sets an open conversation's priority; the same one again changes nothing (no event)."""
    if priority not in PRIORITY_BY_NAME:
        raise Invalid(
            _("%(field)s must be one of %(choices)s.")
            % {"field": "priority", "choices": ", ".join(PRIORITY_BY_NAME)},
            field="priority",
        )
    conversation = conversation_locked(conversation_id)
    if conversation.state not in OPEN_STATES:
        raise Conflict(
            _("The conversation is %(state)s; its priority no longer counts.")
            % {"state": state_word(conversation.state)}
        )
    require_may_triage(conversation, user)
    value = PRIORITY_BY_NAME[priority]
    if conversation.priority == value:
        return conversation
    before = PRIORITY_NAMES[conversation.priority]
    conversation.priority = value
    # Not updated_at: a priority is not activity, and the lists keyset-page by it.
    conversation.save(update_fields=["priority"])
    audit_record(
        actor=user,
        action="conversation.priority",
        target=f"conversation:{conversation.pk}",
        fromPriority=before,
        toPriority=priority,
    )
    conversation_event_emit(conversation, "priority_changed", byUserId=user.pk, fromPriority=before)
    return conversation
