"""The backfill (manage.py fromni_sync conversations): dialogs read from the platform's list."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from contacts.services import contact_upsert
from conversations.connections import connection_upsert
from conversations.inbound import conversation_handover
from conversations.models import Conversation, ConversationState
from fromni import callbacks as cb
from fromni import models as platform


@transaction.atomic
def conversation_backfill(*, data: platform.Conversation) -> tuple[Conversation | None, bool]:
    """A dialog read from the platform's list (conversations/list). Returns (conversation,
    created).

    A dialog the desk knows is left as it is: its callbacks keep it current. A missing one
    whose operator window is still open is a hand-over the desk missed, and is taken exactly
    as that callback would have been (conversation_handover). A missing finished one is stored
    as expired, quietly (no operator needs telling), so that the contact's history is whole.
    """
    known = Conversation.objects.filter(platform_id=data.id).first()
    if known is not None or data.contact is None:
        return known, False
    mode = data.operator_mode or platform.OperatorMode()
    now = timezone.now()
    if data.connection is not None and mode.is_active and mode.expires_at and mode.expires_at > now:
        return conversation_handover(
            data=cb.OperatorRequested.model_validate(data.model_dump(by_alias=True))
        )
    contact = contact_upsert(data=data.contact, emit=False)
    connection = connection_upsert(data=data.connection) if data.connection else None
    conversation, created = Conversation.objects.get_or_create(
        platform_id=data.id,
        defaults={
            "contact": contact,
            "connection": connection,
            "channel": (data.connection.channel if data.connection else None) or "",
            "scenario_id": str(data.scenario.id) if data.scenario and data.scenario.id else "",
            "start_trigger": data.start_trigger or "",
            "started_at": data.started_at,
            "operator_mode_active": mode.is_active,
            "expires_at": mode.expires_at,
            "state": ConversationState.EXPIRED,
            # When the desk learned of it (as for a hand-over): the history load keeps every
            # message up to then.
            "queued_at": now,
            "closed_at": data.ended_at or mode.expires_at or now,
            "raw": data.model_dump(mode="json", exclude_none=True),
        },
    )
    return conversation, created
