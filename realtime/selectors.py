"""Reading desk events for a reconnecting client."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

from django.db.models import Q

from realtime.models import Event, EventCounter
from realtime.services import event_wire


def cursor_latest() -> int:
    """The cursor of the last committed event (0 when there is none)."""
    value = EventCounter.objects.filter(pk=1).values_list("value", flat=True).first()
    return value or 0


def cursor_is_resumable(cursor: int) -> bool:
    """False when events after `cursor` were pruned, or the cursor is from another desk."""
    if cursor < 0 or cursor > cursor_latest():
        return False
    oldest = Event.objects.order_by("id").values_list("id", flat=True).first()
    if oldest is None:
        return cursor == cursor_latest()
    return cursor >= oldest - 1


# Who sees an event. `event_visible` (the consumer, per pushed event, no queries) and
# `events_visible_after` (the same rule in SQL, for catching up) must agree:
# - supervisors and admins see everything;
# - an event with an audience is for that operator only;
# - any other event is for every operator, unless it is about a conversation of a connection
#   whose access rules hide it from this operator; then only if it involves them (the
#   conversation is assigned to them, or was transferred away from them).


def event_visible(
    *,
    audience: int | None,
    connection_id: int | None,
    payload: dict[str, Any],
    user_id: int,
    sees_everything: bool,
    hidden_connection_ids: AbstractSet[int] = frozenset(),
) -> bool:
    if sees_everything:
        return True
    if audience is not None:
        return audience == user_id
    if connection_id is None or connection_id not in hidden_connection_ids:
        return True
    assignee = (payload.get("conversation") or {}).get("assignee") or {}
    return user_id in (assignee.get("id"), payload.get("fromUserId"))


def events_visible_after(
    *,
    cursor: int,
    user_id: int,
    sees_everything: bool,
    upto: int | None = None,
    limit: int = 500,
    hidden_connection_ids: AbstractSet[int] = frozenset(),
) -> list[dict[str, Any]]:
    """Events after `cursor` (up to `upto`) that the operator may see, oldest first."""
    events = Event.objects.filter(id__gt=cursor)
    if upto is not None:
        events = events.filter(id__lte=upto)
    if not sees_everything:
        events = events.filter(Q(audience_user_id__isnull=True) | Q(audience_user_id=user_id))
        if hidden_connection_ids:
            involved = Q(payload__conversation__assignee__id=user_id) | Q(
                payload__fromUserId=user_id
            )
            events = events.filter(
                ~Q(connection_id__in=list(hidden_connection_ids))
                | Q(audience_user_id=user_id)
                | involved
            )
    return [event_wire(event) for event in events.order_by("id")[:limit]]


def event_messages_after(*, cursor: int, limit: int = 500) -> list[dict[str, Any]]:
    """Every event after `cursor`, as channel-layer messages (for the relay)."""
    from realtime.services import event_message

    return [event_message(e) for e in Event.objects.filter(id__gt=cursor).order_by("id")[:limit]]
