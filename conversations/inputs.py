"""What the conversation endpoints (conversations/api.py) take, typed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from operator_desk.inputs import Input

# The database's column for the dedupe key is 128 long; "reply:" takes 6 of it.
CLIENT_KEY_MAX = 100
ID = Annotated[int, Field(ge=1, le=2**63 - 1)]


# A filter of minutes: at most a week.
MINUTES = Annotated[int, Field(ge=1, le=7 * 24 * 60)]


class ListQuery(Input):
    """GET /api/conversations: which list, its filters and its order (docs/api.md)."""

    state: str = "open"
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    after: str | None = None
    channel: Annotated[str, Field(max_length=32, pattern=r"^[a-z0-9_-]+$")] | None = None
    connection: Annotated[int, Field(ge=0)] | None = None
    label: ID | None = None
    unread: bool = False
    waiting: MINUTES | None = None
    closing: MINUTES | None = None
    sort: Literal["priority", "waiting", "newest", "closing", "activity"] | None = None


class TransferInput(Input):
    to_user_id: ID
    note: str = ""


class Attachment(Input):
    """What `POST uploads` returned; the reply's service checks the url and the channel's
    rule."""

    url: str
    name: str | None = None
    type: str | None = None


class ReplyInput(Input):
    text: str = ""
    attachments: list[Attachment] = []
    client_key: Annotated[str, Field(min_length=1, max_length=CLIENT_KEY_MAX)] | None = None


class SnoozeInput(Input):
    """POST conversations/<id>/snooze: until a time (ISO 8601 with its offset: the page computes
    the presets in the operator's own time zone), or until the user writes."""

    until: datetime | None = None
    until_reply: bool = False


class NoteInput(Input):
    text: str = ""


class MentionListQuery(Input):
    """GET /api/mentions: the caller's mentions, newest first (docs/api.md)."""

    limit: Annotated[int, Field(ge=1, le=200)] = 50
    after: str | None = None
    unread: bool = False


class MentionsReadInput(Input):
    conversation_id: ID


PriorityName = Literal["urgent", "high", "normal", "low"]


class LabelInput(Input):
    """POST conversations/<id>/labels: the label to put on."""

    label_id: ID


class PriorityInput(Input):
    priority: PriorityName


class BulkInput(Input):
    """POST conversations/bulk: the conversations (at most BULK_MAX, conversations/bulk.py)
    and what to do to each, with what that action needs."""

    ids: Annotated[list[ID], Field(min_length=1, max_length=200)]
    action: Literal["assign", "label", "unlabel", "priority", "close"]
    to_user_id: ID | None = None
    label_id: ID | None = None
    priority: PriorityName | None = None
