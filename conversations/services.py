"""Writes to conversations and messages: what the platform reports, and what operators do.

Every function runs in one transaction, locks the conversation it changes, and emits its event
(after commit) as its last step.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from audit.services import audit_record
from contacts.services import contact_upsert
from conversations.connections import (
    connection_ids_hidden_from,
    connection_served,
    connection_upsert,
)
from conversations.models import (
    OPEN_STATES,
    STATUS_RANK,
    Conversation,
    ConversationState,
    DeliveryState,
    Message,
    MessageKind,
)
from conversations.selectors import conversation_not_found
from conversations.serializers import conversation_data, message_data
from fromni import callbacks as cb
from fromni import models as platform
from operator_desk.columns import fitted
from operator_desk.db import locked
from operator_desk.errors import Conflict, Forbidden, Invalid, NotFound, WindowClosed
from operators.models import OperatorProfile, Presence
from operators.roles import Role, user_role
from realtime.services import event_emit

# What the platform reports is applied inside the applier's transaction, which may hold many
# callbacks; these functions raise only on bugs, so they need no savepoint of their own (each
# is a round trip to the database, on the hottest path).
platform_write = transaction.atomic(savepoint=False)

MAX_TEXT_LENGTH = 4096
MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class AttachmentRule:
    """What a channel takes in one message: how many attachments, and of which kinds
    (the MIME type's first part, e.g. "image"; None: any kind)."""

    most: int
    kinds: tuple[str, ...] | None = None

    def as_json(self) -> dict[str, Any]:
        return {"max": self.most, "kinds": list(self.kinds) if self.kinds is not None else None}


# The platform's rules (api-reference, Notifications): SMS and Notify take no attachments,
# Instagram and Viber business messages one image. Other channels take any file.
DEFAULT_ATTACHMENT_RULE = AttachmentRule(MAX_ATTACHMENTS)
ATTACHMENT_RULES: dict[str, AttachmentRule] = {
    "sms": AttachmentRule(0),
    "notify": AttachmentRule(0),
    "instagram": AttachmentRule(1, ("image",)),
    "viber": AttachmentRule(1, ("image",)),
}


def attachment_rule(channel: str) -> AttachmentRule:
    return ATTACHMENT_RULES.get(channel, DEFAULT_ATTACHMENT_RULE)


def attachment_kind(attachment: dict[str, str]) -> str:
    """ "image" for image/png or a bare "image"; guessed from the name when no type is given."""
    kind = attachment.get("type") or mimetypes.guess_type(attachment.get("name") or "")[0] or ""
    return kind.split("/", 1)[0].lower()


# --- events ------------------------------------------------------------------------------------


def _emit_conversation(conversation: Conversation, change: str, **extra: Any) -> None:
    event_emit(
        type=f"desk.conversation_{change}",
        payload={"conversation": conversation_data(conversation), **extra},
        connection_id=conversation.connection_id,
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
        connection_id=message.conversation.connection_id,
    )


# --- what the platform reports -----------------------------------------------------------------


def _conversation_locked_by_platform_id(platform_id: str) -> Conversation | None:
    return (
        locked(Conversation.objects)
        .select_related("contact", "connection", "assignee")
        .filter(platform_id=platform_id)
        .first()
    )


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
    conversation = _conversation_locked_by_platform_id(data.id)
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
            conversation = _conversation_locked_by_platform_id(data.id)
        else:
            opened = conversation.state == ConversationState.QUEUED
            _emit_conversation(conversation, "queued" if opened else "expired")
            from conversations.history import history_enqueue  # a task module: import late

            transaction.on_commit(lambda: history_enqueue(conversation_id=conversation.pk))
            if opened:
                _auto_assign_after_commit()
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
        _emit_conversation(conversation, "queued")
        _auto_assign_after_commit()
    else:
        conversation.save()
        _emit_conversation(conversation, "updated")
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

    returned = ("id", "state", "assignee", "connection")
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
    return dict(zip(("pk", "state", "assignee_id", "connection_id"), found, strict=True))


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
    record = Message.objects.create(
        conversation_id=row["pk"],
        dedupe_key=dedupe_key,
        kind=MessageKind.INCOMING,
        text=message.text or "",
        attachments=message.attachments,
        created_at=created_at or now,
    )
    event_emit(
        type="desk.message_created",
        payload={"message": message_data(record)},
        audience_user_id=None if row["state"] == ConversationState.QUEUED else row["assignee_id"],
        connection_id=row["connection_id"],
    )
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


@platform_write
def reply_status_record(
    *, conversation_platform_id: str, platform_message_id: str, status: str
) -> Message | None:
    """A delivery status of an operator reply. None when no reply has that messageId yet."""
    message = (
        locked(Message.objects)
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


@platform_write
def history_record(*, conversation_id: int, messages: Sequence[platform.DialogMessage]) -> int:
    """Store the bot dialog that preceded the hand-over, once. Returns how many were new."""
    conversation = locked(Conversation.objects).get(pk=conversation_id)
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
            connection_id=conversation.connection_id,
        )
    return len(created)


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
    fields = ["state", "closed_at", "expires_at", "operator_mode_active", "updated_at"]
    conversation.save(update_fields=fields)
    _emit_conversation(conversation, "expired")


# --- what operators do -------------------------------------------------------------------------


def _conversation_locked(conversation_id: int) -> Conversation:
    conversation = (
        locked(Conversation.objects)
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


def _may_see_queue_of(conversation: Conversation, user: User) -> bool:
    """Connection access rules (administration): an operator they leave out cannot claim what
    they cannot see in the queue."""
    if conversation.connection_id is None or _is_supervising(user):
        return True
    return conversation.connection_id not in connection_ids_hidden_from(user_id=user.pk)


def _holder(conversation: Conversation) -> str:
    owner = conversation.assignee
    return (owner.get_full_name() or owner.username) if owner else "nobody"


@transaction.atomic
def conversation_claim(*, conversation_id: int, user: User) -> Conversation:
    """Take a queued conversation. Of two operators claiming at once, exactly one wins."""
    conversation = _conversation_locked(conversation_id)
    if not _may_see_queue_of(conversation, user):  # the API's gate said so already
        raise conversation_not_found(conversation_id)
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
    conversation = _conversation_locked(conversation_id)
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
    conversation = _conversation_locked(conversation_id)
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
    conversation = _conversation_locked(conversation_id)
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


@transaction.atomic
def conversations_release_assigned(*, assignee: User, actor: User | None) -> list[Conversation]:
    """Put every conversation assigned to `assignee` back in the queue, as conversation_release
    does one (an admin deactivated the operator: nobody would answer them otherwise)."""
    conversations = list(
        locked(Conversation.objects)
        .select_related("contact", "connection", "assignee")
        .filter(assignee=assignee, state=ConversationState.ASSIGNED)
        .order_by("assigned_at", "pk")
    )
    now = timezone.now()
    for conversation in conversations:
        conversation.state = ConversationState.QUEUED
        conversation.assignee = None
        conversation.assigned_at = None
        conversation.queued_at = now
        conversation.save(
            update_fields=["state", "assignee", "assigned_at", "queued_at", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="conversation.release",
            target=f"conversation:{conversation.pk}",
            fromUserId=assignee.pk,
            reason="operator deactivated",
        )
        _emit_conversation(
            conversation, "released", byUserId=actor.pk if actor else None, fromUserId=assignee.pk
        )
    return conversations


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


def _check_attachment_rule(conversation: Conversation, attachments: list[dict[str, str]]) -> None:
    rule = attachment_rule(conversation.channel)
    channel = conversation.channel or "this channel"
    if len(attachments) > rule.most:
        if rule.most == 0:
            raise Invalid(f"Messages on {channel} cannot carry attachments.", rule=rule.as_json())
        raise Invalid(
            f"Messages on {channel} take at most {rule.most} attachment(s).", rule=rule.as_json()
        )
    if rule.kinds is not None:
        wrong = [a["name"] or a["url"] for a in attachments if attachment_kind(a) not in rule.kinds]
        if wrong:
            raise Invalid(
                f"Messages on {channel} take only {', '.join(rule.kinds)} attachments; "
                f"not {', '.join(wrong)}.",
                rule=rule.as_json(),
            )


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
    conversation = _conversation_locked(conversation_id)
    now = timezone.now()
    # The window first: an expired dialog is no longer assigned, and "it closed at 10:42" is
    # the answer the operator needs.
    _require_window_open(conversation, now)
    if conversation.state != ConversationState.ASSIGNED or conversation.assignee_id != user.pk:
        raise Conflict(
            "Only the operator the conversation is assigned to can reply; claim it first."
        )
    _check_attachment_rule(conversation, cleaned)
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
    from conversations.outbox import outbox_enqueue  # the outbox builds on these services

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
        raise NotFound(f"There is no reply {message_id}.")
    conversation = _conversation_locked(message.conversation_id)
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


@transaction.atomic
def note_create(*, conversation_id: int, user: User, text: str) -> Message:
    """An internal note in the thread: operators see it, the contact never does."""
    text = (text or "").strip()
    if not text:
        raise Invalid("A note needs text.")
    if len(text) > MAX_TEXT_LENGTH:
        raise Invalid(f"A note is at most {MAX_TEXT_LENGTH} characters.")
    conversation = _conversation_locked(conversation_id)
    if conversation.assignee_id not in (None, user.pk) and not _is_supervising(user):
        raise Forbidden(f"This conversation is assigned to {_holder(conversation)}.")
    note = Message.objects.create(
        conversation=conversation, kind=MessageKind.NOTE, text=text, author=user
    )
    audit_record(actor=user, action="conversation.note", target=f"conversation:{conversation.pk}")
    message_event_emit(note)
    return note


# --- automatic assignment ----------------------------------------------------------------------

# Who automatic assignment hands conversations to (admins run the desk; they are not in it).
ASSIGNABLE_ROLES = (Role.AGENT.value, Role.SUPERVISOR.value)


def _operators_with_room() -> list[int]:
    """Online operators below their capacity: least loaded first, then the one who got a
    conversation longest ago. A hint only: the load is counted again under a lock."""
    assigned = Q(user__assigned_conversations__state=ConversationState.ASSIGNED)
    profiles = (
        OperatorProfile.objects.filter(
            presence=Presence.ONLINE,
            user__is_active=True,
            user__groups__name__in=ASSIGNABLE_ROLES,
            capacity__gt=0,
        )
        .annotate(
            load=Count("user__assigned_conversations", filter=assigned, distinct=True),
            latest=Max("user__assigned_conversations__assigned_at"),
        )
        .order_by("load", "latest", "user_id")
    )
    return [p.user_id for p in profiles if p.load < p.capacity]


def _load(user_id: int) -> int:
    return Conversation.objects.filter(
        assignee_id=user_id, state=ConversationState.ASSIGNED
    ).count()


@transaction.atomic
def conversation_auto_assign(*, conversation_id: int, candidates: Sequence[int]) -> User | None:
    """Give one queued conversation to the first candidate with room. Race-safe: the
    conversation is locked as conversation_claim locks it (a claim and an assignment cannot
    both win), and each candidate's profile is locked before their load is counted (two
    assignments cannot both fill the last free place)."""
    conversation = _conversation_locked(conversation_id)
    now = timezone.now()
    if conversation.state != ConversationState.QUEUED or not conversation.window_open(now):
        return None
    for user_id in candidates:
        profile = (
            locked(OperatorProfile.objects)
            .select_related("user")
            .filter(user_id=user_id, presence=Presence.ONLINE, user__is_active=True)
            .first()
        )
        if profile is None or not _may_see_queue_of(conversation, profile.user):
            continue  # went offline meanwhile, or kept out of this connection
        if _load(user_id) >= profile.capacity:
            continue
        conversation.state = ConversationState.ASSIGNED
        conversation.assignee = profile.user
        conversation.assigned_at = now
        conversation.save(update_fields=["state", "assignee", "assigned_at", "updated_at"])
        audit_record(
            actor=None,
            action="conversation.auto_assign",
            target=f"conversation:{conversation.pk}",
            toUserId=user_id,
        )
        _emit_conversation(conversation, "claimed", byUserId=None, auto=True)
        return profile.user
    return None


def conversations_auto_assign(*, limit: int = 100) -> int:
    """Hand the queue, oldest first, to online operators with free capacity, while any have
    room. Off unless DESK_AUTO_ASSIGN. Each assignment is its own transaction."""
    if not settings.DESK_AUTO_ASSIGN:
        return 0
    queued = Conversation.objects.filter(state=ConversationState.QUEUED).order_by("queued_at", "pk")
    assigned = 0
    for conversation_id in queued.values_list("pk", flat=True)[:limit]:
        candidates = _operators_with_room()
        if not candidates:
            break
        if conversation_auto_assign(conversation_id=conversation_id, candidates=candidates):
            assigned += 1
    return assigned


def _auto_assign_after_commit() -> None:
    if settings.DESK_AUTO_ASSIGN:
        transaction.on_commit(conversations_auto_assign)


# --- the backfill (manage.py fromni_sync conversations) ---------------------------------------


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
