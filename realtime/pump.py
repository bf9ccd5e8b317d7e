"""Per-process safety net for pushes that never arrive.

Pushes go over the channel layer, which is at-most-once, and the in-memory layer of the
embedded desk does not even cross processes: an event emitted by the worker or the clock never
reaches the sockets held by daphne. So each daphne process runs one pump: a few times a second
it reads the latest cursor (one cheap query for the whole process) and nudges the local sockets
that have stayed behind it for a full interval; they then read what they missed from the table.
Sockets that got their pushes in time are never nudged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from realtime.selectors import cursor_latest

log = logging.getLogger(__name__)


class Follower(Protocol):
    cursor: int
    channel_name: str


_followers: weakref.WeakSet[Follower] = weakref.WeakSet()
_task: asyncio.Task | None = None


def follow(consumer: Follower) -> None:
    """Watch this socket's cursor; start the process's pump if it is not running."""
    global _task
    _followers.add(consumer)
    if _task is None or _task.done():
        _task = asyncio.get_running_loop().create_task(_run())


def unfollow(consumer: Follower) -> None:
    _followers.discard(consumer)


async def _run() -> None:
    layer = get_channel_layer()
    previous: int | None = None
    while _followers:
        await asyncio.sleep(settings.DESK_PUMP_SECONDS)
        try:
            latest = await database_sync_to_async(cursor_latest)()
        except Exception:  # the database is away: try again next interval
            log.warning("event pump could not read the latest cursor", exc_info=True)
            continue
        if previous is not None:
            for follower in list(_followers):
                if follower.cursor < previous:
                    with contextlib.suppress(Exception):
                        await layer.send(
                            follower.channel_name, {"type": "desk.tick", "cursor": latest}
                        )
        previous = latest
