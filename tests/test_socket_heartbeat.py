"""The server's side of the websocket heartbeat (desk/heartbeat.py): one task for the process
pings a socket silent for one and a half intervals and closes one silent for three (4408).
tests/test_realtime.py has the page's side: a socket that pings is answered and never pinged."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from django.test import override_settings

from desk import heartbeat
from tests.support.sockets import IN_PROCESS_SOCKETS, connect, receive

pytestmark = IN_PROCESS_SOCKETS

INTERVAL = 0.2


async def closed_code(communicator, timeout: float = 5.0) -> int | None:
    """The code of the close that comes next, skipping other frames (the server's pings)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = await communicator.receive_output(timeout=timeout)
        if frame["type"] == "websocket.close":
            return frame["code"]
    return None


@override_settings(DESK_HEARTBEAT_SECONDS=INTERVAL)
async def test_a_silent_socket_is_pinged_after_one_and_a_half_intervals_closed_after_three(agent):
    heard = time.monotonic()  # before the connect: the last the server heard of the socket
    communicator = await connect(agent)
    assert (await receive(communicator))["type"] == "desk.ready"
    ping = await receive(communicator)
    pinged = time.monotonic()
    assert ping["type"] == "desk.ping"
    assert isinstance(ping["cursor"], int)
    assert pinged - heard >= 1.5 * INTERVAL
    heard = time.monotonic()
    await communicator.send_json_to({"type": "desk.pong"})
    assert await closed_code(communicator) == 4408
    assert time.monotonic() - heard >= 3 * INTERVAL
    assert heartbeat.watched() == frozenset()


async def test_a_closed_socket_leaves_the_heartbeat(agent, supervisor):
    first = await connect(agent)
    second = await connect(supervisor)
    for socket in (first, second):
        assert (await receive(socket))["type"] == "desk.ready"
    assert sorted(s.user_id for s in heartbeat.watched()) == sorted([agent.pk, supervisor.pk])
    await first.disconnect()
    assert [s.user_id for s in heartbeat.watched()] == [supervisor.pk]
    await second.disconnect()
    assert heartbeat.watched() == frozenset()


def desk_tasks() -> list[asyncio.Task]:
    """The running tasks of the desk app's own code (desk/)."""
    desk = str(Path(heartbeat.__file__).parent)
    return [
        task
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "cr_code", None) is not None
        and task.get_coro().cr_code.co_filename.startswith(desk)
    ]


async def test_sockets_share_one_heartbeat_task(agent):
    # A task per socket is memory per idle socket (docs/benchmarks.md, "3. Idle sockets"):
    # five idle sockets, and the desk's code runs one task of its own, the heartbeat.
    sockets = []
    for _ in range(5):
        sockets.append(await connect(agent))
        assert (await receive(sockets[-1]))["type"] == "desk.ready"
    assert len(desk_tasks()) == 1
    for socket in sockets:
        await socket.disconnect()
