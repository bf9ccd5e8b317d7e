"""Writes to conversations and messages: what the platform reports, and what operators do.

Every function runs in one transaction, locks the conversation it changes, and emits its event
(after commit) as its last step.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from contacts.services import contact_upsert
from conversations.models import (
    OPEN_STATES,
    STATUS_RANK,
    Connection,
    Conversation,
    ConversationState,
    DeliveryState,
    Message,
    MessageKind,
)
from conversations.serializers import conversation_data, message_data
from fromni import callbacks as cb
from fromni import models as platform
from operator_desk.errors import Conflict, Forbidden, Invalid, NotFound, WindowClosed
from operators.roles import Role, user_role
from realtime.services import event_emit

MAX_TEXT_LENGTH = 4096
MAX_ATTACHMENTS = 10


# --- events ------------------------------------------------------------------------------------


def _emit_conversation(conversation: Conversation, change: str, **extra: Any) -> None:
    event_emit(
        type=f"desk.conversation_{change}",
        payload={"conversation": conversation_data(conversation), **extra},
    )


def _message_audience(conversation: Conversation) -> int | None:
    """Messages of a queued dialog are for every operator; of an assigned one, for its operator
    (and supervisors)."""
    if conversation.state == ConversationState.QUEUED:
        return None
    return conversation.assignee_id


def message_event_emit(message: Message, change: str = "message_created") -> None:
    event_emit(
        type=f"desk.{change}",
        payload={"message": message_data(message)},
        audience_user_id=_message_audience(message.conversation),
    )


# --- what the platform reports -----------------------------------------------------------------


def connection_upsert(*, data: platform.Connection) -> Connection:
    connection, _ = Connection.objects.get_or_create(platform_id=int(data.id))
    fields = {
        "channel": data.channel or connection.channel,
        "name": data.name or connection.name or f"{data.channel} #{data.id}",
        "raw": data.model_dump(mode="json", exclude_none=True),
    }
    if any(getattr(connection, k) != v for k, v in fields.items()):
        for key, value in fields.items():
            setattr(connection, key, value)
        connection.save()
    return connection


def _locked_by_platform_id(platform_id: str) -> Conversation | None:
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("contact", "connection", "assignee")
        .filter(platform_id=platform_id)
        .first()
    )


@transaction.atomic
def conversation_handover(*, data: cb.OperatorRequested) -> tuple[Conversation, bool]:
    """The bot handed a dialog to a human: queue it, or refresh the window of a known one.

    Returns (conversation, created). A repeated or older hand-over changes nothing.
    """
    contact = contact_upsert(data=data.contact)
    connection = connection_upsert(data=data.connection)
    mode = data.operator_mode
    now = timezone.now()
    conversation = _locked_by_platform_id(data.id)
    if conversation is None:
        conversation = Conversation(
            platform_id=data.id,
            contact=contact,
            connection=connection,
            channel=data.connection.channel or "",
            scenario_id=str(data.scenario.id) if data.scenario and data.scenario.id else "",
            start_trigger=data.start_trigger or "",
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
            conversation = _locked_by_platform_id(data.id)
        else:
            opened = conversation.state == ConversationState.QUEUED
            _emit_conversation(conversation, "queued" if opened else "expired")
            from conversations.history import history_enqueue  # a task module: import late

            transaction.on_commit(lambda: history_enqueue(conversation_id=conversation.pk))
            return conversation, True

    newer = mode.expires_at is not None and (
        conversation.expires_at is None or mode.expires_at > conversation.expires_at
    )
    if not newer:
        return conversation, False
    conversation.expires_at = mode.expires_at
    conversation.operator_mode_active = mode.is_active
    if conversation.state not in OPEN_STATES and conversation.window_open(now):
        # A new hand-over of a finished dialog: back to the queue.
        conversation.state = ConversationState.QUEUED
        conversation.assignee = None
        conversation.queued_at = now
        conversation.assigned_at = conversation.closed_at = None
        conversation.save()
        _emit_conversation(conversation, "queued")
    else:
        conversation.save()
        _emit_conversation(conversation, "updated")
    return conversation, False


@transaction.atomic
def incoming_message_record(
    *, conversation_platform_id: str, message: cb.IncomingMessage, dedupe_key: str
) -> Message | None:
    """Store the user's message. None when the dialog is not known yet (the caller parks it)."""
    conversation = _locked_by_platform_id(conversation_platform_id)
    if conversation is None:
        return None
    now = timezone.now()
    record, created = Message.objects.get_or_create(
        conversation=conversation,
        dedupe_key=dedupe_key,
        defaults={
            "kind": MessageKind.INCOMING,
            "text": message.text or "",
            "attachments": message.attachments,
            "created_at": now,
        },
    )
    if created:
        conversation.last_message_at = now
        conversation.save(update_fields=["last_message_at", "updated_at"])
        message_event_emit(record)
    return record


