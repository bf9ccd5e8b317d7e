"""Two daphne processes and two workers behave as one desk (on Redis + PostgreSQL in the
services pass; on the embedded default the per-process relay reads them from the table)."""

import asyncio
import json
import os
import random
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from websockets.asyncio.client import connect

from operators.roles import Role
from realtime.rooms import ROOM_GROUP, TYPING_TTL, VIEWING_TTL
from tests.support.fixtures import handover, incoming
from tests.support.live import until
from tests.support.live_desk import claimed_conversation, deliver, live_desk
from tests.support.live_sockets import next_event

pytestmark = pytest.mark.live

# The desk's channels on Redis (the services pass), named here to look at them there.
CHANNEL_PREFIX = f"desk.scale-out.{uuid.uuid4().hex[:8]}."


def subscribers(channel: str) -> int:
    """How many connections (processes) are subscribed to a pub/sub channel on Redis."""
    [(_, count)] = redis.Redis.from_url(os.environ["REDIS_URL"]).pubsub_numsub(channel)
    return count


@pytest.fixture(scope="module")
def desk():
    env = {"DESK_CHANNEL_PREFIX": CHANNEL_PREFIX}
    with live_desk(env, ports=(0, 0), workers=2) as running:
        running.operators({"sam": Role.SUPERVISOR, "anna": Role.AGENT})
        yield running


async def test_a_callback_received_by_one_process_reaches_operators_on_the_other(desk):
    first, second = desk.stack.urls
    session = desk.login("sam", url=second)
    cursor = desk.api(session, "GET", "session").json()["cursor"]
    socket_url = desk.ws_url(cursor, url=second)
    async with connect(socket_url, additional_headers=desk.ws_headers(session)) as ws:
        await next_event(ws, lambda e: e["type"] == "desk.ready")
        assert await asyncio.to_thread(deliver, first, handover("cross-process")) == 200
        queued = await next_event(ws, lambda e: e["type"] == "desk.conversation_queued")
        assert queued["data"]["conversation"]["platformId"] == "cross-process"


def test_two_workers_never_send_the_same_reply(desk):
    first, second = desk.stack.urls
    session = desk.login("anna", url=first)
    started, conversation_id = claimed_conversation(desk, session, channel="vk")
    other = desk.login("anna", url=second)
    texts = [f"twin {n}" for n in range(40)]
    for n, text in enumerate(texts):
        via = session if n % 2 else other
        response = desk.api(via, "POST", f"conversations/{conversation_id}/replies", {"text": text})
        assert response.status_code == 200, response.text

    def all_sent():
        detail = desk.api(session, "GET", f"conversations/{conversation_id}").json()
        states = [m["delivery"] for m in detail["messages"] if m["kind"] == "outgoing"]
        return len(states) == len(texts) and all(s in ("sent", "delivered", "read") for s in states)

    until(all_sent, timeout=60)
    received = desk.sandbox.control("GET", f"/_sandbox/conversations/{started['id']}/messages")
    assert sorted(m["text"] for m in received["data"]) == sorted(texts)


def test_a_storm_of_duplicate_out_of_order_callbacks_across_processes_has_one_effect(desk):
    dialogs = [f"storm{n:02d}" for n in range(12)]
    bodies = [handover(d, contact_id=f"{n + 100:024d}") for n, d in enumerate(dialogs)]
    bodies += [incoming(d, f"{d} says {m}") for d in dialogs for m in range(8)]
    deliveries = [(url, body) for body in bodies for url in desk.stack.urls * 4]
    random.Random(11).shuffle(deliveries)
    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(lambda pair: deliver(*pair), deliveries))
    assert set(statuses) == {200}
    session = desk.login("sam")
    rows = until(
        lambda: [
            c
            for c in desk.api(session, "GET", "conversations?state=open&limit=200").json()["data"]
            if c["platformId"].startswith("storm")
        ]
    )
    assert sorted(c["platformId"] for c in rows) == dialogs
    for row in rows:
        detail = desk.api(session, "GET", f"conversations/{row['id']}").json()
        texts = [m["text"] for m in detail["messages"] if m["kind"] == "incoming"]
        assert sorted(texts) == [f"{row['platformId']} says {m}" for m in range(8)], texts


