"""The relay: each daphne process's single subscription to the desk's events.

Sockets do not join the desk's group themselves: a process joins it once, here, and hands each
pushed event to its own sockets in memory. One Redis delivery per process per event, however
many operators are connected (the layer would otherwise fan out to every socket).

Pushes are at-most-once, and the in-memory layer of the embedded desk does not cross
processes at all (events the applier, worker and clock emit never arrive that way). So the
relay also reads the events committed since its last look (one indexed query per process)
when another process rings the doorbell (realtime/doorbell.py), and every DESK_PUMP_SECONDS
in any case, and hands over what its sockets still lack. Sockets drop by cursor
what they already have, so an event sent both ways reaches the browser once.

Everything the relay hands over goes through one queue per process (`_InOrder`) that puts it
in cursor order first. Several processes commit events (an applier per host, the web, the
workers), each pushes its own after its commit, and a push often overtakes the one before it.
A socket that sees a gap reads it from the table itself: with 200 sockets that was 200 queries
per gap through daphne's one database thread (docs/benchmarks.md, "Two hosts"). So a batch
that arrives ahead of a missing cursor is held for GAP_HOLD_SECONDS for the push it overtook,
and if that does not come, the gap is read from the table once, for all the process's sockets.

An event enters that queue with the text of its frame (`text`), encoded there once for the
process: a broadcast to 1,000 sockets is one `json.dumps`, not 1,000 (docs/benchmarks.md,
"6. Broadcast fan-out").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import deque
from typing import Protocol

from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

from operator_desk.db import keep_connection
from operator_desk.outage import Outage
from realtime import doorbell
from realtime.selectors import event_messages_after
from realtime.services import DESK_GROUP, event_text

log = logging.getLogger(__name__)

# Group membership is renewed this often: the in-memory layer expires it (the pub/sub layer
# subscribes again after a Redis restart by itself; joining again costs nothing there).
REJOIN_SECONDS = 15.0
# How long a pushed batch that overtook an earlier cursor waits for that cursor's push before
# the relay reads the gap from the table. Events commit in cursor order (the event counter,
# realtime/models.py), so the overtaken push left its process before this one and is normally
# a few milliseconds behind; the hold delays only the batch that arrived early. A push that
# never comes (lost, or the in-memory layer of another process) costs this wait and one query.
GAP_HOLD_SECONDS = 0.005
# Events handed over kept for sockets that start following: a connect reads the latest cursor
# a moment before it follows. Further behind, the socket finds the gap and reads it itself.
RECENT_KEPT = 500


class Follower(Protocol):
    """A socket. The messages it is handed are channel-layer messages (realtime.services.
    event_message) with `text` added: the event's frame, encoded once for the process."""

    cursor: int
    sending: asyncio.Lock

    def later(self, messages: list[dict]) -> None: ...

    def pass_unseen(self, messages: list[dict]) -> bool: ...

    async def deliver(self, messages: list[dict], *, may_wait: bool) -> bool: ...


_followers: weakref.WeakSet[Follower] = weakref.WeakSet()
_tasks: list[asyncio.Task] = []


class _InOrder:
    """The process's events on their way to its sockets, put in cursor order.

    `handed`: every cursor up to it has been handed to the sockets (or is known not to exist).
    `ahead`: what arrived beyond a missing cursor, by cursor, until the missing one is pushed or
    read. Cursors are dense (taken in the committing transaction, rolled back with it), so a
    missing one is an overtaken or lost push; should the table not have it all the same (pruned),
    the relay moves past it and any socket that still lacks it reads it itself."""

    def __init__(self) -> None:
        self.handed: int | None = None
        # The last events handed over, for a socket that starts following just after them.
        self.recent: deque[dict] = deque(maxlen=RECENT_KEPT)
        self.ahead: dict[int, dict] = {}
        self.gap_since = 0.0  # when the first cursor still missing was found missing
        self.gap = asyncio.Event()  # wakes _fill_gaps
        self.lock = asyncio.Lock()  # one hand-over at a time, so the sockets get cursor order
        self.outage = Outage("database (relay, reading a gap)", log)

    async def offer(self, messages: list[dict]) -> None:
        """Hand over what follows the last handed cursor; keep the rest for the gap."""
        async with self.lock:
            if self.handed is None:  # start from the socket furthest behind
                first = messages[0]["event"]["cursor"]
                self.handed = min((f.cursor for f in list(_followers)), default=first - 1)
            waiting, handed = bool(self.ahead), self.handed
            self._keep(messages)
            await self._release()
            if self.ahead and (not waiting or self.handed != handed):
                self.gap_since = time.monotonic()
                self.gap.set()

    def _keep(self, messages: list[dict]) -> None:
        for message in messages:
            cursor = message["event"]["cursor"]
            if cursor > self.handed and cursor not in self.ahead:
                # A copy: the in-memory layer's message may be another reader's too.
                self.ahead[cursor] = {**message, "text": event_text(message["event"])}

    async def _release(self, *, upto: int | None = None) -> None:
        """Hand over the run that follows `handed`; with `upto`, everything up to it first (the
        table was read up to there: a cursor still missing below it does not exist)."""
        if upto is not None and upto > self.handed:
            self.handed = upto
        due = [
            self.ahead.pop(cursor) for cursor in sorted(c for c in self.ahead if c <= self.handed)
        ]
        while self.handed + 1 in self.ahead:
            self.handed += 1
            due.append(self.ahead.pop(self.handed))
        if due:
            self.recent.extend(due)
            await _hand_over(due)

    def missed_by(self, follower: Follower) -> list[dict]:
        """What was handed over after the follower's cursor (it read the latest cursor, and
        events were handed over before it followed): dropped as seen otherwise."""
        return [m for m in self.recent if m["event"]["cursor"] > follower.cursor]

    async def fill_gap(self) -> None:
        """Read what is missing below the first held cursor from the table, once for the
        process, and hand it over with what waited for it."""
        async with self.lock:
            while self.ahead:
                upto = min(self.ahead) - 1
                try:
                    read = await database_sync_to_async(_events_after)(
                        cursor=self.handed, upto=upto
                    )
                except Exception as error:
                    # The database is away: hand over what waited; each socket finds the gap
                    # and is closed when it cannot read it, its page resuming from its cursor.
                    self.outage.failed(error)
                    await self._release(upto=max(self.ahead))
                    return
                self.outage.recovered()
                self._keep(read)
                # A page of the gap (more may follow), or all of it: up to what was read.
                await self._release(upto=read[-1]["event"]["cursor"] if read else upto)