def reply_status_apply(message: Message, status: str) -> bool:
    """Move a reply to a platform status unless it already has a later one."""
    detail = ""
    if status not in DeliveryState.values or status not in STATUS_RANK:
        status, detail = DeliveryState.UNKNOWN, f"The platform reported status {status!r}."
    if STATUS_RANK.get(message.delivery, 0) >= STATUS_RANK[status]:
        return False
    message.delivery = status
    message.delivery_detail = detail
    message.save(update_fields=["delivery", "delivery_detail"])
    message_event_emit(message, "message_status")
    return True


@transaction.atomic
def reply_status_record(
    *, conversation_platform_id: str, platform_message_id: str, status: str
) -> Message | None:
    """A delivery status of an operator reply. None when no reply has that messageId yet."""
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("conversation")
        .filter(
            conversation__platform_id=conversation_platform_id,
            platform_message_id=platform_message_id,
            kind=MessageKind.OUTGOING,
        )
        .first()
    )
    if message is None:
        return None
    reply_status_apply(message, status)
    return message


@transaction.atomic
def history_record(*, conversation_id: int, messages: Sequence[platform.DialogMessage]) -> int:
    """Store the bot dialog that preceded the hand-over, once. Returns how many were new."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
    known_replies = set(
        conversation.messages.filter(kind=MessageKind.OUTGOING)
        .exclude(platform_message_id=None)
        .values_list("platform_message_id", flat=True)
    )
    created = []
    for item in messages:
        if str(item.id) in known_replies:
            continue
        if item.date is not None and item.date > conversation.queued_at:
            continue  # after the hand-over: part of the live dialog, not history
        message, new = Message.objects.get_or_create(
            conversation=conversation,
            dedupe_key=f"history:{item.id}",
            defaults={
                "kind": MessageKind.HISTORY,
                "text": item.text or "",
                "attachments": item.attachments,
                "created_at": item.date or conversation.queued_at,
                # Kept so the thread can tell the bot's lines from the user's.
                "delivery_detail": "out" if item.out else "in",
            },
        )
        if new:
            created.append(message_data(message))
    conversation.history_loaded_at = timezone.now()
    conversation.save(update_fields=["history_loaded_at", "updated_at"])
    if created:
        event_emit(
            type="desk.history_loaded",
            payload={"conversationId": conversation.pk, "messages": created},
            audience_user_id=_message_audience(conversation),
        )
    return len(created)


@transaction.atomic
def conversations_expire_due(*, now: datetime | None = None) -> int:
    """Open conversations whose window has passed become expired, and their operators are told."""
    now = now or timezone.now()
    due = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("contact", "connection", "assignee")
        .filter(state__in=OPEN_STATES, expires_at__lte=now)
    )
    count = 0
    for conversation in due:
        conversation.state = ConversationState.EXPIRED
        conversation.closed_at = now
        conversation.save(update_fields=["state", "closed_at", "updated_at"])
        _emit_conversation(conversation, "expired")
        count += 1
    return count


# --- what operators do -------------------------------------------------------------------------


def _locked(conversation_id: int) -> Conversation:
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("contact", "connection", "assignee")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound(f"There is no conversation {conversation_id}.")
    return conversation


def _is_supervising(user: User) -> bool:
    return user_role(user) in (Role.SUPERVISOR, Role.ADMIN)


def _require_in_charge(conversation: Conversation, user: User) -> None:
    """Only the operator a conversation is assigned to, or a supervisor, may act on it."""
    if conversation.assignee_id == user.pk or _is_supervising(user):
        return
    owner = conversation.assignee
    if owner is None:
        raise Conflict("Claim the conversation first.")
    raise Forbidden(f"This conversation is assigned to {owner.get_full_name() or owner}.")


def _holder(conversation: Conversation) -> str:
    owner = conversation.assignee
    return (owner.get_full_name() or owner.username) if owner else "nobody"


@transaction.atomic
def conversation_claim(*, conversation_id: int, user: User) -> Conversation:
    """Take a queued conversation. Of two operators claiming at once, exactly one wins."""
    conversation = _locked(conversation_id)
    if conversation.state != ConversationState.QUEUED:
        if conversation.state == ConversationState.ASSIGNED:
            raise Conflict(
                f"Already claimed by {_holder(conversation)}.",
                assignee=conversation.assignee_id,
            )
        raise Conflict(
            f"The conversation is {conversation.state}; only queued ones can be claimed."
        )
    conversation.state = ConversationState.ASSIGNED
    conversation.assignee = user
    conversation.assigned_at = timezone.now()
    conversation.save(update_fields=["state", "assignee", "assigned_at", "updated_at"])
    audit_record(actor=user, action="conversation.claim", target=f"conversation:{conversation.pk}")
    _emit_conversation(conversation, "claimed")
    return conversation


@transaction.atomic
def conversation_transfer(
    *, conversation_id: int, user: User, to_user_id: int, note: str = ""
) -> Conversation:
    """Hand an open conversation to another operator, with a note only operators see."""
    conversation = _locked(conversation_id)
    if conversation.state not in OPEN_STATES:
        raise Conflict(f"The conversation is {conversation.state}.")
    if conversation.state == ConversationState.QUEUED and not _is_supervising(user):
        raise Conflict("Claim the conversation first.")
    if conversation.state == ConversationState.ASSIGNED:
        _require_in_charge(conversation, user)
    target = User.objects.filter(pk=to_user_id, is_active=True).first()
    if target is None or user_role(target) is None:
        raise Invalid(f"There is no active operator {to_user_id}.")
    if target.pk == conversation.assignee_id:
        raise Conflict(f"The conversation is already assigned to {_holder(conversation)}.")
    previous = conversation.assignee_id
    conversation.state = ConversationState.ASSIGNED
    conversation.assignee = target
    conversation.assigned_at = timezone.now()
    conversation.save(update_fields=["state", "assignee", "assigned_at", "updated_at"])
    if note.strip():
        note_message = Message.objects.create(
            conversation=conversation, kind=MessageKind.NOTE, text=note.strip(), author=user
        )
        message_event_emit(note_message)
    audit_record(
        actor=user,
        action="conversation.transfer",
        target=f"conversation:{conversation.pk}",
        fromUserId=previous,
        toUserId=target.pk,
        note=note.strip(),
    )
    _emit_conversation(conversation, "transferred", fromUserId=previous, byUserId=user.pk)
    return conversation


@transaction.atomic
def conversation_release(*, conversation_id: int, user: User) -> Conversation:
    """Put an assigned conversation back in the queue."""
    conversation = _locked(conversation_id)
    if conversation.state != ConversationState.ASSIGNED:
        raise Conflict(f"The conversation is {conversation.state}; only assigned ones go back.")
    _require_in_charge(conversation, user)
    conversation.state = ConversationState.QUEUED
    conversation.assignee = None
    conversation.assigned_at = None
    conversation.queued_at = timezone.now()
    conversation.save(update_fields=["state", "assignee", "assigned_at", "queued_at", "updated_at"])
    audit_record(
        actor=user, action="conversation.release", target=f"conversation:{conversation.pk}"
    )
    _emit_conversation(conversation, "released", byUserId=user.pk)
    return conversation


@transaction.atomic
def conversation_close(*, conversation_id: int, user: User) -> Conversation:
    conversation = _locked(conversation_id)
    if conversation.state not in OPEN_STATES:
        raise Conflict(f"The conversation is already {conversation.state}.")
    if conversation.state == ConversationState.QUEUED and not _is_supervising(user):
        raise Conflict("Claim the conversation first.")
    _require_in_charge(conversation, user)
    conversation.state = ConversationState.CLOSED
    conversation.closed_at = timezone.now()
    conversation.save(update_fields=["state", "closed_at", "updated_at"])
    audit_record(actor=user, action="conversation.close", target=f"conversation:{conversation.pk}")
    _emit_conversation(conversation, "closed", byUserId=user.pk)
    return conversation


def _clean_attachments(attachments: Sequence[Any]) -> list[dict[str, str]]:
    if len(attachments) > MAX_ATTACHMENTS:
        raise Invalid(f"At most {MAX_ATTACHMENTS} attachments per message.")
    cleaned = []
    for item in attachments:
        url = item.get("url") if isinstance(item, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise Invalid("Each attachment needs the url the upload returned.")
        cleaned.append(
            {"url": url, "name": str(item.get("name") or ""), "type": str(item.get("type") or "")}
        )
    return cleaned


def _require_window_open(conversation: Conversation, now: datetime | None = None) -> None:
    if conversation.state == ConversationState.EXPIRED or not conversation.window_open(now):
        raise WindowClosed(
            f"The messaging window closed at {conversation.window_closed_at()}; "
            "reach the contact with a template notification instead.",
            expiresAt=conversation.expires_at.isoformat() if conversation.expires_at else None,
        )


@transaction.atomic
def reply_create(
    *,
    conversation_id: int,
    user: User,
    text: str,
    attachments: Sequence[Any] = (),
    client_key: str | None = None,
) -> Message:
    """Queue an operator reply for sending. Refused once the messaging window has closed.

    `client_key` (the browser's id for this reply) makes a repeated submit return the first.
    """
    text = (text or "").strip()
    cleaned = _clean_attachments(attachments)
    if not text and not cleaned:
        raise Invalid("A reply needs text or an attachment.")
    if len(text) > MAX_TEXT_LENGTH:
        raise Invalid(f"A reply is at most {MAX_TEXT_LENGTH} characters.")
    conversation = _locked(conversation_id)
    now = timezone.now()
    # The window first: an expired dialog is no longer assigned, and "it closed at 10:42" is
    # the answer the operator needs.
    _require_window_open(conversation, now)
    if conversation.state != ConversationState.ASSIGNED or conversation.assignee_id != user.pk:
        raise Conflict(
            "Only the operator the conversation is assigned to can reply; claim it first."
        )
    dedupe_key = f"reply:{client_key}" if client_key else None
    if dedupe_key:
        existing = conversation.messages.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    message = Message.objects.create(
        conversation=conversation,
        kind=MessageKind.OUTGOING,
        text=text,
        attachments=cleaned,
        author=user,
        created_at=now,
        dedupe_key=dedupe_key,
        delivery=DeliveryState.QUEUED,
    )
    conversation.last_message_at = now
    conversation.save(update_fields=["last_message_at", "updated_at"])
    audit_record(
        actor=user,
        action="conversation.reply",
        target=f"conversation:{conversation.pk}",
        messageId=message.pk,
    )
    message_event_emit(message)
    from conversations.outbox import outbox_enqueue  # the outbox builds on these services

    transaction.on_commit(lambda: outbox_enqueue(message_id=message.pk))
    return message


@transaction.atomic
def reply_retry(*, message_id: int, user: User) -> Message:
    """Send a failed reply again (the operator asked to)."""
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("conversation")
        .filter(pk=message_id, kind=MessageKind.OUTGOING)
        .first()
    )
    if message is None:
        raise NotFound(f"There is no reply {message_id}.")
    conversation = _locked(message.conversation_id)
    _require_in_charge(conversation, user)
    if message.delivery != DeliveryState.FAILED:
        raise Conflict(f"Only failed replies can be retried; this one is {message.delivery}.")
    _require_window_open(conversation)
    message.delivery = DeliveryState.QUEUED
    message.delivery_detail = ""
    message.attempts = 0
    message.next_attempt_at = None
    message.save(update_fields=["delivery", "delivery_detail", "attempts", "next_attempt_at"])
    message.conversation = conversation
    audit_record(
        actor=user,
        action="reply.retry",
        target=f"conversation:{conversation.pk}",
        messageId=message.pk,
    )
    message_event_emit(message, "message_status")
    from conversations.outbox import outbox_enqueue

    transaction.on_commit(lambda: outbox_enqueue(message_id=message.pk))
    return message
