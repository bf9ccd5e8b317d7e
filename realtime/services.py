"""Emitting desk events: stored with a cursor inside the caller's transaction, pushed after commit.

Services call `event_emit` as their last step, in the same transaction as the state change, so an
event exists if and only if the change committed. The push over the channel layer happens in
`transaction.on_commit` and may be lost (the layer is at-most-once); a client that misses one
notices the gap in cursors and reads it from the table.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from realtime.models import Event, EventCounter

# Every desk socket joins this group; audience filtering happens in the consumer, so every
# socket sees every cursor and can tell a lost push from an event meant for someone else.
DESK_GROUP = "desk.events"


def event_wire(event: Event) -> dict[str, Any]:
    """The JSON frame a browser receives."""
    return {
        "type": event.type,
        "cursor": event.id,
        "at": event.created_at.isoformat(),
        "data": event.payload,
    }


def event_emit(*, type: str, payload: dict[str, Any], audience_user_id: int | None = None) -> Event:
    """Store an event with the next cursor and push it to the desk after commit."""
    if not type.startswith("desk."):
        raise ValueError(f"event types are namespaced 'desk.*', got {type!r}")
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("event_emit must run inside the transaction of the state change")
    counter, _ = EventCounter.objects.select_for_update().get_or_create(pk=1)
    counter.value += 1
    counter.save(update_fields=["value"])
    event = Event.objects.create(
        id=counter.value,
        type=type,
        payload=payload,
        audience_user_id=audience_user_id,
        created_at=timezone.now(),
    )
    message = {"type": "desk.event", "event": event_wire(event), "audience": audience_user_id}
    transaction.on_commit(lambda: _push(message))
    return event


def _push(message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(DESK_GROUP, message)
    except Exception:  # the table has it; sockets will catch up from their cursor
        import logging

        logging.getLogger(__name__).warning(
            "push of event %s failed", message["event"]["cursor"], exc_info=True
        )


@transaction.atomic
def events_prune(*, older_than: timedelta) -> int:
    """Forget events older than the retention window; clients behind it are told to reload."""
    deleted, _ = Event.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