async def test_pushed_events_reach_sockets_at_once_not_at_the_next_table_read():
    """With the table read every 30 s, a frame can only come this fast by push. On Redis, the
    relay's channel once had a prefix of its own: channels-redis reads a process's channels
    under one lock, so its pushes waited for the sockets' 5 s reads (1-2 s latency in
    bench/latency.py). On the in-memory layer the doorbell brings it (there is no push)."""
    with live_desk(env={"DESK_PUMP_SECONDS": "30"}) as live:
        live.operator("sam", Role.SUPERVISOR)
        session = live.login("sam")
        cursor = live.api(session, "GET", "session").json()["cursor"]
        headers = live.ws_headers(session)
        async with (
            connect(live.ws_url(cursor), additional_headers=headers) as ws,
            connect(live.ws_url(cursor), additional_headers=headers) as other,
        ):
            for socket in (ws, other):  # both sockets' receive loops are running
                await next_event(socket, lambda e: e["type"] == "desk.ready")
            for n in range(3):
                assert (
                    await asyncio.to_thread(deliver, live.stack.url, handover(f"push-{n}")) == 200
                )
                queued = await next_event(
                    ws, lambda e: e["type"] == "desk.conversation_queued", timeout=3
                )
                assert queued["data"]["conversation"]["platformId"] == f"push-{n}"


async def presence_of(socket, user: str, activity: str, timeout: float = 5.0) -> dict:
    """The next room frame saying `user` (a first name) is `activity`."""
    return await next_event(
        socket,
        lambda e: (
            e["type"] == "desk.room.presence"
            and e["user"]["name"] == user
            and e["activity"] == activity
        ),
        timeout=timeout,
    )


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="rooms cross processes on the Redis layer only"
)
async def test_operators_on_two_processes_see_each_other_and_a_dead_process_leaves_nothing(desk):
    """Who else is here (realtime/rooms.py: one subscription per process per room): Sam on the
    first process and Anna on the second see each other viewing and typing; when the second
    process dies (no `left` can be said), nothing of its room stays on Redis, the pages forget
    Anna by her frames' ttl, and the room goes on in the first process."""
    first, second = desk.stack.urls
    sam, anna = desk.login("sam", url=first), desk.login("anna", url=second)
    anna_there = desk.login("anna", url=first)
    cursor = desk.api(sam, "GET", "session").json()["cursor"]
    assert await asyncio.to_thread(deliver, first, handover("room-across")) == 200
    conversation_id = until(
        lambda: next(
            (
                c["id"]
                for c in desk.api(sam, "GET", "conversations?state=queued").json()["data"]
                if c["platformId"] == "room-across"
            ),
            None,
        )
    )
    enter = {"type": "desk.room.enter", "conversationId": conversation_id}
    typing = {"type": "desk.room.typing", "conversationId": conversation_id, "mode": "reply"}
    # The pub/sub layer's channel for the room's group (channels_redis.pubsub).
    group = f"{CHANNEL_PREFIX}__group__{ROOM_GROUP.format(conversation_id)}"
    async with connect(
        desk.ws_url(cursor, url=first), additional_headers=desk.ws_headers(sam)
    ) as on_first:
        await next_event(on_first, lambda e: e["type"] == "desk.ready")
        await on_first.send(json.dumps(enter))
        async with connect(
            desk.ws_url(cursor, url=second), additional_headers=desk.ws_headers(anna)
        ) as on_second:
            await next_event(on_second, lambda e: e["type"] == "desk.ready")
            await on_second.send(json.dumps(enter))
            seen = await presence_of(on_first, "Anna", "viewing")
            assert seen["ttl"] == VIEWING_TTL
            await on_first.send(json.dumps(enter))  # the page answers a newcomer at once
            await presence_of(on_second, "Sam", "viewing")
            await on_second.send(json.dumps(typing))
            assert (await presence_of(on_first, "Anna", "typing"))["ttl"] == TYPING_TTL
            await on_first.send(json.dumps(typing))
            await presence_of(on_second, "Sam", "typing")
            assert subscribers(group) == 2  # one per process, however many sockets

            desk.stack.kill(f"daphne:{desk.stack.ports[1]}")
            # No `left` can come from a process that died: nothing of its room stays on Redis
            # (its subscription went with its connection, and the layer stores no key), so
            # Sam's page forgets Anna when her last frames' ttl runs out (tests/js/).
            until(lambda: subscribers(group) == 1, timeout=5)
            assert redis.Redis.from_url(os.environ["REDIS_URL"]).keys(f"{CHANNEL_PREFIX}*") == []

        # Anna's page reconnects to the process still running: the room there carries on.
        async with connect(
            desk.ws_url(cursor, url=first), additional_headers=desk.ws_headers(anna_there)
        ) as again:
            await next_event(again, lambda e: e["type"] == "desk.ready")
            await again.send(json.dumps(enter))
            await presence_of(on_first, "Anna", "viewing")
            await again.send(json.dumps({**enter, "type": "desk.room.leave"}))
            await presence_of(on_first, "Anna", "left")