_order = _InOrder()


def follow(consumer: Follower) -> None:
    """Hand this socket the desk's events; start the process's relay if it is not running."""
    global _order
    _followers.add(consumer)
    loop = asyncio.get_running_loop()
    # One relay per process and event loop (tests run a loop per test; a server runs one).
    if not _tasks or any(task.done() or task.get_loop() is not loop for task in _tasks):
        for task in _tasks:
            if not task.done() and task.get_loop() is loop:
                task.cancel()
        _order = _InOrder()
        _tasks[:] = [
            loop.create_task(_listen()),
            loop.create_task(_read_table()),
            loop.create_task(_fill_gaps()),
        ]
    missed = _order.missed_by(consumer)
    if missed:
        consumer.later(missed)


def unfollow(consumer: Follower) -> None:
    _followers.discard(consumer)


async def _listen() -> None:
    """Pushed events, as they come."""
    outage = Outage("channel layer (relay)", log)
    layer = get_channel_layer()
    channel = await layer.new_channel()
    joined = 0.0
    # One receive at a time, kept across the periodic re-join: on the pub/sub layer a
    # cancelled receive unsubscribes its channel.
    receiving: asyncio.Future | None = None
    try:
        while _followers:
            try:
                if time.monotonic() - joined > REJOIN_SECONDS:
                    await layer.group_add(DESK_GROUP, channel)
                    joined = time.monotonic()
                    outage.recovered()
                if receiving is None:
                    receiving = asyncio.ensure_future(layer.receive(channel))
                await asyncio.wait([receiving], timeout=REJOIN_SECONDS)
                if not receiving.done():
                    continue
                finished, receiving = receiving, None
                message = finished.result()
            except Exception as error:  # the layer is away (Redis restarting): the table covers it
                outage.failed(error)
                joined = 0.0
                await asyncio.sleep(outage.pause())
                continue
            if message.get("type") == "desk.events" and message["messages"]:
                await _order.offer(message["messages"])  # a batch in cursor order, maybe early
    finally:
        if receiving is not None:
            receiving.cancel()
        with contextlib.suppress(Exception):
            await layer.group_discard(DESK_GROUP, channel)


async def _read_table() -> None:
    """Events that were not pushed here: read from the table, one query per pass, when the
    doorbell rings (another process committed events) or every DESK_PUMP_SECONDS."""
    # The in-memory layer never carries another process's events, so hand them over at once.
    # A shared layer (Redis) normally does, a few milliseconds later: there the relay holds
    # what it read until the next pass and hands over only what a socket still lacks then.
    at_once = isinstance(get_channel_layer(), InMemoryChannelLayer)
    outage = Outage("database (relay)", log)
    rung = asyncio.Event()
    bell = await doorbell.listen(rung.set)
    seen: int | None = None
    held: list[dict] = []
    try:
        while _followers:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(rung.wait(), settings.DESK_PUMP_SECONDS)
            rung.clear()
            try:
                if seen is None:  # start from the socket furthest behind
                    seen = min((f.cursor for f in list(_followers)), default=0)
                fresh = await database_sync_to_async(_events_after)(cursor=seen)
            except Exception as error:  # the database is away: try again next pass
                outage.failed(error)
                continue
            outage.recovered()
            if fresh:
                seen = fresh[-1]["event"]["cursor"]
            due, held = (fresh, []) if at_once else (held, fresh)
            if due:
                await _order.offer(due)
    finally:
        if bell is not None:
            bell.close()


async def _fill_gaps() -> None:
    """A gap in the pushes: after GAP_HOLD_SECONDS without the missing push, read it."""
    while _followers:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_order.gap.wait(), REJOIN_SECONDS)
        _order.gap.clear()
        while _order.ahead:
            wait = _order.gap_since + GAP_HOLD_SECONDS - time.monotonic()
            if wait > 0:  # the hold of the gap found last (an earlier one may have filled)
                await asyncio.sleep(wait)
                continue
            await _order.fill_gap()


def _events_after(*, cursor: int, upto: int | None = None) -> list[dict]:
    # In the thread Channels gives database_sync_to_async calls for the life of the process.
    keep_connection()
    return event_messages_after(cursor=cursor, upto=upto)


async def _hand_over(messages: list[dict]) -> None:
    last = messages[-1]["event"]["cursor"]
    for follower in list(_followers):
        if follower.cursor >= last or follower.pass_unseen(messages):
            continue
        if follower.sending.locked():
            follower.later(messages)  # busy (catching up, sending): after what it is doing
            continue
        with contextlib.suppress(Exception):  # a socket closing under us
            await follower.deliver(messages, may_wait=False)
