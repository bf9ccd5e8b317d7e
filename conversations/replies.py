"""What operators write in a thread: replies (queued for the outbox) and internal notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from conversations.attachments import attachment_rule_check, attachments_cleaned
from conversations.charge import holder_name, is_supervising, require_in_charge
from conversations.events import message_event_emit
from conversations.locks import conversation_locked
from conversations.mentions import MentionOutcome, mentions_record
from conversations.models import (
    Conversation,
    ConversationState,
    DeliveryState,
    Message,
    MessageKind,
)
from conversations.outbox import outbox_enqueue
from conversations.wording import delivery_word, moment_word
from operator_desk.db import locked
from operator_desk.errors import Conflict, Forbidden, Invalid, NotFound, WindowClosed

MAX_TEXT_LENGTH = 4096


def _require_window_open(conversation: Conversation, now: datetime | None = None) -> None:
    if conversation.state == ConversationState.EXPIRED or not conversation.window_open(now):
        raise WindowClosed(
            _(
                "The messaging window closed at %(when)s; "
                "reach the contact with a template notification instead."
            )
            % {"when": moment_word(conversation.expires_at)},
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
    cleaned = attachments_cleaned(attachments)
    if not text and not cleaned:
        raise Invalid(_("A reply needs text or an attachment."))
    if len(text) > MAX_TEXT_LENGTH:
        raise Invalid(_("A reply is at most %(most)s characters.") % {"most": MAX_TEXT_LENGTH})
    conversation = conversation_locked(conversation_id)
    now = timezone.now()
    # The window first: an expired dialog is no longer assigned, and "it closed at 10:42" is
    # the answer the operator needs.
    _require_window_open(conversation, now)
    if conversation.state != ConversationState.ASSIGNED or conversation.assignee_id != user.pk:
        raise Conflict(
            _("Only the operator the conversation is assigned to can reply; claim it first.")
        )
    attachment_rule_check(conversation, cleaned)
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
    conversation.first_reply_at = conversation.first_reply_at or now
    conversation.save(update_fields=["last_message_at", "first_reply_at", "updated_at"])
    audit_record(
        actor=user,
        action="conversation.reply",
        target=f"conversation:{conversation.pk}",
        messageId=message.pk,
    )
    message_event_emit(message)

    transaction.on_commit(lambda: outbox_enqueue(message_id=message.pk))
    return message


@transaction.atomic
def reply_retry(*, message_id: int, user: User) -> Message:
    """Send a failed reply again (the operator asked to)."""
    message = (
        locked(Message.objects)
        .select_related("conversation")
        .filter(pk=message_id, kind=MessageKind.OUTGOING)
        .first()
    )
    if message is None:
        raise NotFound(_("There is no reply %(id)s.") % {"id": message_id})
    conversation = conversation_locked(message.conversation_id)
    require_in_charge(conversation, user)
    if message.delivery != DeliveryState.FAILED:
        raise Conflict(
            _("Only failed replies can be retried; this one is %(delivery)s.")
            % {"delivery": delivery_word(message.delivery)}
        )
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

    transaction.on_commit(lambda: outbox_enqueue(message_id=message.pk))
    return message


@dataclass(frozen=True)
class NotePosted:
    note: Message
    mentions: MentionOutcome


@transaction.atomic
def note_create(*, conversation_id: int, user: User, text: str) -> NotePosted:
    """An internal note in the thread: operators see it, the contact never does. The operators
    it mentions (`<@id>`) are told, if they may see the conversation (conversations/mentions.py).
    """
    text = (text or "").strip()
    if not text:
        raise Invalid(_("A note needs text."))
    if len(text) > MAX_TEXT_LENGTH:
        raise Invalid(_("A note is at most %(most)s characters.") % {"most": MAX_TEXT_LENGTH})
    conversation = conversation_locked(conversation_id)
    if conversation.assignee_id not in (None, user.pk) and not is_supervising(user):
        raise Forbidden(
            _("This conversation is assigned to %(name)s.") % {"name": holder_name(conversation)}
        )
    note = Message.objects.create(
        conversation=conversation, kind=MessageKind.NOTE, text=text, author=user
    )
    audit_record(actor=user, action="conversation.note", target=f"conversation:{conversation.pk}")
    message_event_emit(note)
    mentions = mentions_record(note=note, author=user)
    return NotePosted(note=note, mentions=mentions)
