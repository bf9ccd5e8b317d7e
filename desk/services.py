"""Writes the desk keeps for itself: read marks and quick replies."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q

from audit.services import audit_record
from conversations.selectors import conversation_seen
from desk.models import QuickReply, ReadMark
from operator_desk.db import locked
from operator_desk.errors import Forbidden, Invalid, NotFound
from operators.roles import Role, user_role
from realtime.services import event_emit

TITLE_MAX, TEXT_MAX = 100, 4096


@transaction.atomic
def read_mark(*, user: User, conversation_id: int, message_id: int) -> int:
    """The operator has read the conversation up to `message_id` (marks only move forward).
    Their other tabs are told with desk.conversation_read. Returns the mark."""
    conversation_seen(user=user, conversation_id=conversation_id)
    mark = locked(ReadMark.objects).filter(user=user, conversation_id=conversation_id).first()
    if mark is None:
        try:
            with transaction.atomic():
                mark = ReadMark.objects.create(user=user, conversation_id=conversation_id)
        except IntegrityError:  # the same operator's other tab, at the same moment
            mark = locked(ReadMark.objects).get(user=user, conversation_id=conversation_id)
    if message_id <= mark.last_read_message_id:
        return mark.last_read_message_id
    mark.last_read_message_id = message_id
    mark.save(update_fields=["last_read_message_id", "read_at"])
    event_emit(
        type="desk.conversation_read",
        payload={
            "conversationId": conversation_id,
            "userId": user.pk,
            "lastReadMessageId": message_id,
        },
        audience_user_id=user.pk,
    )
    return message_id


def _clean(title: str, text: str) -> tuple[str, str]:
    title, text = (title or "").strip(), (text or "").strip()
    if not title or not text:
        raise Invalid("A quick reply needs a title and a text.")
    if len(title) > TITLE_MAX or len(text) > TEXT_MAX:
        raise Invalid(f"A title is at most {TITLE_MAX} characters, a text {TEXT_MAX}.")
    return title, text


def _keeps_the_teams(user: User) -> None:
    if user_role(user) not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden(
            "Only supervisors and admins keep the team's quick replies; yours can be personal."
        )


def _reply_kept_by(user: User, reply_id: int) -> QuickReply:
    """The quick reply, locked, if the user may change it: their own, or the team's for
    supervisors and admins. Another operator's own is a 404, as if there were none."""
    reply = (
        locked(QuickReply.objects)
        .filter(Q(owner__isnull=True) | Q(owner=user), pk=reply_id)
        .first()
    )
    if reply is None:
        raise NotFound(f"There is no quick reply {reply_id}.")
    if reply.owner_id is None:
        _keeps_the_teams(user)
    return reply


@transaction.atomic
def quick_reply_create(*, user: User, title: str, text: str, personal: bool = False) -> QuickReply:
    """The team's quick reply (supervisors and admins), or the user's own (`personal`)."""
    title, text = _clean(title, text)
    if not personal:
        _keeps_the_teams(user)
    reply = QuickReply.objects.create(
        title=title, text=text, created_by=user, owner=user if personal else None
    )
    audit_record(actor=user, action="quick_reply.create", target=f"quick_reply:{reply.pk}")
    return reply


@transaction.atomic
def quick_reply_update(*, user: User, reply_id: int, title: str, text: str) -> QuickReply:
    title, text = _clean(title, text)
    reply = _reply_kept_by(user, reply_id)
    reply.title, reply.text = title, text
    reply.save(update_fields=["title", "text", "updated_at"])
    audit_record(actor=user, action="quick_reply.update", target=f"quick_reply:{reply.pk}")
    return reply


@transaction.atomic
def quick_reply_delete(*, user: User, reply_id: int) -> None:
    _reply_kept_by(user, reply_id).delete()
    audit_record(actor=user, action="quick_reply.delete", target=f"quick_reply:{reply_id}")
