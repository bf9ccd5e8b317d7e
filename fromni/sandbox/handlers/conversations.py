"""Live-operator dialogs: conversations/list, conversations/messages, conversations/send."""

from __future__ import annotations

from typing import Any

from ..dialogs import operator_sends
from ..views import conversation, message
from .base import ApiError, Call, Handler, found, paged


def conversations_list(call: Call) -> dict[str, Any]:
    # Newest dialogs first: the ones an operator is most likely waiting to pick up.
    # (dicts keep insertion order, which is creation order).
    newest = list(reversed(call.state.conversations.values()))
    return {"data": [conversation(call.state, conv) for conv in paged(call, newest)]}


def conversations_messages(call: Call) -> dict[str, Any]:
    conv = found(call.state.conversations, call.args["conversationId"], "Conversation")
    # One reading of the reference: "the User's communication history with the Bot" only.
    bot_only = call.sb.variants.messages_without_operator_sends
    return {"data": [message(m) for m in conv.messages if not (bot_only and m.from_operator)]}


def conversations_send(call: Call) -> dict[str, Any]:
    args = call.args
    conv = found(call.state.conversations, args["conversationId"], "Conversation")
    body = args["message"]
    if not isinstance(body, dict):
        raise ApiError("Field 'message' must be an object")
    text, attachments = body.get("text") or "", body.get("attachments") or []
    if not isinstance(text, str) or not isinstance(attachments, list):
        raise ApiError("message.text must be a string and message.attachments an array")
    if not text and not attachments:
        raise ApiError("Field 'message.text' is required (or message.attachments)")
    msg = operator_sends(call.sb, conv, text, attachments)
    return {"messageId": msg.id, "status": msg.status, "conversationId": conv.id}


HANDLERS: dict[str, Handler] = {
    "conversations_list": conversations_list,
    "conversations_messages": conversations_messages,
    "conversations_send": conversations_send,
}
