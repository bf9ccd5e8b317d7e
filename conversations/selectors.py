"""Reading conversations the way operators see them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from conversations.models import OPEN_STATES, Conversation, ConversationState
from conversations.serializers import conversation_data, message_data
from operator_desk.errors import Invalid, NotFound
from operators.roles import Role, user_role

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LIST_STATES = ("queued", "mine", "open", "closed", "expired")


def _sees_everything(user: User) -> bool:
    return user_role(user) in (Role.SUPERVISOR, Role.ADMIN)


def conversations_visible(user: User) -> QuerySet[Conversation]:
    """Agents see the queue and their own conversations; supervisors and admins see all."""
    base = Conversation.objects.select_related("contact", "connection", "assignee")
    if _sees_everything(user):
        return base
    return base.filter(Q(state=ConversationState.QUEUED) | Q(assignee=user))


def conversation_list(
    *, user: User, state: str, limit: int = 50, after: str | None = None
) -> dict[str, Any]:
    """One page of a list, with the token of the next. The queue is oldest first (who has waited
    longest); the other lists are most recently active first."""
    if state not in LIST_STATES:
        raise Invalid(f"state must be one of {', '.join(LIST_STATES)}.")
    rows = conversations_visible(user)
    if state == "queued":
        rows = rows.filter(state=ConversationState.QUEUED)
    elif state == "mine":
        rows = rows.filter(state=ConversationState.ASSIGNED, assignee=user)
    elif state == "open":
        rows = rows.filter(state__in=OPEN_STATES)
    else:
        rows = rows.filter(state=state)
    ascending = state == "queued"
    field = "queued_at" if ascending else "updated_at"
    if after:
        moment, pk = _parse_token(after)
        if ascending:
            rows = rows.filter(Q(queued_at__gt=moment) | Q(queued_at=moment, pk__gt=pk))
        else:
            rows = rows.filter(Q(updated_at__lt=moment) | Q(updated_at=moment, pk__lt=pk))
    order = (field, "pk") if ascending else (f"-{field}", "-pk")
    page = list(rows.order_by(*order)[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    token = _token(getattr(page[-1], field), page[-1].pk) if more else None
    return {"data": [conversation_data(c) for c in page], "next": token}


def _token(moment: datetime, pk: int) -> str:
    """A URL-safe keyset position: microseconds since the epoch, and the id."""
    micros = (moment - EPOCH) // timedelta(microseconds=1)
    return f"{micros}_{pk}"


def _parse_token(token: str) -> tuple[datetime, int]:
    try:
        micros, pk = token.split("_", 1)
        return EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        raise Invalid("after is not a token this list gave out.") from None


def conversation_detail(*, user: User, conversation_id: int) -> dict[str, Any]:
    conversation = conversations_visible(user).filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(f"There is no conversation {conversation_id} you can see.")
    messages = conversation.messages.select_related("author").order_by("created_at", "id")
    return {
        "conversation": conversation_data(conversation),
        "messages": [message_data(m) for m in messages],
    }
