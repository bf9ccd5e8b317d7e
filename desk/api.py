"""JSON endpoints about the operator's own session, the team, and the desk's own data
(read marks, presence, canned responses)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.http import HttpRequest

from conversations.access import visible_conversation_required
from conversations.attachments import ATTACHMENT_RULES, DEFAULT_ATTACHMENT_RULE, MAX_ATTACHMENTS
from conversations.models import ConversationState
from conversations.read_marks import read_mark
from conversations.replies import MAX_TEXT_LENGTH
from desk import selectors, services
from desk.inputs import PresenceInput, QuickReplyInput, ReadInput
from fromni.errors import FromniError
from fromni.methods import MEDIA_MAX_BYTES
from operator_desk.inputs import body_parsed
from operators.access import api_view
from operators.models import OperatorProfile, Presence
from operators.presence import presence_data, presence_heartbeat
from operators.roles import user_role
from outreach.templates import platform_templates, template_data
from realtime.selectors import cursor_latest

GET, POST = ("GET",), ("POST",)


@api_view(methods=GET)
def session(request: HttpRequest) -> dict:
    """Who I am, and the cursor to open the websocket from (read before any snapshot), plus
    the limits the page checks before the server does."""
    user = request.user
    profile, _ = OperatorProfile.objects.get_or_create(user=user)
    return {
        "user": {"id": user.pk, "username": user.username, "name": user.get_full_name()},
        "role": request.role,
        "cursor": cursor_latest(),
        "presence": profile.presence,
        "capacity": profile.capacity,
        "autoAssign": settings.DESK_AUTO_ASSIGN,
        "heartbeatSeconds": settings.DESK_HEARTBEAT_SECONDS,
        "presenceTimeoutSeconds": settings.DESK_PRESENCE_TIMEOUT_SECONDS,
        "limits": {
            "maxFileBytes": MEDIA_MAX_BYTES,
            "maxTextLength": MAX_TEXT_LENGTH,
            "maxAttachments": MAX_ATTACHMENTS,
        },
        "attachmentRules": {
            "default": DEFAULT_ATTACHMENT_RULE.as_json(),
            **{channel: rule.as_json() for channel, rule in ATTACHMENT_RULES.items()},
        },
    }


@api_view(methods=GET)
def operator_list(request: HttpRequest) -> dict:
    """Active operators with their role, presence, capacity and how many conversations they
    hold now (the transfer dialog's choice)."""
    users = (
        User.objects.filter(is_active=True)
        .select_related("operator__team")
        .prefetch_related("groups")
        .annotate(
            load=Count(
                "assigned_conversations",
                filter=Q(assigned_conversations__state=ConversationState.ASSIGNED),
            )
        )
        .order_by("first_name", "username")
    )
    data = []
    for user in users:
        role = user_role(user)
        if role is None:
            continue
        profile = getattr(user, "operator", None)
        data.append(
            {
                "id": user.pk,
                "name": user.get_full_name() or user.username,
                # Two people may share a name: the username and the team tell them apart.
                "username": user.username,
                "team": profile.team.name if profile and profile.team else None,
                "role": role,
                "presence": profile.presence if profile else Presence.OFFLINE,
                "capacity": profile.capacity if profile else None,
                "load": user.load,
            }
        )
    return {"data": data}


@api_view(methods=POST)
def presence(request: HttpRequest) -> dict:
    """The page's heartbeat: `{presence: online|away|offline}`."""
    body = body_parsed(request, PresenceInput)
    profile = presence_heartbeat(user=request.user, presence=body.presence)
    return {"operator": presence_data(profile)}


@api_view(methods=GET)
@visible_conversation_required
def conversation_detail(request: HttpRequest, conversation_id: int) -> dict:
    """A conversation as the thread shows it: messages, the contact beside it, notifications."""
    return selectors.conversation_detail(user=request.user, conversation_id=conversation_id)


@api_view(methods=POST)
@visible_conversation_required
def conversation_read(request: HttpRequest, conversation_id: int) -> dict:
    """`{messageId}`: the operator has seen the conversation up to that message."""
    body = body_parsed(request, ReadInput)
    upto = read_mark(user=request.user, conversation_id=conversation_id, message_id=body.message_id)
    return {"conversationId": conversation_id, "lastReadMessageId": upto}


@api_view(methods=GET)
def templates(request: HttpRequest) -> dict:
    """Canned responses: the platform's templates and the desk's quick replies. When the
    platform cannot be asked, the quick replies still come, with `platformError`."""
    answer: dict = {"data": selectors.quick_replies(user=request.user), "platformError": None}
    try:
        answer["data"] += [template_data(t) for t in platform_templates()]
    except FromniError as error:
        answer["platformError"] = f"The platform's templates could not be read: {error}"
    return answer


@api_view(methods=("GET", "POST"))
def quick_reply_list(request: HttpRequest) -> dict:
    """The team's quick replies and the caller's own; POST makes one (the team's: supervisors
    and admins only)."""
    if request.method == "GET":
        return {"data": selectors.quick_replies(user=request.user)}
    body = body_parsed(request, QuickReplyInput)
    reply = services.quick_reply_create(
        user=request.user, title=body.name, text=body.text, personal=body.personal
    )
    return {"quickReply": selectors.quick_reply_data(reply)}


@api_view(methods=("PUT", "DELETE"))
def quick_reply_detail(request: HttpRequest, reply_id: int) -> dict:
    """The caller's own quick reply, or the team's (supervisors and admins); another
    operator's own is a 404."""
    if request.method == "DELETE":
        services.quick_reply_delete(user=request.user, reply_id=reply_id)
        return {"deleted": reply_id}
    body = body_parsed(request, QuickReplyInput)
    reply = services.quick_reply_update(
        user=request.user, reply_id=reply_id, title=body.name, text=body.text
    )
    return {"quickReply": selectors.quick_reply_data(reply)}
