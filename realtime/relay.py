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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from typing import Protocol

from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

from operator_desk.db import keep_connection
from operator_desk.outage import Outage
from realtime import doorbell
from realtime.selectors import event_messages_after
from realtime.services import DESK_GROUP

log = logging.getLogger(__name__)

# Group membership is renewed this often: the in-memory layer expires it (the pub/sub layer
# subscribes again after a Redis restart by itself; joining again costs nothing there).
REJOIN_SECONDS = 15.0


class Follower(Protocol):
    cursor: int
    sending: asyncio.Lock

    def later(self, messages: list[dict]) -> None: ...

    def pass_unseen(self, messages: list[dict]) -> bool: ...

    async def deliver(self, messages: list[dict], *, may_wait: bool) -> bool: ...


_followers: weakref.WeakSet[Follower] = weakref.WeakSet()
_tasks: list[asyncio.Task] = []


def follow(consumer: Follower) -> None:
    """Hand this socket the desk's events; start the process's relay if it is not running."""
    _followers.add(consumer)
    loop = asyncio.get_running_loop()
    # One relay per process and event loop (tests run a loop per test; a server runs one).
    if not _tasks or any(task.done() or task.get_loop() is not loop for task in _tasks):
        for task in _tasks:
            if not task.done() and task.get_loop() is loop:
                task.cancel()
        _tasks[:] = [loop.create_task(_listen()), loop.create_task(_read_table())]


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
            if message.get("type") == "desk.events":  # a batch, in cursor order
                await _hand_over(message["messages"])
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
                await _hand_over(due)
    finally:
        if bell is not None:
            bell.close()


def _events_after(*, cursor: int) -> list[dict]:
    # In the thread Channels gives database_sync_to_async calls for the life of the process.
    keep_connection()
    return event_messages_after(cursor=cursor)


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
