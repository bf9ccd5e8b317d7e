"""The relay puts overtaken pushes back in cursor order, once per process, not once per socket.

Two appliers (one per host, say) each push their own events after their commit, so a push with
cursor N+1 often reaches a daphne before the one with N. Every socket seeing that gap and
reading it from the table itself was 200 queries per gap through daphne's one database thread
(docs/benchmarks.md, "Two hosts"). Here the pushes go through the channel layer in reverse order
by hand; what the process reads from the events table is counted at the two places that read
it: the relay's selector and the sockets' own catch-up.
"""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.test import override_settings

import desk.consumers
import realtime.relay
from realtime.services import DESK_GROUP, event_emit
from tests.support.sockets import IN_PROCESS_SOCKETS, connect, receive

SOCKETS = 12

# In-memory layer, and no doorbell nor timely table pass: only the pushes (and whatever the
# relay reads for a gap) reach the sockets.
pytestmark = IN_PROCESS_SOCKETS


@pytest.fixture
def patient_relay(monkeypatch):
    """A hold far longer than the test needs between its pushes, so a busy machine cannot make
    the relay give up on a push the test is about to send (nothing here is timed)."""
    monkeypatch.setattr(realtime.relay, "GAP_HOLD_SECONDS", 1.0)


@pytest.fixture
def held_pushes(monkeypatch) -> list[list[dict]]:
    """Each committed transaction's push, kept back so the test sends it when it likes."""
    held: list[list[dict]] = []
    monkeypatch.setattr("realtime.services._push", held.append)
    return held


@pytest.fixture
def table_reads(monkeypatch) -> dict[str, int]:
    """How often the events table is read for a gap: by the relay (for the whole process) and by
    the sockets (each for itself). The real selectors run; only the calls are counted."""
    reads = {"relay": 0, "sockets": 0}

    def counted(name: str, selector):
        def read(*args, **kwargs):
            reads[name] += 1
            return selector(*args, **kwargs)

        return read

    monkeypatch.setattr(
        realtime.relay,
        "event_messages_after",
        counted("relay", realtime.relay.event_messages_after),
    )
    monkeypatch.setattr(
        desk.consumers,
        "events_visible_after",
        counted("sockets", desk.consumers.events_visible_after),
    )
    return reads


def _emit(n: int) -> None:
    with transaction.atomic():
        event_emit(type="desk.test", payload={"n": n})


async def push(messages: list[dict]) -> None:
    await get_channel_layer().group_send(DESK_GROUP, {"type": "desk.events", "messages": messages})


async def ready_sockets(user, count: int) -> tuple[list, int]:
    sockets = [await connect(user) for _ in range(count)]
    cursors = {(await receive(socket))["cursor"] for socket in sockets}
    assert len(cursors) == 1
    return sockets, cursors.pop()


async def assert_each_gets_in_order(sockets, cursors: list[int]) -> None:
    for socket in sockets:
        got = [(await receive(socket))["cursor"] for _ in cursors]
        assert got == cursors
        assert await socket.receive_nothing(timeout=0.05)  # and each once


@override_settings(DESK_DOORBELL_PORT=0, DESK_PUMP_SECONDS=60)
async def test_an_overtaken_push_that_never_comes_is_read_once_for_the_process(
    agent, held_pushes, table_reads
):
    sockets, cursor = await ready_sockets(agent, SOCKETS)
    await database_sync_to_async(_emit)(1)
    await database_sync_to_async(_emit)(2)
    first, second = held_pushes
    await push(second)  # cursor + 2 arrives; cursor + 1's push was lost on the way
    await assert_each_gets_in_order(sockets, [cursor + 1, cursor + 2])
    assert table_reads == {"relay": 1, "sockets": 0}
    await push(first)  # late after all: nobody gets it twice, nothing is read for it
    for socket in sockets:
        assert await socket.receive_nothing(timeout=0.05)
    assert table_reads == {"relay": 1, "sockets": 0}
    for socket in sockets:
        await socket.disconnect()


