"""Emitting desk events: stored with a cursor inside the caller's transaction, pushed after commit.

Services call `event_emit` as their last step, in the same transaction as the state change, so an
event exists if and only if the change committed. Its cursor is taken just before the commit,
for all the transaction's events in one statement: the event counter is the last lock every
transaction takes, and is held only for the moment of its commit. (Taken with each event, the
counter's lock was held from a transaction's first event to its commit: a batch of callbacks
holding it while it went on to lock the next dialog, and an operator's reply holding that dialog
while it asked for the counter, deadlocked; and every action waited for the whole batch.)

The push over the channel layer happens in `transaction.on_commit` and may be lost (the layer
is at-most-once); a client that misses one notices the gap in cursors and reads it from the table.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import threading
import weakref
from collections import deque
from datetime import timedelta
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from operator_desk.db import before_commit
from operator_desk.outage import Outage
from realtime import doorbell
from realtime.models import Event, EventCounter

log = logging.getLogger(__name__)

# Every desk socket joins this group; audience filtering happens in the consumer, so every
# socket sees every cursor and can tell a lost push from an event meant for someone else.
DESK_GROUP = "desk.events"
# Who may see what changed (connection access rules, a team, a role, a deactivation): every
# socket reloads its operator's access when it passes this event, and pages reload their lists.
ACCESS_CHANGED = "desk.access_changed"


def event_wire(event: Event) -> dict[str, Any]:
    """The JSON frame a browser receives."""
    return {
        "type": event.type,
        "cursor": event.id,
        "at": event.created_at.isoformat(),
        "data": event.payload,
    }


def event_text(wire: dict[str, Any]) -> str:
    """The text of an event's frame (docs/websocket.md): its wire form as `json.dumps` writes it,
    exactly what Channels' send_json sent. Encoded once per process and event, and that text is
    what every socket that may see the event sends (realtime/relay.py)."""
    return json.dumps(wire)


def event_emit(
    *,
    type: str,
    payload: dict[str, Any],
    audience_user_id: int | None = None,
    connection_id: int | None = None,
    assignee_id: int | None = None,
    previous_assignee_id: int | None = None,
) -> Event:
    """Store an event, numbered just before the transaction commits, and push it to the desk
    after commit. The returned event has its cursor (`id`) once the transaction has committed.

    Who may see it is decided here, by the caller, and stored with it (realtime/audience.py):
    `audience_user_id`: only that operator (and supervisors/admins). `connection_id`: the
    conversation's connection, whose access rules may hide it from some operators, except
    those it involves: `assignee_id` (the conversation's operator) and `previous_assignee_id`
    (the operator it was taken from)."""
    if not type.startswith("desk."):
        raise ValueError(f"event types are namespaced 'desk.*', got {type!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_emit must run inside the transaction of the state change")
    event = Event(
        type=type,
        payload=payload,
        audience_user_id=audience_user_id,
        connection_id=connection_id,
        assignee_id=assignee_id,
        previous_assignee_id=previous_assignee_id,
        created_at=timezone.now(),
    )
    # A hook per event, so that an event emitted in a savepoint that rolls back goes with it.
    before_commit(functools.partial(_number_later, event))
    return event


def _number_later(event: Event) -> None:
    """The hook of one event: gather it for numbering with the others of the transaction."""
    gathered = transaction.get_connection().before_commit_state.setdefault("events", [])
    gathered.append(event)
    if len(gathered) == 1:
        # Registered now, it runs after every event's hook: all of them in one statement.
        before_commit(_number_gathered)


def _number_gathered() -> None:
    connection = transaction.get_connection()
    events = connection.before_commit_state.pop("events", [])
    if not events:
        return
    last = _take_cursors(connection, len(events))
    for cursor, event in enumerate(events, start=last - len(events) + 1):
        event.id = cursor
    Event.objects.bulk_create(events)
    messages = [event_message(event) for event in events]
    transaction.on_commit(lambda: _push(messages))
    transaction.on_commit(doorbell.ring)


def event_message(event: Event) -> dict[str, Any]:
    """The channel-layer message that carries an event to the sockets (who may see it rides
    along, so that consumers decide without a query)."""
    return {
        "type": "desk.event",
        "event": event_wire(event),
        "audience": event.audience_user_id,
        "connection": event.connection_id,
        "assignee": event.assignee_id,
        "previous_assignee": event.previous_assignee_id,
    }


def access_changed_emit(*, what: str, **details: Any) -> Event:
    return event_emit(type=ACCESS_CHANGED, payload={"what": what, **details})


def _take_cursors(connection, count: int) -> int:
    """Take the next `count` cursors (returns the last): one statement that advances the
    counter row and keeps it locked until this transaction ends, so events commit in cursor
    order. Called last in the transaction, so nothing waits for the counter for long."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {EventCounter._meta.db_table} SET value = value + %s WHERE id = 1 "
            "RETURNING value",
            [count],
        )
        row = cursor.fetchone()
    if row is None:  # a flushed test database lost the migration's row
        EventCounter.objects.get_or_create(pk=1)
        return _take_cursors(connection, count)
    return row[0]


