"""Reading what the desk keeps per operator: read marks (unread counts) and quick replies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from conversations.models import Conversation, MessageKind
from desk.models import QuickReply, ReadMark


def unread_counts(*, user: AbstractBaseUser, conversation_ids: Iterable[int]) -> dict[int, int]:
    """{conversation id: the user's messages after the operator's read mark}, in one query."""
    ids = list(conversation_ids)
    if not ids:
        return {}
    mark = ReadMark.objects.filter(user=user, conversation=OuterRef("pk")).values(
        "last_read_message_id"
    )[:1]
    rows = (
        Conversation.objects.filter(pk__in=ids)
        .annotate(read_upto=Coalesce(Subquery(mark), Value(0), output_field=IntegerField()))
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__kind=MessageKind.INCOMING, messages__id__gt=F("read_upto")),
            )
        )
        .values_list("pk", "unread")
    )
    return dict(rows)


def last_read(*, user: AbstractBaseUser, conversation_id: int) -> int:
    value = (
        ReadMark.objects.filter(user=user, conversation_id=conversation_id)
        .values_list("last_read_message_id", flat=True)
        .first()
    )
    return value or 0


def quick_reply_data(reply: QuickReply) -> dict[str, Any]:
    return {
        "id": reply.pk,
        "source": "desk",
        "name": reply.title,
        "text": reply.text,
        "personal": reply.owner_id is not None,
        "updatedAt": reply.updated_at.isoformat() if reply.updated_at else None,
    }


def quick_replies(*, user: AbstractBaseUser) -> list[dict[str, Any]]:
    """The team's quick replies and the user's own, the user's first (each by title)."""
    rows = QuickReply.objects.filter(Q(owner__isnull=True) | Q(owner=user)).order_by(
        F("owner").asc(nulls_last=True), "title", "id"
    )
    return [quick_reply_data(reply) for reply in rows]
