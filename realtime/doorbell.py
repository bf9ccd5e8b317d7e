"""A loopback doorbell: processes that commit events ring it, daphne's relay wakes up.

The in-memory channel layer of the embedded desk does not cross processes, and SQLite has no
LISTEN/NOTIFY, so without this the relay could only poll the events table. A UDP datagram to
127.0.0.1 after each commit costs a few microseconds and nothing if nobody listens; the relay
still reads the table every DESK_PUMP_SECONDS in case a datagram is lost. Several daphne
processes share the port (SO_REUSEPORT): the kernel wakes one of them, and the others get the
events pushed through Redis anyway (a desk with several daphne processes must use Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import time
from collections.abc import Callable

from django.conf import settings

# Each bell is a port: the base setting plus its offset.
BELLS = {"events": 0, "callbacks": 1}
_bell: socket.socket | None = None


def _port(bell: str) -> int:
    base = settings.DESK_DOORBELL_PORT
    return base + BELLS[bell] if base else 0


def ring(bell: str = "events") -> None:
    global _bell
    port = _port(bell)
    if not port:
        return
    if _bell is None:
        _bell = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        _bell.setblocking(False)
    with contextlib.suppress(OSError):  # nobody listening, or a full buffer: polling covers it
        _bell.sendto(b".", ("127.0.0.1", port))


class _Listener(asyncio.DatagramProtocol):
    def __init__(self, on_ring: Callable[[], None]) -> None:
        self.on_ring = on_ring

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.on_ring()


async def listen(on_ring: Callable[[], None], bell: str = "events") -> asyncio.BaseTransport | None:
    """Call `on_ring` whenever the bell rings; None if the port cannot be had."""
    port = _port(bell)
    if not port:
        return None
    loop = asyncio.get_running_loop()
    try:
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Listener(on_ring), local_addr=("127.0.0.1", port), reuse_port=True
        )
    except OSError:
        return None
    return transport


class Bell:
    """The same, for a process without an event loop (the applier): block until a ring."""

    def __init__(self, bell: str) -> None:
        self.socket: socket.socket | None = None
        port = _port(bell)
        if port:
            listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            try:
                listener.bind(("127.0.0.1", port))
            except OSError:
                listener.close()
            else:
                self.socket = listener

    def wait(self, timeout: float) -> None:
        if self.socket is None:
            time.sleep(timeout)
            return
        ready, _, _ = select.select([self.socket], [], [], timeout)
        if ready:
            with contextlib.suppress(OSError):
                while True:  # drain: many rings, one wake-up
                    self.socket.recv(64, socket.MSG_DONTWAIT)

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()
