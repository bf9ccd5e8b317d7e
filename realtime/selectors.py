"""Reading desk events for a reconnecting client."""

from __future__ import annotations

from typing import Any

from realtime.audience import Viewer, events_visible_q
from realtime.models import Event, EventCounter
from realtime.services import event_message, event_wire


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


def events_visible_after(
    viewer: Viewer, *, cursor: int, upto: int | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Events after `cursor` (up to `upto`) that the operator may see, oldest first."""
    events = Event.objects.filter(id__gt=cursor).filter(events_visible_q(viewer))
    if upto is not None:
        events = events.filter(id__lte=upto)
    return [event_wire(event) for event in events.order_by("id")[:limit]]


def event_messages_after(
    *, cursor: int, upto: int | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Every event after `cursor` (up to `upto`), as channel-layer messages (for the relay)."""
    events = Event.objects.filter(id__gt=cursor)
    if upto is not None:
        events = events.filter(id__lte=upto)
    return [event_message(e) for e in events.order_by("id")[:limit]]
