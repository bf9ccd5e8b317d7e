"""Automatic assignment (DESK_AUTO_ASSIGN): the queue, most urgent first and then oldest (the
queue's own order), to online operators with room."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from audit.services import audit_record
from conversations.charge import may_see_queue_of
from conversations.events import conversation_event_emit
from conversations.list_filters import ORDERS
from conversations.locks import conversation_locked
from conversations.models import Conversation, ConversationState
from operator_desk.db import locked
from operators.models import OperatorProfile, Presence
from operators.roles import Role

# Who automatic assignment hands conversations to (admins run the desk; they are not in it).
ASSIGNABLE_ROLES = (Role.AGENT.value, Role.SUPERVISOR.value)


def _operators_with_room() -> list[int]:
    """Online operators below their capacity: least loaded first, then the one who got a
    conversation longest ago. A hint only: the load is counted again under a lock."""
    assigned = Q(user__assigned_conversations__state=ConversationState.ASSIGNED)
    profiles = (
        OperatorProfile.objects.filter(
            presence=Presence.ONLINE,
            user__is_active=True,
            user__groups__name__in=ASSIGNABLE_ROLES,
            capacity__gt=0,
        )
        .annotate(
            load=Count("user__assigned_conversations", filter=assigned, distinct=True),
            latest=Max("user__assigned_conversations__assigned_at"),
        )
        .order_by("load", "latest", "user_id")
    )
    return [p.user_id for p in profiles if p.load < p.capacity]


def _load(user_id: int) -> int:
    return Conversation.objects.filter(
        assignee_id=user_id, state=ConversationState.ASSIGNED
    ).count()


@transaction.atomic
def conversation_auto_assign(*, conversation_id: int, candidates: Sequence[int]) -> User | None:
    """Give one queued conversation to the first candidate with room. Race-safe: the
    conversation is locked as conversation_claim locks it (a claim and an assignment cannot
    both win), and each candidate's profile is locked before their load is counted (two
    assignments cannot both fill the last free place)."""
    conversation = conversation_locked(conversation_id)
    now = timezone.now()
    if conversation.state != ConversationState.QUEUED or not conversation.window_open(now):
        return None
    for user_id in candidates:
        profile = (
            locked(OperatorProfile.objects)
            .select_related("user")
            .filter(user_id=user_id, presence=Presence.ONLINE, user__is_active=True)
            .first()
        )
        if profile is None or not may_see_queue_of(conversation, profile.user):
            continue  # went offline meanwhile, or kept out of this connection
        if _load(user_id) >= profile.capacity:
            continue
        conversation.state = ConversationState.ASSIGNED
        conversation.assignee = profile.user
        conversation.assigned_at = now
        conversation.save(update_fields=["state", "assignee", "assigned_at", "updated_at"])
        audit_record(
            actor=None,
            action="conversation.auto_assign",
            target=f"conversation:{conversation.pk}",
            toUserId=user_id,
        )
        conversation_event_emit(conversation, "claimed", byUserId=None, auto=True)
        return profile.user
    return None


def conversations_auto_assign(*, limit: int = 100) -> int:
    """Hand the queue, most urgent first, then oldest, to online operators with free capacity,
    while any have room. Off unless DESK_AUTO_ASSIGN. Each assignment is its own transaction."""
    if not settings.DESK_AUTO_ASSIGN:
        return 0
    queue_order = ORDERS["priority"].order_by()
    queued = Conversation.objects.filter(state=ConversationState.QUEUED).order_by(*queue_order)
    assigned = 0
    for conversation_id in queued.values_list("pk", flat=True)[:limit]:
        candidates = _operators_with_room()
        if not candidates:
            break
        if conversation_auto_assign(conversation_id=conversation_id, candidates=candidates):
            assigned += 1
    return assigned


def auto_assign_after_commit() -> None:
    if settings.DESK_AUTO_ASSIGN:
        transaction.on_commit(conversations_auto_assign)
