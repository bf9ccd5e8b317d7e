"""What the platform reports about a dialog: the bot's hand-over, and the user's messages.

Applied by the callback applier, inside its transaction (conversations.locks.platform_write);
each write locks the conversation it changes and emits its event (after commit) as its last step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.services import contact_upsert
from conversations.assignment import auto_assign_after_commit
from conversations.connections import connection_served, connection_upsert
from conversations.events import conversation_event_emit, message_data_emit
from conversations.history import history_enqueue
from conversations.locks import conversation_locked_by_platform_id, platform_write
from conversations.models import OPEN_STATES, Conversation, ConversationState, Message, MessageKind
from conversations.serializers import message_data
from conversations.snooze import conversation_wake_on_reply
from fromni import callbacks as cb
from operator_desk.columns import fitted


@platform_write
def conversation_handover(*, data: cb.OperatorRequested) -> tuple[Conversation | None, bool]:
    """The bot handed a dialog to a human: queue it, or refresh the window of a known one.

    Returns (conversation, created). A repeated or older hand-over changes nothing. A dialog on
    a connection the desk does not serve (administration) is not queued: (None, False); the
    callback stays recorded, and the dialog's messages wait for a hand-over the desk takes.
    """
    contact = contact_upsert(data=data.contact)
    connection = connection_upsert(data=data.connection)
    served = connection_served(connection)
    mode = data.operator_mode
    now = timezone.now()
    conversation = conversation_locked_by_platform_id(data.id)
    if conversation is None and not served:
        return None, False
    if conversation is None:
        conversation = Conversation(
            platform_id=data.id,
            contact=contact,
            connection=connection,
            channel=fitted(Conversation, "channel", data.connection.channel or ""),
            scenario_id=str(data.scenario.id) if data.scenario and data.scenario.id else "",
            start_trigger=fitted(Conversation, "start_trigger", data.start_trigger or ""),
            started_at=data.started_at,
            operator_mode_active=mode.is_active,
            expires_at=mode.expires_at,
            queued_at=now,
            raw=data.model_dump(mode="json", exclude_none=True),
        )
        if not conversation.window_open(now):
            conversation.state = ConversationState.EXPIRED
            conversation.closed_at = now
        try:
            with transaction.atomic():
                conversation.save()
        except IntegrityError:  # the same hand-over applied concurrently
            conversation = conversation_locked_by_platform_id(data.id)
        else:
            opened = conversation.state == ConversationState.QUEUED
            conversation_event_emit(conversation, "queued" if opened else "expired")
            transaction.on_commit(lambda: history_enqueue(conversation_id=conversation.pk))
            if opened:
                auto_assign_after_commit()
            return conversation, True

    newer = mode.expires_at is not None and (
        conversation.expires_at is None or mode.expires_at > conversation.expires_at
    )
    if not newer:
        return conversation, False
    conversation.expires_at = mode.expires_at
    conversation.operator_mode_active = mode.is_active
    if conversation.state not in OPEN_STATES and conversation.window_open(now) and served:
        # A new hand-over of a finished dialog: back to the queue.
        conversation.state = ConversationState.QUEUED
        conversation.assignee = None
        conversation.queued_at = now
        conversation.assigned_at = conversation.closed_at = conversation.first_reply_at = None
        conversation.save()
        conversation_event_emit(conversation, "queued")
        auto_assign_after_commit()
    else:
        conversation.save()
        conversation_event_emit(conversation, "updated")
    return conversation, False


def _conversation_touched(*, platform_id: str, at: datetime) -> dict[str, Any] | None:
    """Move the dialog's last activity to `at` and return what a message's event needs, or None
    if there is no such dialog. One `UPDATE ... RETURNING` (PostgreSQL, SQLite 3.35+) where the
    ORM needs a locking SELECT and an UPDATE: the row is locked all the same, FOR NO KEY UPDATE
    as `locked` would (no key column changes)."""
    connection = transaction.get_connection()
    quote, meta = connection.ops.quote_name, Conversation._meta

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    returned = ("id", "state", "assignee", "connection", "snoozed_at")
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {column('last_message_at')} = %s, "
        f"{column('updated_at')} = %s WHERE {column('platform_id')} = %s "
        f"RETURNING {', '.join(column(name) for name in returned)}"
    )
    moment = meta.get_field("updated_at").get_db_prep_value(at, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [moment, moment, platform_id])
        found = cursor.fetchone()
    if found is None:
        return None
    keys = ("pk", "state", "assignee_id", "connection_id", "snoozed_at")
    return dict(zip(keys, found, strict=True))


@platform_write
def incoming_message_record(
    *,
    conversation_platform_id: str,
    message: cb.IncomingMessage,
    dedupe_key: str,
    created_at: datetime | None = None,
) -> Message | None:
    """Store the user's message. None when the dialog is not known yet (the caller parks it).

    The hottest path of the desk (one per user message): the dialog's update (which locks it),
    the message, and its event's cursor and row. `dedupe_key` is unique per conversation, and each
    callback body is applied once (callbacks.services records it by hash first), so a plain
    insert is safe. `created_at` places a message found later where it arrived (a user's
    repeated text, callbacks/repeats.py); by default, now.
    """
    now = timezone.now()
    row = _conversation_touched(platform_id=conversation_platform_id, at=now)
    if row is None:
        return None
    if row["snoozed_at"] is not None:  # rare: the row is locked already, so this costs little
        conversation_wake_on_reply(conversation_id=row["pk"])
    record = Message.objects.create(
        conversation_id=row["pk"],
        dedupe_key=dedupe_key,
        kind=MessageKind.INCOMING,
        text=message.text or "",
        attachments=message.attachments,
        created_at=created_at or now,
    )
    message_data_emit(
        message_data(record),
        state=row["state"],
        assignee_id=row["assignee_id"],
        connection_id=row["connection_id"],
    )
    return record
