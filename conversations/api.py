"""JSON endpoints for operators: lists, a conversation, and the actions on it."""

from __future__ import annotations

from django.http import HttpRequest

from conversations import actions, replies, selectors
from conversations.access import visible_conversation_required
from conversations.serializers import conversation_data, message_data
from conversations.uploads import attachment_upload
from operator_desk.api import api_view, int_param, json_body

GET, POST = ("GET",), ("POST",)


@api_view(methods=GET)
def conversation_list(request: HttpRequest) -> dict:
    return selectors.conversation_list(
        user=request.user,
        state=request.GET.get("state", "open"),
        limit=int_param(request.GET.get("limit"), "limit", default=50, low=1, high=200),
        after=request.GET.get("after") or None,
    )


@api_view(methods=POST)
@visible_conversation_required
def conversation_claim(request: HttpRequest, conversation_id: int) -> dict:
    conversation = actions.conversation_claim(conversation_id=conversation_id, user=request.user)
    return {"conversation": conversation_data(conversation)}


@api_view(methods=POST)
@visible_conversation_required
def conversation_release(request: HttpRequest, conversation_id: int) -> dict:
    conversation = actions.conversation_release(conversation_id=conversation_id, user=request.user)
    return {"conversation": conversation_data(conversation)}


@api_view(methods=POST)
@visible_conversation_required
def conversation_close(request: HttpRequest, conversation_id: int) -> dict:
    conversation = actions.conversation_close(conversation_id=conversation_id, user=request.user)
    return {"conversation": conversation_data(conversation)}


@api_view(methods=POST)
@visible_conversation_required
def conversation_transfer(request: HttpRequest, conversation_id: int) -> dict:
    body = json_body(request)
    conversation = actions.conversation_transfer(
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
    message = replies.reply_create(
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
    message = replies.reply_retry(message_id=message_id, user=request.user)
    return {"message": message_data(message)}


@api_view(methods=POST)
def upload(request: HttpRequest) -> dict:
    return attachment_upload(upload=request.FILES.get("file"))


@api_view(methods=POST)
@visible_conversation_required
def note_create(request: HttpRequest, conversation_id: int) -> dict:
    body = json_body(request)
    note = replies.note_create(
        conversation_id=conversation_id, user=request.user, text=str(body.get("text") or "")
    )
    return {"message": message_data(note)}