@override_settings(DESK_DOORBELL_PORT=0, DESK_PUMP_SECONDS=60)
async def test_pushes_that_overtook_each_other_are_put_back_in_order_without_a_table_read(
    agent, held_pushes, table_reads, patient_relay
):
    sockets, cursor = await ready_sockets(agent, SOCKETS)
    for n in range(3):
        await database_sync_to_async(_emit)(n)
    first, second, third = held_pushes
    await push(third)
    await push(second)
    await push(first)  # behind the others, within the relay's hold
    await assert_each_gets_in_order(sockets, [cursor + 1, cursor + 2, cursor + 3])
    assert table_reads == {"relay": 0, "sockets": 0}
    for socket in sockets:
        await socket.disconnect()


@override_settings(DESK_DOORBELL_PORT=0, DESK_PUMP_SECONDS=60)
async def test_a_reconnecting_socket_still_resumes_from_its_cursor_while_pushes_overtake(
    agent, held_pushes, table_reads
):
    sockets, cursor = await ready_sockets(agent, 2)
    await sockets[1].disconnect()
    for n in range(2):
        await database_sync_to_async(_emit)(n)
    first, second = held_pushes
    await push(second)
    await assert_each_gets_in_order(sockets[:1], [cursor + 1, cursor + 2])
    again = await connect(agent, cursor=cursor)
    replay = [(await receive(again))["cursor"] for _ in range(2)]
    assert replay == [cursor + 1, cursor + 2]
    assert (await receive(again)) == {"type": "desk.ready", "cursor": cursor + 2}
    await push(first)
    await database_sync_to_async(_emit)(2)
    await push(held_pushes[-1])
    await assert_each_gets_in_order([sockets[0], again], [cursor + 3])
    await sockets[0].disconnect()
    await again.disconnect()


@override_settings(DESK_DOORBELL_PORT=0, DESK_PUMP_SECONDS=60)
async def test_many_sockets_one_process_all_get_every_event_in_order_under_shuffled_pushes(
    agent, held_pushes, table_reads, patient_relay
):
    sockets, cursor = await ready_sockets(agent, SOCKETS)
    for n in range(8):
        await database_sync_to_async(_emit)(n)
    batches = list(held_pushes)
    # Two appliers' pushes interleaved late: 2,1,4,3,... and one lost altogether (the 6th).
    order = [1, 0, 3, 2, 4, 7, 6]
    for index in order:
        await push(batches[index])
        await asyncio.sleep(0)
    await assert_each_gets_in_order(sockets, [cursor + 1 + n for n in range(8)])
    assert table_reads == {"relay": 1, "sockets": 0}  # the lost one, read once
    for socket in sockets:
        await socket.disconnect()


@override_settings(DESK_DOORBELL_PORT=0, DESK_PUMP_SECONDS=60)
async def test_a_socket_that_follows_after_the_relay_handed_an_event_over_still_gets_it(
    agent, held_pushes, table_reads, monkeypatch
):
    # The race of a connect: the socket reads the latest cursor, an event commits and is
    # handed to the sockets already following, then this one follows. The relay drops what it
    # has handed over, so it must give the newcomer what it handed before it came.
    sockets, cursor = await ready_sockets(agent, 1)
    await database_sync_to_async(_emit)(1)
    await push(held_pushes[0])
    assert (await receive(sockets[0]))["cursor"] == cursor + 1
    monkeypatch.setattr(desk.consumers, "cursor_latest", lambda: cursor)  # read before the commit
    late = await connect(agent)
    assert (await receive(late)) == {"type": "desk.ready", "cursor": cursor}
    await assert_each_gets_in_order([late], [cursor + 1])
    assert table_reads == {"relay": 0, "sockets": 0}
    for socket in [*sockets, late]:
        await socket.disconnect()
