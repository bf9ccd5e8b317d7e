"""JSON endpoints for operators: lists, a conversation, and the actions on it."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from pydantic import BaseModel, ConfigDict, Field

from conversations import selectors, services
from conversations.access import visible_conversation_required
from conversations.list_filters import ListFilters
from conversations.serializers import conversation_data, message_data
from conversations.uploads import attachment_upload
from operator_desk.api import api_view, int_param, json_body
from operator_desk.inputs import query_input

GET, POST = ("GET",), ("POST",)


class ListInput(BaseModel):
    """GET /api/conversations: which list, its filters and order (docs/api.md)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    state: Literal["queued", "mine", "open", "closed", "expired", "ended"] = "open"
    limit: int = Field(default=50, ge=1, le=200)
    after: str | None = Field(default=None, max_length=64)
    channel: str | None = Field(default=None, max_length=32, pattern=r"^[a-z0-9_-]+$")
    connection: int | None = Field(default=None, ge=0)
    unread: bool = False
    waiting: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    closing: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    sort: Literal["waiting", "newest", "closing", "activity"] | None = None


@api_view(methods=GET)
def conversation_list(request: HttpRequest) -> dict:
    given = query_input(ListInput, request.GET)
    return selectors.conversation_list(
        user=request.user,
        state=given.state,
        limit=given.limit,
        after=given.after,
        filters=ListFilters(
            channel=given.channel,
            connection=given.connection,
            unread=given.unread,
            waiting=given.waiting,
            closing=given.closing,
        ),
        sort=given.sort,
    )


@api_view(methods=GET)
@visible_conversation_required
def conversation_detail(request: HttpRequest, conversation_id: int) -> dict:
    return selectors.conversation_detail(user=request.user, conversation_id=conversation_id)


@api_view(methods=POST)
@visible_conversation_required
def conversation_claim(request: HttpRequest, conversation_id: int) -> dict:
    conversation = services.conversation_claim(conversation_id=conversation_id, user=request.user)
    return {"conversation": conversation_data(conversation)}


@api_view(methods=POST)
@visible_conversation_required
def conversation_release(request: HttpRequest, conversation_id: int) -> dict:
    conversation = services.conversation_release(conversation_id=conversation_id, user=request.user)
    return {"conversation": conversation_data(conversation)}


@api_view(methods=POST)
@visible_conversation_required
def conversation_close(request: HttpRequest, conversation_id: int) -> dict:
    conversation = services.conversation_close(conversation_id=conversation_id, user=request.user)
    return {"conversation": conversation_data(conversation)}


@api_view(methods=POST)
@visible_conversation_required
def conversation_transfer(request: HttpRequest, conversation_id: int) -> dict:
    body = json_body(request)
    conversation = services.conversation_transfer(
        conversation_id=conversation_id,
        user=request.user,
        to_user_id=int_param(body.get("toUserId"), "toUserId", low=1),
        note=str(body.get("note") or ""),
    )
    return {"conversation": conversation_data(conversation)}


@api_view(methods=POST)
@visible_conversation_required
def reply_create(request: HttpRequest, conversation_id: int) -> dict:
    body = json_body(request)
    attachments = body.get("attachments") or []
    message = services.reply_create(
        conversation_id=conversation_id,
        user=request.user,
        text=str(body.get("text") or ""),
        attachments=attachments if isinstance(attachments, list) else [None],
        client_key=str(body["clientKey"])[:100] if body.get("clientKey") else None,
    )
    return {"message": message_data(message)}


@api_view(methods=POST)
@visible_conversation_required
def reply_retry(request: HttpRequest, message_id: int) -> dict:
    message = services.reply_retry(message_id=message_id, user=request.user)
    return {"message": message_data(message)}


@api_view(methods=POST)
def upload(request: HttpRequest) -> dict:
    return attachment_upload(upload=request.FILES.get("file"))


@api_view(methods=POST)
@visible_conversation_required
def note_create(request: HttpRequest, conversation_id: int) -> dict:
    body = json_body(request)
    note = services.note_create(
        conversation_id=conversation_id, user=request.user, text=str(body.get("text") or "")
    )
    return {"message": message_data(note)}