# The event loop of this process's ASGI server, once it has served anything (see
# operator_desk.asgi). Pushing from a request's worker thread then hands the group_send to
# that loop without waiting for it; processes without one (workers, the clock) wait.
_server_loop: asyncio.AbstractEventLoop | None = None


def serve_pushes_from(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    _server_loop = loop


def _push(messages: list[dict[str, Any]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop
    if loop is None or not loop.is_running():
        loop = _pusher_loop()
    try:
        # Never wait for it: the table has the events, and a commit should not stall on Redis.
        loop.call_soon_threadsafe(_queue_push, layer, messages)
    except RuntimeError:  # the loop is shutting down; sockets catch up from their cursor
        log.info("push of events %s-%s skipped", *_cursor_range(messages))


def _cursor_range(messages: list[dict[str, Any]]) -> tuple[int, int]:
    return messages[0]["event"]["cursor"], messages[-1]["event"]["cursor"]


_pusher: asyncio.AbstractEventLoop | None = None
_pusher_lock = threading.Lock()


def _pusher_loop() -> asyncio.AbstractEventLoop:
    """For processes without an ASGI server (the applier, the worker, the clock): one event loop
    in a daemon thread that sends their pushes."""
    global _pusher
    with _pusher_lock:
        if _pusher is None or not _pusher.is_running():
            _pusher = asyncio.new_event_loop()
            ready = threading.Event()
            _pusher.call_soon(ready.set)
            threading.Thread(target=_pusher.run_forever, name="event-pusher", daemon=True).start()
            ready.wait(5)
        return _pusher


# Pushes leave a process in the order its commits ran them, from one sender per event loop;
# what queued up while a send was under way goes in the next one, as one message. Sent side by
# side instead, group_sends overtake each other, and every overtaken event is a gap that each
# socket reads from the database (bench/latency.py: a batch of 50 applied callbacks was 50
# concurrent sends).
PUSH_BATCH = 100


class _Sender:
    def __init__(self) -> None:
        self.queue: deque[dict[str, Any]] = deque()
        self.task: asyncio.Task[None] | None = None


_senders: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Sender] = (
    weakref.WeakKeyDictionary()
)


def _queue_push(layer, messages: list[dict[str, Any]]) -> None:
    """On the loop: queue the pushes, and start the loop's sender unless it is running."""
    loop = asyncio.get_running_loop()
    sender = _senders.get(loop)
    if sender is None:
        sender = _senders[loop] = _Sender()
    sender.queue.extend(messages)
    if sender.task is None or sender.task.done():
        sender.task = loop.create_task(_send_queued(layer, sender.queue))


# Redis away: pushes fail until it is back, said once (not a traceback a commit).
_push_outage = Outage("channel layer (pushes of events)", log)


async def _send_queued(layer, queue: deque[dict[str, Any]]) -> None:
    """Send what is queued, oldest first, up to PUSH_BATCH events in one message, until the
    queue is empty. A batch leaves the queue once sent (or given up): a sender cancelled
    mid-send leaves it for the next, and sockets drop by cursor what they already have."""
    while queue:
        batch = [queue[n] for n in range(min(len(queue), PUSH_BATCH))]
        try:
            await layer.group_send(DESK_GROUP, {"type": "desk.events", "messages": batch})
        except Exception as error:  # the table has them; sockets will catch up from their cursor
            _push_outage.failed(error)
        else:
            _push_outage.recovered()
        for _ in batch:
            queue.popleft()


@transaction.atomic
def events_prune(*, older_than: timedelta) -> int:
    """Forget events older than the retention window; clients behind it are told to reload."""
    deleted, _ = Event.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
