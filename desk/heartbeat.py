"""The server's side of the websocket heartbeat: one task per process looks at every open socket
each DESK_HEARTBEAT_SECONDS, pings the ones it has not heard from for one and a half intervals
and closes the ones silent for three (docs/websocket.md, "Heartbeat").

The page pings every interval and is answered: one round trip per interval keeps a live socket
alive both ways (and any proxy in between). The server pings only a socket it has not heard
from for one and a half intervals (a client that does not ping, or one gone quiet), and closes
one silent for three.

One task for the process rather than one per socket: a sleeping task is a task, a coroutine
frame and a timer handle for each of thousands of idle sockets (docs/benchmarks.md, "3. Idle
sockets"), and a pass over them all is a comparison each.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from django.conf import settings

log = logging.getLogger(__name__)

CLOSE_SILENT = 4408


class Heard(Protocol):
    last_heard: float  # time.monotonic() of the socket's last frame

    async def ping(self) -> None: ...

    async def close(self, code: int | None = None) -> None: ...


class _Sweeper:
    def __init__(self) -> None:
        self.sockets: set[Heard] = set()
        self.task: asyncio.Task[None] | None = None

    def watch(self, socket: Heard) -> None:
        self.sockets.add(socket)
        loop = asyncio.get_running_loop()
        # One sweeper per process and event loop (tests run a loop per test; a server runs one).
        if self.task is None or self.task.done() or self.task.get_loop() is not loop:
            if self.task is not None and not self.task.done():
                self.task.cancel()
            self.task = loop.create_task(self._sweep())

    def forget(self, socket: Heard) -> None:
        self.sockets.discard(socket)

    async def _sweep(self) -> None:
        while self.sockets:
            interval = settings.DESK_HEARTBEAT_SECONDS
            await asyncio.sleep(interval)
            now = time.monotonic()
            for socket in list(self.sockets):
                silent = now - socket.last_heard
                if silent <= 1.5 * interval:
                    continue
                try:
                    if silent > 3 * interval:
                        # Out of the set now, whether or not the consumer hears its close.
                        self.sockets.discard(socket)
                        await socket.close(code=CLOSE_SILENT)
                    else:
                        await socket.ping()
                except Exception:
                    # One socket's failure must not stop the others' heartbeat.
                    log.warning("heartbeat of a socket failed", exc_info=True)


_sweeper = _Sweeper()


def watch(socket: Heard) -> None:
    """Keep this socket's heartbeat (call once it is accepted; `forget` when it closes)."""
    _sweeper.watch(socket)


def forget(socket: Heard) -> None:
    _sweeper.forget(socket)


def watched() -> frozenset[Heard]:
    """The sockets whose heartbeat this process keeps now."""
    return frozenset(_sweeper.sockets)
