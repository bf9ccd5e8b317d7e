"""The messaging window closing: at its `expiresAt` (the clock, conversations_expire_due), or
earlier when the platform says so.

The platform ends a dialog's operator mode when it decides (a scenario moved on, its own clock
ran a little ahead of ours) and tells nobody; the desk learns it when a send is refused with
"Operator mode is not active". From then on the dialog is closed exactly as at a normal expiry:
its window ends now, the operator's page is told live (`desk.conversation_expired`), and the
composer offers the template notification.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from conversations.events import conversation_event_emit
from conversations.locks import conversation_locked, platform_write
from conversations.models import OPEN_STATES, Conversation, ConversationState
from conversations.snooze import snooze_forget
from operator_desk.db import locked
from operator_desk.errors import NotFound


@transaction.atomic
def conversation_operator_mode_end(*, conversation_id: int, at: datetime | None = None) -> bool:
    """The platform says the dialog's operator mode is over: its window closes at `at` (now).

    `expiresAt` is corrected to `at` (never moved later), and an open conversation expires as
    the clock would expire it. Returns False when there was nothing to change (no such
    conversation, or one already closed whose window had ended).
    """
    at = at or timezone.now()
    try:
        conversation = conversation_locked(conversation_id)
    except NotFound:
        return False
    corrected = conversation.window_open(at)
    if corrected:  # the desk still counted minutes left
        conversation.expires_at = at
        conversation.operator_mode_active = False
    if conversation.state in OPEN_STATES:
        conversation_expire(conversation, at=at)
        return True
    if corrected:
        # Closed by its operator already: nobody is waiting on it; the record is corrected.
        conversation.save(update_fields=["expires_at", "operator_mode_active", "updated_at"])
    return corrected


@platform_write
def conversations_expire_due(*, now: datetime | None = None) -> int:
    """Open conversations whose window has passed become expired, and their operators are told."""
    now = now or timezone.now()
    due = (
        locked(Conversation.objects)
        .select_related("contact", "connection", "assignee")
        .filter(state__in=OPEN_STATES, expires_at__lte=now)
    )
    count = 0
    for conversation in due:
        conversation_expire(conversation, at=now)
        count += 1
    return count


def conversation_expire(conversation: Conversation, *, at: datetime) -> None:
    """A locked, open conversation's window is over: expired, and its operator told (the
    event, after commit). The clock's way, and the platform's when it ends operator mode early
    (conversations/window.py)."""
    conversation.state = ConversationState.EXPIRED
    conversation.closed_at = at
    fields = [
        "state",
        "closed_at",
        "expires_at",
        "operator_mode_active",
        "updated_at",
        *snooze_forget(conversation),
    ]
    conversation.save(update_fields=fields)
    conversation_event_emit(conversation, "expired")
