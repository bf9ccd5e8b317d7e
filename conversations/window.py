"""The messaging window closing before the desk's clock says so.

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

from conversations.models import OPEN_STATES, Conversation
from conversations.services import conversation_expire
from operator_desk.db import locked


@transaction.atomic
def conversation_operator_mode_end(*, conversation_id: int, at: datetime | None = None) -> bool:
    """The platform says the dialog's operator mode is over: its window closes at `at` (now).

    `expiresAt` is corrected to `at` (never moved later), and an open conversation expires as
    the clock would expire it. Returns False when there was nothing to change (no such
    conversation, or one already closed whose window had ended).
    """
    at = at or timezone.now()
    conversation = (
        locked(Conversation.objects)
        .select_related("contact", "connection", "assignee")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
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
