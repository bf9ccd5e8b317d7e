"""Typed results of the Fromni API (pydantic v2).

Conventions shared by every model:

- Python attributes are snake_case; the platform's camelCase names are aliases, so
  `Model.model_validate(platform_json)` works and `model_dump()` gives the platform's names back.
  Constructing by attribute name works too.
- Unknown fields are kept (`extra="allow"`), never dropped: the reference is incomplete (its
  HTML edition lost fields) and the platform adds fields over time; the desk may still want them.
- Identifiers keep the platform's type (`int | str`): the reference mixes numeric ids
  (connections, templates, messages) with string ids (contacts, dialogs, deals), and the desk
  sends them back as they came. Ids the reference shows as strings are `StrId`: a number there
  becomes its string, so the desk's keys stay strings whichever the platform sends.
- Liberal in what is accepted (fromni.loose): `null` for a list or an object is empty, bare URL
  attachments become objects, unknown statuses and channels are kept; see docs/platform.md.
- Datetimes are parsed into aware `datetime`s; a few odd spellings seen in the reference are
  repaired first (see `_repair_datetime`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from .loose import (
    Channel,
    LooseAttachments,
    LooseDict,
    LooseList,
    Observations,
    Status,
    StrId,
)
from .methods import CHANNEL_ID_FIELDS

__all__ = [
    "CallbackSettings",
    "Campaign",
    "CampaignChannel",
    "CampaignDoc",
    "CampaignSummary",
    "Connection",
    "Contact",
    "ContactProfile",
    "Conversation",
    "Deal",
    "DealAttribute",
    "DealProduct",
    "DialogMessage",
    "Event",
    "EventVar",
    "FromniDateTime",
    "FromniModel",
    "Id",
    "NotificationResult",
    "OperatorMode",
    "Page",
    "Scenario",
    "SendResult",
    "Template",
    "TemplateChannel",
    "TemplateGroup",
    "UploadParams",
    "Variable",
    "format_datetime",
    "parse_connections",
]

# "2021-01-21T00:00:00:000Z" (milliseconds after a colon), as in the reference's campaigns/list
# sample; the same sample also ends one value with a stray quote.
_COLON_MILLIS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d):(\d{1,6})")


def _repair_datetime(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip().strip('"').strip()
        value = _COLON_MILLIS.sub(r"\1.\2", value)
        if value == "":
            return None
    return value


def _in_utc(value: datetime) -> datetime:
    # Naive means UTC (the platform writes "Z"). A moment that UTC cannot hold (year 1 at
    # +14:00, year 9999 at -14:00) is refused here rather than failing where it is stored.
    try:
        return value.replace(tzinfo=value.tzinfo or UTC).astimezone(UTC)
    except OverflowError:
        raise ValueError("the moment is out of range") from None


# A datetime as the platform writes it: ISO 8601 with "Z" (or an offset), repaired if odd.
FromniDateTime = Annotated[datetime, BeforeValidator(_repair_datetime), AfterValidator(_in_utc)]

# An identifier as the platform sends it: numeric for some entities, a hex string for others.
Id = int | str


def format_datetime(value: datetime) -> str:
    """The platform's request spelling of a moment: UTC, milliseconds, "Z"."""
    if value.tzinfo is None:
        # A naive datetime has no defined moment; guessing UTC or local time would shift
        # reporting periods silently.
        raise ValueError("naive datetime: pass an aware datetime (e.g. with tzinfo=UTC)")
    moment = value.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class FromniModel(BaseModel):
    """Base of every Fromni model: camelCase aliases, unknown fields kept."""

    model_config = ConfigDict(
        extra="allow",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


# --- Conversations --------------------------------------------------------------------------


class OperatorMode(FromniModel):
    is_active: bool = False
    # Wall-clock end of the window in which the operator may write to the dialog.
    expires_at: FromniDateTime | None = None


class Connection(FromniModel):
    """A connected channel account (a bot, a WABA number...)."""

    id: Id
    channel: Channel | None = None
    name: str | None = None
    integration_id: Id | None = None
    provider: str | None = None
    created_at: FromniDateTime | None = None


class Variable(FromniModel):
    """A contact variable definition, or a variable's value on a contact (then `value` is set)."""

    id: StrId | None = None
    name: str | None = None
    validate_as: str | None = None
    value: Any = None


class ContactProfile(FromniModel):
    """One entry of a contact's `profiles` list (seen in public client code)."""

    channel: Channel | None = None
    profile_id: Id | None = None
    info: dict[str, Any] | None = None
    created_at: FromniDateTime | None = None


class Contact(FromniModel):
    """A user's digital profile: ids per channel, source profiles, variables.

    Source profiles (the public data a channel gave, such as `vk: {first_name, ...}`) arrive as
    top-level keys named after the channel; they are kept as extra fields and collected by
    `source_profiles`.
    """

    id: StrId
    phone: Id | None = None
    vk_id: Id | None = None
    telegram_id: Id | None = None
    viber_id: Id | None = None
    fb_id: Id | None = None
    instagram_id: Id | None = None
    profiles: LooseList[ContactProfile] = Field(default_factory=list)
    variables: LooseList[Variable] = Field(default_factory=list)
    created_at: FromniDateTime | None = None
    updated_at: FromniDateTime | None = None

    @property
    def source_profiles(self) -> dict[str, dict[str, Any]]:
        """{channel: profile dict}: top-level channel objects, then `profiles[].info` for
        channels that have no top-level object."""
        found: dict[str, dict[str, Any]] = {}
        for key, value in (self.model_extra or {}).items():
            if key in CHANNEL_ID_FIELDS and isinstance(value, dict):
                found[key] = value
        for profile in self.profiles:
            if profile.channel and profile.info is not None and profile.channel not in found:
                found[profile.channel] = profile.info
        return found

    def identifier(self, channel: str) -> str | None:
        """The contact's id in `channel` (per `CHANNEL_ID_FIELDS`), as a string, or None."""
        field = CHANNEL_ID_FIELDS.get(channel)
        if field is None:
            return None
        value = self.id if field == "id" else getattr(self, _snake(field), None)
        return None if value is None or value == "" else str(value)


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower()


class Scenario(FromniModel):
    id: StrId | None = None


class Conversation(FromniModel):
    """A dialog between a user and the bot (and the operator once handed over)."""

    id: StrId
    operator_mode: OperatorMode | None = None
    connection: Connection | None = None
    contact: Contact | None = None
    scenario: Scenario | None = None
    started_at: FromniDateTime | None = None
    start_trigger: str | None = None
    ended_at: FromniDateTime | None = None
    end_reason: str | None = None


class DialogMessage(FromniModel):
    """One message of a dialog's history (`out`: sent by the bot/operator, not the user)."""

    id: Id
    connection_id: Id | None = None
    date: FromniDateTime | None = None
    out: bool = False
    status: Status | None = None
    text: str | None = None
    attachments: LooseAttachments = Field(default_factory=list)


class SendResult(FromniModel):
    """The answer to the operator's send-message; `status` is normally "sent"."""

    message_id: Id
    status: Status | None = None
    conversation_id: StrId | None = None


# --- Media storage --------------------------------------------------------------------------


class UploadParams(FromniModel):
    """Where and how to POST one file: `fields` go into the form in this order, `file` last."""

    url: str
    fields: LooseDict = Field(default_factory=dict)
    media_url: str


# --- Notifications, events, campaigns -------------------------------------------------------


class NotificationResult(FromniModel):
    """The answer to a sent notification; its status arrives later by callback, keyed by id."""

    id: StrId


class EventVar(FromniModel):
    name: str | None = None
    path: str | None = None
    type: str | None = None


class Event(FromniModel):
    id: Id
    name: str
    display_name: str | None = None
    tag: str | None = None
    vars: LooseList[EventVar] = Field(default_factory=list)


class CampaignChannel(FromniModel):
    """One step of the send order, e.g. {"name": "notify+vk", "connections": [1, 2], "ttl": 60}."""

    name: str
    connections: LooseList[Id] = Field(default_factory=list)
    ttl: int | None = None


class CampaignDoc(FromniModel):
    """One recipient of a campaign and what happened to them."""

    data: LooseDict = Field(default_factory=dict)
    channel: Channel | None = None
    status: Status | None = None
    # The platform spells this one in lower case.
    channelindex: int | None = Field(default=None, alias="channelindex")
    answers_map: LooseDict = Field(default_factory=dict)
    answers_list: LooseList[Any] = Field(default_factory=list)


class CampaignSummary(FromniModel):
    """A row of campaigns/list."""

    id: StrId
    name: str | None = None
    recipients_count: int | None = None
    created_at: FromniDateTime | None = None


class Campaign(FromniModel):
    """A launched campaign with its per-recipient statistics (`docs`)."""

    id: StrId
    name: str | None = None
    live_time: int | None = None
    channels: LooseList[CampaignChannel] = Field(default_factory=list)
    scenario_id: StrId | None = None
    template_id: Id | None = None
    docs: LooseList[CampaignDoc] = Field(default_factory=list)
    match: LooseList[str] = Field(default_factory=list)
    headers: LooseList[str] = Field(default_factory=list)
    created_at: FromniDateTime | None = None


# --- Callback settings ----------------------------------------------------------------------


class CallbackSettings(FromniModel):
    # The reference's sample answer only shows `secret`; the URL is read when present.
    callback_url: str | None = None
    secret: str | None = None


# --- Templates ------------------------------------------------------------------------------


def _snake_or_camel(name: str) -> Any:
    # Template objects use snake_case timestamps ("updated_at") while the rest of the API is
    # camelCase; accept both spellings.
    return Field(default=None, validation_alias=AliasChoices(name, to_camel(name)), alias=name)


class TemplateChannel(FromniModel):
    """A template's registration in one channel (its moderation status)."""

    id: Id | None = None
    template_id: Id | None = None
    channel: Channel
    status: str | None = None
    updated_at: FromniDateTime | None = _snake_or_camel("updated_at")
    components: Any = None
    keyboard: dict[str, Any] | None = None
    attachments: LooseAttachments = Field(default_factory=list)
    sender: Any = None


class Template(FromniModel):
    id: Id
    display_name: str | None = None
    text: str | None = None
    regexp_text: str | None = None
    name: str | None = None
    channels: LooseList[TemplateChannel] = Field(default_factory=list)
    template_group_id: Id | None = None
    group_name: str | None = None
    created_at: FromniDateTime | None = None
    # The other templates of the same group (templates/list only).
    group: LooseList[Template] = Field(default_factory=list)


class TemplateGroup(FromniModel):
    id: Id
    name: str | None = None
    created_at: FromniDateTime | None = _snake_or_camel("created_at")
    updated_at: FromniDateTime | None = _snake_or_camel("updated_at")


# --- Deals ----------------------------------------------------------------------------------


class DealAttribute(FromniModel):
    """An attribute definition; inside a deal it also carries the deal's `value`."""

    id: StrId
    name: str | None = None
    type: str | None = None
    options: list[Any] | None = None
    required: bool | None = None
    entity: str | None = None
    api_field: str | None = None
    active: bool | None = None
    is_default: bool | None = None
    value: Any = None


class DealProduct(FromniModel):
    id: StrId | None = None
    deal_id: StrId | None = None
    attributes: LooseList[DealAttribute] = Field(default_factory=list)


class Deal(FromniModel):
    """A deal. In batch answers an element may instead carry `error` (then `id` is None)."""

    id: StrId | None = None
    name: str | None = None
    attributes: LooseList[DealAttribute] = Field(default_factory=list)
    products: LooseList[DealProduct] = Field(default_factory=list)
    contact_id: StrId | None = None
    created_at: FromniDateTime | None = None
    error: Any = None


# --- Lists ----------------------------------------------------------------------------------

T = TypeVar("T", bound=BaseModel)


class Page(FromniModel, Generic[T]):
    """One page of a list method: `data` and, where the API gives it, `total`."""

    data: LooseList[T] = Field(default_factory=list)
    total: int | None = None

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[T]:  # type: ignore[override]  # rows, not model fields
        return iter(self.data)

    def __getitem__(self, index: int) -> T:
        return self.data[index]


def parse_connections(data: Any, *, context: dict[str, Any] | None = None) -> list[Connection]:
    """channels/connections answers either {channel: [{id, name}]} (the reference) or
    [{id, channel, name}] (seen in client code); both become a flat list with `channel` set
    where the answer gives one. Liberal: `null` for the answer or for a channel's rows is
    empty, and a row without a channel is kept (channel None: the desk shows it as unknown)."""
    if data is None:
        _note_connections(context, "null_as_empty", "data")
        rows: list[Any] = []
    elif isinstance(data, dict):
        _note_connections(context, "connections_form", "map")
        rows = []
        for channel, items in data.items():
            if items is None:
                _note_connections(context, "null_as_empty", channel)
                continue
            if not isinstance(items, list):
                raise ValueError(f"connections of {channel!r} are not a list")
            rows.extend(
                {**item, "channel": item.get("channel") or channel}
                if isinstance(item, dict)
                else item
                for item in items
            )
    elif isinstance(data, list):
        _note_connections(context, "connections_form", "list")
        rows = data
    else:
        raise ValueError("connections are neither a map of channels nor a list")
    return [Connection.model_validate(row, context=context) for row in rows]


def _note_connections(context: dict[str, Any] | None, kind: str, detail: str) -> None:
    observed = (context or {}).get("observed")
    if isinstance(observed, Observations):
        observed.note(kind, "channels/connections", detail)
