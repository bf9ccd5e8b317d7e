"""The bodies the platform POSTs to the desk's callback URL, parsed and checked.

Conversation callbacks name their kind in `name`, the others in `type`. Required fields are
required here (a body without them is refused with a clear message, before anything is stored);
unknown fields are kept, as everywhere in `fromni.models`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field, TypeAdapter, ValidationError

from .models import Campaign, Connection, Contact, Conversation, FromniModel, Id, OperatorMode


class CallbackError(ValueError):
    """The body is not a callback the desk can apply; the message says why."""


class OperatorRequested(Conversation):
    operator_mode: OperatorMode
    connection: Connection
    contact: Contact


class IncomingMessage(FromniModel):
    text: str | None = None
    attachments: list[Any] = Field(default_factory=list)


class MessageCreated(FromniModel):
    conversation_id: str
    message: IncomingMessage


class MessageUpdated(FromniModel):
    conversation_id: str
    message_id: Id
    status: str


class ContactMerged(FromniModel):
    preserved_contact: Contact
    deleted_contact: Contact


class NotificationUpdated(FromniModel):
    id: str
    status: str
    channel: str | None = None
    status_details: dict[str, Any] | None = None


class CampaignCompleted(Campaign):
    id: str


# kind -> the model of `data` (a list for contact_created, which always sends an array)
KINDS: dict[str, Any] = {
    "conversation_operator_requested": OperatorRequested,
    "conversation_message_created": MessageCreated,
    "conversation_message_updated": MessageUpdated,
    "contact_created": list[Contact],
    "contact_updated": Contact,
    "contact_merged": ContactMerged,
    "campaign_completed": CampaignCompleted,
    "notification_message_updated": NotificationUpdated,
}


@dataclass(frozen=True, slots=True)
class Callback:
    kind: str
    data: Any  # the parsed model (or list of models); None for an unknown kind
    known: bool


def callback_kind(body: Any) -> str:
    if not isinstance(body, dict):
        raise CallbackError("The body must be a JSON object.")
    kind = body.get("name", body.get("type"))
    if not isinstance(kind, str) or not kind:
        raise CallbackError("The body names no callback kind (neither `name` nor `type`).")
    return kind


def parse_callback(body: Any) -> Callback:
    """Parse a callback body. Unknown kinds come back with known=False, not as an error,
    because the platform would keep re-sending them if the desk refused."""
    kind = callback_kind(body)
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        return Callback(kind=kind, data=None, known=False)
    if "data" not in body:
        raise CallbackError(f"{kind}: the `data` field is missing.")
    try:
        data = adapter.validate_python(body["data"])
    except ValidationError as exc:
        raise CallbackError(f"{kind}: {_describe(exc)}") from None
    return Callback(kind=kind, data=data, known=True)


# Built once: a TypeAdapter compiles the validator.
_ADAPTERS: dict[str, TypeAdapter] = {kind: TypeAdapter(model) for kind, model in KINDS.items()}


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error["loc"]) or "data"
        problems.append(f"data.{where}: {error['msg']}")
    return "; ".join(problems)
