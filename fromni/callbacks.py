"""The bodies the platform POSTs to the desk's callback URL, parsed and checked.

Conversation callbacks name their kind in `name`, the others in `type`. Liberal in what is
taken (fromni.loose): `null` for a list or an object is empty, a number where a string id is
expected is that string, unknown statuses and channels are kept, unknown fields are kept (as
everywhere in `fromni.models`). What is required is required: a body without a field the
desk needs, or with one that cannot be read as its type, is refused with a message naming the
field, before anything is stored. What the body lacked or gave as `null` is noted
(`Callback.missing`), so that a callback the desk cannot fully use is kept with that note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError

from .loose import KINDS as LENIENCIES
from .loose import (
    Channel,
    LooseAttachments,
    LooseList,
    Observations,
    Status,
    StrId,
    observing,
)
from .models import Campaign, Connection, Contact, Conversation, FromniModel, Id, OperatorMode


class CallbackError(ValueError):
    """The body is not a callback the desk can apply; the message says why."""


def _whole_number(value: Any) -> Any:
    # The reference's connection ids are numbers; a digit string is one too. `true` is not
    # (pydantic alone would read it as 1), nor is "NaN", "" or a date.
    if isinstance(value, bool):
        raise ValueError("a connection id is a whole number, not true or false")
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int):
        raise ValueError(f"a connection id is a whole number, not {value!r}"[:120])
    return value


ConnectionId = Annotated[int, BeforeValidator(_whole_number)]


def _details(value: Any) -> Any:
    # The reference shows an object ({"desc": ...}); keep anything else under "desc".
    if value is None or isinstance(value, dict):
        return value or {}
    return {"desc": value}


StatusDetails = Annotated[dict[str, Any], BeforeValidator(_details)]


class CallbackConnection(Connection):
    id: ConnectionId


class OperatorRequested(Conversation):
    operator_mode: OperatorMode
    connection: CallbackConnection
    contact: Contact


class IncomingMessage(FromniModel):
    text: str | None = None
    attachments: LooseAttachments = Field(default_factory=list)


class MessageCreated(FromniModel):
    conversation_id: StrId
    message: IncomingMessage


class MessageUpdated(FromniModel):
    conversation_id: StrId
    message_id: Id
    status: Status


class ContactMerged(FromniModel):
    preserved_contact: Contact
    deleted_contact: Contact


class NotificationUpdated(FromniModel):
    id: StrId
    status: Status
    channel: Channel | None = None
    status_details: StatusDetails = Field(default_factory=dict)


class CampaignCompleted(Campaign):
    id: StrId


# kind -> the model of `data` (a list for contact_created, which always sends an array)
KINDS: dict[str, Any] = {
    "conversation_operator_requested": OperatorRequested,
    "conversation_message_created": MessageCreated,
    "conversation_message_updated": MessageUpdated,
    "contact_created": LooseList[Contact],
    "contact_updated": Contact,
    "contact_merged": ContactMerged,
    "campaign_completed": CampaignCompleted,
    "notification_message_updated": NotificationUpdated,
}


# Optional pieces the desk uses, noted when a body lacks them (or gives them as null).
WANTED: dict[str, tuple[str, ...]] = {
    "conversation_operator_requested": ("operatorMode.expiresAt", "connection.channel"),
    "conversation_message_created": ("message.text|message.attachments",),
    "notification_message_updated": ("channel",),
    "campaign_completed": ("name", "docs"),
}


@dataclass(frozen=True, slots=True)
class Callback:
    kind: str
    data: Any  # the parsed model (or list of models); None for an unknown kind
    known: bool
    # What the body lacked or gave as null, e.g. "data.operatorMode.expiresAt: missing".
    missing: tuple[str, ...] = ()


def callback_kind(body: Any) -> str:
    if not isinstance(body, dict):
        raise CallbackError("The body must be a JSON object.")
    kind = body.get("name") or body.get("type")
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
    if body.get("data") is None:
        raise CallbackError(f"{kind}: the `data` field is missing.")
    observed = Observations()
    try:
        data = adapter.validate_python(body["data"], context=observing(observed))
    except ValidationError as exc:
        raise CallbackError(f"{kind}: {_describe(exc)}") from None
    missing = [
        f"data.{path}: missing" for path in WANTED.get(kind, ()) if not _present(body["data"], path)
    ]
    missing += [f"{seen.where}: {LENIENCIES[seen.kind]}" for seen in observed.of("null_as_empty")]
    return Callback(kind=kind, data=data, known=True, missing=tuple(missing))


def _present(data: Any, paths: str) -> bool:
    """Whether any of the `|`-separated dotted paths holds a value (not null, not empty)."""
    for path in paths.split("|"):
        node = data
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if node not in (None, "", [], {}):
            return True
    return False


# Built once: a TypeAdapter compiles the validator.
_ADAPTERS: dict[str, TypeAdapter] = {kind: TypeAdapter(model) for kind, model in KINDS.items()}


def _describe(exc: ValidationError) -> str:
    """The fields at fault, by their path in the body (data.connection.id), once each."""
    problems: dict[str, list[str]] = {}
    for error in exc.errors():
        where = ".".join(["data", *(str(p) for p in error["loc"] if not _TYPE_TAG.match(str(p)))])
        said = problems.setdefault(where, [])
        if error["msg"] not in said:
            said.append(error["msg"])
    return "; ".join(f"{where}: {' or '.join(said)}" for where, said in list(problems.items())[:5])


# The steps pydantic adds to an error's path inside a union or a validator ("int", "str",
# "function-before[...]"), which are no field of the body.
_TYPE_TAG = re.compile(r"^(int|str|float|bool|list|dict|none|[a-z-]+\[.*\])$")
