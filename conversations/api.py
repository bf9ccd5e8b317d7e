"""JSON endpoints for operators: lists, a conversation, and the actions on it."""

from __future__ import annotations

from django.http import HttpRequest

from conversations import actions, replies, selectors
from conversations.access import visible_conversation_required
from conversations.inputs import ListQuery, NoteInput, ReplyInput, TransferInput
from conversations.list_filters import ListFilters
from conversations.serializers import conversation_data, message_data
from conversations.uploads import attachment_upload
from operator_desk.inputs import body_parsed, query_parsed
from operators.access import api_view

GET, POST = ("GET",), ("POST",)


@api_view(methods=GET)
def conversation_list(request: HttpRequest) -> dict:
    query = query_parsed(request, ListQuery)
    return selectors.conversation_list(
        user=request.user,
        state=query.state,
        limit=query.limit,
        after=query.after,
        filters=ListFilters(
            channel=query.channel,
            connection=query.connection,
            unread=query.unread,
            waiting=query.waiting,
            closing=query.closing,
        ),
        sort=query.sort,
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
    body = body_parsed(request, TransferInput)
    conversation = actions.conversation_transfer(
        conversation_id=conversation_id,
        user=request.user,
        to_user_id=body.to_user_id,
        note=body.note,
    )
    return {"conversation": conversation_data(conversation)}


@api_view(methods=POST)
@visible_conversation_required
def reply_create(request: HttpRequest, conversation_id: int) -> dict:
    body = body_parsed(request, ReplyInput)
    message = replies.reply_create(
        conversation_id=conversation_id,
        user=request.user,
        text=body.text,
        attachments=[a.model_dump() for a in body.attachments],
        client_key=body.client_key,
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
    body = body_parsed(request, NoteInput)
    note = replies.note_create(conversation_id=conversation_id, user=request.user, text=body.text)
    return {"message": message_data(note)}
