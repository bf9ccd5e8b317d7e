"""Reading a live desk's websocket (a `websockets` client) as the page does."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable, Sequence

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.live_desk import LiveDesk


async def next_event(
    socket: ClientConnection, predicate: Callable[[dict], bool], timeout: float = 15.0
) -> dict:
    """The next frame `predicate` accepts (the others are dropped); TimeoutError if none comes."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no matching event")
        frame = json.loads(await asyncio.wait_for(socket.recv(), remaining))
        if predicate(frame):
            return frame


def message_count(events: list[dict]) -> int:
    return sum(e["type"] == "desk.message_created" for e in events)


async def read_until(
    socket: ClientConnection, enough: Callable[[list[dict]], bool], events: list[dict]
) -> None:
    """Append the desk's events (frames with a cursor and data) to `events` until `enough`."""
    while not enough(events):
        frame = json.loads(await asyncio.wait_for(socket.recv(), 20))
        if "cursor" in frame and frame["type"].startswith("desk.") and "data" in frame:
            events.append(frame)


async def read_resuming(
    desk: LiveDesk,
    headers: dict,
    start: int,
    enough: Callable[[list[dict]], bool],
    events: list[dict],
    url: str | None = None,
    *,
    others: Sequence[str] = (),
) -> int:
    """Read as the page does: on any drop, reconnect from the last cursor applied (to the desk
    at `url`, default the desk's own, as its own page: the Origin is the one it connects to).
    `others`: the desk's other hosts, gone on to in turn when the one read refuses connections
    (the host went away). How many times it tried to connect again."""
    hosts = itertools.cycle([url, *others])
    current = next(hosts)
    reconnects = -1
    while not enough(events):
        cursor = events[-1]["cursor"] if events else start
        reconnects += 1
        try:
            page = {**headers, "Origin": current or desk.url}
            async with connect(desk.ws_url(cursor, url=current), additional_headers=page) as ws:
                await read_until(ws, enough, events)
        except ConnectionClosed:
            await asyncio.sleep(0.2)
        except OSError:
            if not others:
                raise
            current = next(hosts)
            await asyncio.sleep(0.2)
    return max(reconnects, 0)
