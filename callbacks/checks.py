"""What the desk needs of a callback beyond its shape, checked at the door.

`fromni.callbacks` reads a body liberally (null for an empty list, a number for a string id,
unknown statuses and channels, extra fields). What it reads must then be usable here: the
applier must never fail on a body the door accepted, because the platform has had its 200 and
will not send it again. So the identifiers the desk keys its rows on are checked against the
columns that hold them, and a body whose identifier cannot be one is refused with a 400 naming
the field: it could never be applied, and refused it stays in the platform's delivery log
rather than failing in the applier after a 200 (docs/callbacks.md). Descriptive text that does
not fit its column (a name, a channel designation, a status) is no reason to refuse: the
services shorten it.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from callbacks.models import CallbackRecord
from contacts.models import IDENTIFIER_FIELDS
from contacts.models import Contact as ContactRow
from contacts.models import Variable as VariableRow
from contacts.services import normalize_phone
from conversations.models import Conversation as ConversationRow
from conversations.models import Message as MessageRow
from fromni import models as platform
from fromni.callbacks import Callback, CallbackError
from outreach.models import Campaign as CampaignRow
from outreach.models import Notification as NotificationRow

# PostgreSQL's bigint, the column of connection ids.
BIGINT = (-(2**63), 2**63 - 1)


def _limit(model: type[models.Model], field: str) -> int:
    return model._meta.get_field(field).max_length


def callback_kind_check(kind: str) -> None:
    limit = _limit(CallbackRecord, "kind")
    if len(kind) > limit:
        raise CallbackError(f"The callback kind is longer than {limit} characters.")


class _Door:
    """Refuses a callback at its first problem, naming the field by its path in the body."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def refuse(self, where: str, problem: str) -> None:
        raise CallbackError(f"{self.kind}: {where}: {problem}")

    def key(self, value: Any, where: str, model: type[models.Model], field: str) -> None:
        """An identifier the desk finds rows by: present, not blank, fits its column."""
        text = "" if value is None else str(value)
        if not text.strip():
            self.refuse(where, "an identifier must not be empty")
        self.fits(text, where, model, field)

    def fits(self, value: Any, where: str, model: type[models.Model], field: str) -> None:
        limit = _limit(model, field)
        if value is not None and len(str(value)) > limit:
            self.refuse(where, f"at most {limit} characters")

    def bigint(self, value: int, where: str) -> None:
        # fromni.callbacks reads it as a whole number; the column holds 64 bits.
        if not BIGINT[0] <= value <= BIGINT[1]:
            self.refuse(where, f"{value} is out of range")

    def contact(self, contact: platform.Contact, where: str) -> None:
        self.key(contact.id, f"{where}.id", ContactRow, "platform_id")
        for name, attr in IDENTIFIER_FIELDS.items():
            value = getattr(contact, attr)
            if attr == "phone" and value is not None:
                value = normalize_phone(value)  # stored as "+" and the digits
            self.fits(value, f"{where}.{name}", ContactRow, attr)
        for n, variable in enumerate(contact.variables):
            self.fits(variable.id, f"{where}.variables.{n}.id", VariableRow, "platform_id")

    def connection(self, connection: platform.Connection, where: str) -> None:
        self.bigint(connection.id, f"{where}.id")


def callback_check(callback: Callback) -> None:
    """Raise CallbackError, naming the field, for a callback the desk could not apply."""
    callback_kind_check(callback.kind)
    if not callback.known:
        return
    door, data = _Door(callback.kind), callback.data
    match callback.kind:
        case "conversation_operator_requested":
            door.key(data.id, "data.id", ConversationRow, "platform_id")
            door.connection(data.connection, "data.connection")
            door.contact(data.contact, "data.contact")
            if data.scenario is not None:
                door.fits(data.scenario.id, "data.scenario.id", ConversationRow, "scenario_id")
        case "conversation_message_created":
            door.key(data.conversation_id, "data.conversationId", ConversationRow, "platform_id")
        case "conversation_message_updated":
            door.key(data.conversation_id, "data.conversationId", ConversationRow, "platform_id")
            door.key(data.message_id, "data.messageId", MessageRow, "platform_message_id")
        case "contact_created":
            for n, contact in enumerate(data):
                door.contact(contact, f"data.{n}")
        case "contact_updated":
            door.contact(data, "data")
        case "contact_merged":
            door.contact(data.preserved_contact, "data.preservedContact")
            door.contact(data.deleted_contact, "data.deletedContact")
        case "campaign_completed":
            door.key(data.id, "data.id", CampaignRow, "platform_id")
        case "notification_message_updated":
            door.key(data.id, "data.id", NotificationRow, "platform_id")
