"""JSON endpoints for operators: lists, a conversation, and the actions on it."""

from __future__ import annotations

from django.http import HttpRequest

from conversations import actions, labels, mentions, replies, selectors, snooze
from conversations.access import visible_conversation_required
from conversations.bulk import conversations_bulk
from conversations.inputs import (
    BulkInput,
    LabelInput,
    ListQuery,
    MentionListQuery,
    MentionsReadInput,
    NoteInput,
    PriorityInput,
    ReplyInput,
    SnoozeInput,
    TransferInput,
)
from conversations.list_filters import ListFilters
from conversations.models import Label
from conversations.priority import conversation_priority_set
from conversations.serializers import conversation_data, label_data, message_data
from conversations.uploads import attachment_upload
from operator_desk.inputs import body_parsed, query_parsed
from operators.access import api_view
from operators.roles import Role

GET, POST, DELETE = ("GET",), ("POST",), ("DELETE",)


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
            label=query.label,
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
def conversation_snooze(request: HttpRequest, conversation_id: int) -> dict:
    body = body_parsed(request, SnoozeInput)
    conversation = snooze.conversation_snooze(
        conversation_id=conversation_id,
        user=request.user,
        until=body.until,
        until_reply=body.until_reply,
    )
    return {"conversation": conversation_data(conversation)}


@api_view(methods=POST)
@visible_conversation_required
def conversation_unsnooze(request: HttpRequest, conversation_id: int) -> dict:
    conversation = snooze.conversation_unsnooze(conversation_id=conversation_id, user=request.user)
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
    posted = replies.note_create(conversation_id=conversation_id, user=request.user, text=body.text)
    return {"message": message_data(posted.note), "mentions": posted.mentions.as_json()}


@api_view(methods=GET)
def mention_list(request: HttpRequest) -> dict:
    query = query_parsed(request, MentionListQuery)
    return selectors.mention_list(
        user=request.user, limit=query.limit, after=query.after, unread=query.unread
    )


@api_view(methods=POST)
def mentions_read(request: HttpRequest) -> dict:
    """`{conversationId}`: the operator opened it; its mentions of them are read."""
    body = body_parsed(request, MentionsReadInput)
    read = mentions.mentions_read(user=request.user, conversation_id=body.conversation_id)
    return {"read": read, "unread": mentions.unread_mention_count(request.user)}


@api_view(methods=GET)
def label_list(request: HttpRequest) -> dict:
    """The labels admins defined, by name, for the desk's chips, picker and filter."""
    return {"data": [label_data(label) for label in Label.objects.all()]}


@api_view(methods=POST)
@visible_conversation_required
def conversation_label_add(request: HttpRequest, conversation_id: int) -> dict:
    body = body_parsed(request, LabelInput)
    conversation = labels.conversation_label_add(
        conversation_id=conversation_id, user=request.user, label_id=body.label_id
    )
    return {"conversation": conversation_data(conversation)}


@api_view(methods=DELETE)
@visible_conversation_required
def conversation_label_remove(request: HttpRequest, conversation_id: int, label_id: int) -> dict:
    conversation = labels.conversation_label_remove(
        conversation_id=conversation_id, user=request.user, label_id=label_id
    )
    return {"conversation": conversation_data(conversation)}


@api_view(methods=POST)
@visible_conversation_required
def conversation_priority(request: HttpRequest, conversation_id: int) -> dict:
    body = body_parsed(request, PriorityInput)
    conversation = conversation_priority_set(
        conversation_id=conversation_id, user=request.user, priority=body.priority
    )
    return {"conversation": conversation_data(conversation)}


@api_view(methods=POST, role=Role.SUPERVISOR)
def conversation_bulk(request: HttpRequest) -> dict:
    body = body_parsed(request, BulkInput)
    return conversations_bulk(
        user=request.user,
        conversation_ids=body.ids,
        action=body.action,
        to_user_id=body.to_user_id,
        label_id=body.label_id,
        priority=body.priority,
    )
