"""Dialogs: a user hands over to an operator, writes again, gets the operator's messages.

Shared by the API (conversations/*), the control API and the autopilot. Every function runs
inside a state transaction and sends the platform's conversation callbacks.
"""

from __future__ import annotations

from typing import Any

from .app import Sandbox
from .clock import in_seconds, now_iso
from .ids import object_id
from .profiles import (
    announce_created,
    clean_fields,
    find_existing,
    new_contact,
    random_identity,
    update_contact,
)
from .state import Connection, Contact, Conversation, Message, PlatformState
from .views import contact_channels, operator_mode_active
from .views import conversation as conversation_view

DEFAULT_WINDOW_SECONDS = 1800
GREETING = "Hello! I have a question about my order."
BOT_HANDOVER = "Thank you! I am connecting you with an operator, please wait a moment."
NOT_ACTIVE = "Operator mode is not active for this conversation"


class DialogError(ValueError):
    pass


def default_history(text: str) -> list[dict[str, Any]]:
    return [{"text": text, "out": False}, {"text": BOT_HANDOVER, "out": True}]


def append_message(
    conv: Conversation,
    *,
    out: bool,
    text: str,
    attachments: list[Any] | None = None,
    status: str | None,
    from_operator: bool = False,
) -> Message:
    # Message ids are integers counting up within the dialog, as the platform's messageId.
    next_id = conv.messages[-1].id + 1 if conv.messages else 1
    msg = Message(
        next_id, conv.connection_id, now_iso(), out, status, text, attachments or [], from_operator
    )
    conv.messages.append(msg)
    return msg


def open_dialog(
    sb: Sandbox,
    state: PlatformState,
    connection: Connection,
    person: Contact,
    *,
    history: list[dict[str, Any]],
    window_seconds: float = DEFAULT_WINDOW_SECONDS,
    start_trigger: str = "message",
) -> Conversation:
    """The bot hands a new dialog to an operator: `conversation_operator_requested`."""
    conv = Conversation(
        id=object_id(),
        connection_id=connection.id,
        contact_id=person.id,
        operator_active=True,
        expires_at=in_seconds(window_seconds),
        scenario_id=object_id(),
        started_at=now_iso(),
        start_trigger=start_trigger,
    )
    for item in history:
        out = bool(item.get("out"))
        append_message(
            conv,
            out=out,
            text=str(item.get("text", "")),
            attachments=item.get("attachments"),
            status="read" if out else "delivered",
        )
    state.conversations[conv.id] = conv
    sb.emit({"name": "conversation_operator_requested", "data": conversation_view(state, conv)})
    return conv


def user_writes(
    sb: Sandbox, conv: Conversation, text: str, attachments: list[Any] | None = None
) -> Message:
    """A new incoming message: `conversation_message_created` (which carries no message id)."""
    msg = append_message(conv, out=False, text=text, attachments=attachments, status="delivered")
    sb.emit(
        {
            "name": "conversation_message_created",
            "data": {
                "conversationId": conv.id,
                "message": {"text": msg.text, "attachments": msg.attachments},
            },
        }
    )
    return msg


def operator_sends(
    sb: Sandbox, conv: Conversation, text: str, attachments: list[Any] | None
) -> Message:
    """The operator's message, refused outside the operator window; then delivered, read."""
    if not operator_mode_active(conv):
        raise DialogError(NOT_ACTIVE)
    msg = append_message(
        conv, out=True, text=text, attachments=attachments, status="sent", from_operator=True
    )
    delays = sb.config.status_delays
    if delays is not None:
        for status, delay in zip(("delivered", "read"), delays, strict=True):
            sb.later(delay, _status_job(sb, conv.id, msg.id, status))
    return msg


def _status_job(sb: Sandbox, conv_id: str, msg_id: int, status: str) -> Any:
    def job(state: PlatformState) -> None:
        conv = state.conversations.get(conv_id)
        msg = find_message(conv, msg_id) if conv else None
        if conv is not None and msg is not None:
            set_status(sb, conv, msg, status)

    return job


def find_message(conv: Conversation, msg_id: int) -> Message | None:
    return next((m for m in conv.messages if m.id == msg_id), None)


def set_status(sb: Sandbox, conv: Conversation, msg: Message, status: str) -> None:
    """The messenger reports a status: `conversation_message_updated`."""
    msg.status = status
    sb.emit(
        {
            "name": "conversation_message_updated",
            "data": {"conversationId": conv.id, "messageId": msg.id, "status": status},
        }
    )


def pick_connection(
    state: PlatformState, channel: str | None, connection_id: int | None
) -> Connection:
    """The connection a user writes through: the one named, or the first of the channel."""
    if connection_id is not None:
        conn = state.connections.get(connection_id)
        if conn is None:
            raise LookupError(f"Connection {connection_id} not found")
        if channel is not None and conn.channel != channel:
            raise ValueError(f"Connection {connection_id} is a {conn.channel} connection")
        return conn
    wanted = channel or "telegram"
    for conn in state.connections.values():
        if conn.channel == wanted:
            return conn
    raise LookupError(f"No {wanted} connection")


def contact_for(
    sb: Sandbox, state: PlatformState, channel: str, spec: dict[str, Any] | None
) -> Contact:
    """The contact writing on `channel`: an existing one by id or identifier, or a new one.

    The platform knows the writer's identifier on the channel, so one is made up when the
    contact does not have it yet. A new contact is announced with `contact_created`.
    """
    spec = dict(spec or {})
    if spec.get("id") is not None:
        person = state.contacts.get(spec.pop("id"))
        if person is None:
            raise LookupError("Contact not found")
    else:
        fields = clean_fields(spec)
        person = find_existing(state, fields)
        if person is None:
            fields = {**random_identity(channel, sb.rng), **fields}
            person = new_contact(state, fields)
            announce_created(sb, state, [person])
            return person
    changes = {k: v for k, v in spec.items() if k not in person.fields}
    if channel not in contact_channels(person):
        changes = {**random_identity(channel, sb.rng), **changes}
    if changes:
        update_contact(sb, state, person, changes)
    return person
