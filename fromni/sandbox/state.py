"""The in-memory platform state (one account) and the lock that guards it.

Records are plain dataclasses; `views.py` renders them as the platform's JSON. Everything that
reads or changes the state does so inside `StateStore.transaction()`, which holds one re-entrant
lock: calls are short, so one lock keeps every answer consistent without fine-grained locking.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Connection:
    id: int
    channel: str
    name: str
    created_at: str


@dataclass
class Variable:
    id: str
    name: str
    validate_as: str
    is_default: bool = False


@dataclass
class Contact:
    id: str
    # Channel identifiers (phone, vkId, telegramId, ...) and per-channel source profiles
    # (`vk`, `telegram`, `webchat`, ...), exactly as the platform shows them.
    fields: dict[str, Any]
    # Variable id -> value (already validated against the variable's validateAs).
    variables: dict[str, Any]
    created_at: str
    updated_at: str


@dataclass
class Message:
    id: int
    connection_id: int
    date: str
    out: bool
    status: str | None
    text: str
    attachments: list[Any]
    # True for messages the operator sent through conversations/send (not the bot's).
    from_operator: bool = False


@dataclass
class Conversation:
    id: str
    connection_id: int
    contact_id: str
    operator_active: bool
    expires_at: datetime
    scenario_id: str
    started_at: str
    start_trigger: str
    ended_at: str | None = None
    end_reason: str | None = None
    messages: list[Message] = field(default_factory=list)


@dataclass
class TemplateChannel:
    id: int
    channel: str
    status: str
    updated_at: str
    keyboard: dict[str, Any] | None = None
    attachments: list[Any] = field(default_factory=list)
    components: Any = None
    sender: Any = None


@dataclass
class Template:
    id: int
    display_name: str
    text: str
    name: str | None
    channels: list[TemplateChannel]
    created_at: str
    group_id: int | None = None


@dataclass
class TemplateGroup:
    id: int
    name: str
    created_at: str
    updated_at: str


@dataclass
class DealAttribute:
    id: str
    name: str
    type: str
    options: list[Any] | None
    required: bool
    entity: str
    api_field: str | None
    active: bool
    is_default: bool = False


@dataclass
class Product:
    id: str
    deal_id: str
    # Attribute id -> value, in the order they were given.
    attributes: dict[str, Any]


@dataclass
class Deal:
    id: str
    name: str
    contact_id: str
    attributes: dict[str, Any]
    products: list[Product]
    created_at: str


@dataclass
class Event:
    id: int
    name: str
    display_name: str
    tag: str
    vars: list[dict[str, str]]
    # A campaign launched by this event: {"templateId", "channels"}; None for none.
    campaign: dict[str, Any] | None = None


@dataclass
class Campaign:
    id: str
    name: str
    live_time: int
    channels: list[Any]
    scenario_id: str | None
    template_id: int | None
    docs: list[dict[str, Any]]
    match: list[str]
    headers: list[str]
    created_at: str
    type: str  # "manual" (campaigns/launch) or "event" (events/send)


@dataclass
class Notification:
    id: str
    phone: str | None
    contact_id: str | None
    message: dict[str, Any]
    channels: list[Any]
    status: str
    created_at: str


@dataclass
class Upload:
    key: str
    fields: dict[str, str]
    content_type: str | None
    expires_at: datetime
    data: bytes | None = None
    stored_type: str | None = None


@dataclass
class PlatformState:
    callback_url: str
    secret: str
    connections: dict[int, Connection] = field(default_factory=dict)
    variables: dict[str, Variable] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    templates: dict[int, Template] = field(default_factory=dict)
    template_groups: dict[int, TemplateGroup] = field(default_factory=dict)
    deal_attributes: dict[str, DealAttribute] = field(default_factory=dict)
    deals: dict[str, Deal] = field(default_factory=dict)
    events: dict[int, Event] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    notifications: dict[str, Notification] = field(default_factory=dict)
    uploads: dict[str, Upload] = field(default_factory=dict)
    # Last integer id handed out per kind (connection, template, template channel, group, event).
    counters: dict[str, int] = field(default_factory=dict)

    def next_int(self, kind: str) -> int:
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return self.counters[kind]


class StateStore:
    """Holds the current state, a pristine copy of the seed for reset, and the lock."""

    def __init__(self, initial: PlatformState) -> None:
        self._initial = copy.deepcopy(initial)
        self._state = initial
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[PlatformState]:
        with self._lock:
            yield self._state

    def reset(self) -> None:
        with self._lock:
            self._state = copy.deepcopy(self._initial)
