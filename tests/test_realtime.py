"""The operators' websocket: who may connect, what reaches whom, and resuming from a cursor."""

import asyncio

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import override_settings

from callbacks.services import callback_receive
from conversations.actions import conversation_claim
from conversations.models import Conversation
from desk.consumers import PING_FRAME
from operator_desk.asgi import application
from realtime.models import Event, EventCounter
from realtime.services import DESK_GROUP, event_emit, serve_pushes_from
from tests.support.fixtures import handover, incoming, signed
from tests.support.sockets import IN_PROCESS_SOCKETS, ORIGIN, connect, receive, session_cookie

# In-process sockets on the in-memory layer, whatever REDIS_URL says: pytest-asyncio closes
# each test's event loop, and channels-redis's receive loops bound to it do not survive that.
# The Redis layer is exercised by the live tests (resume, scale-out, faults) instead.
pytestmark = IN_PROCESS_SOCKETS


async def receive_events(communicator, count: int) -> list[dict]:
    return [await receive(communicator) for _ in range(count)]


receive_callback = database_sync_to_async(lambda body: callback_receive(body=signed(body)))


async def test_anonymous_sockets_are_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/desk/", headers=[ORIGIN, (b"host", b"127.0.0.1:8000")]
    )
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4403


async def test_foreign_origin_sockets_are_refused(agent):
    cookie = await database_sync_to_async(session_cookie)(agent)
    communicator = WebsocketCommunicator(
        application,
        "/ws/desk/",
        headers=[
            (b"origin", b"https://evil.example"),
            (b"host", b"127.0.0.1"),
            (b"cookie", cookie),
        ],
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_a_new_conversation_reaches_connected_operators_with_a_cursor(agent):
    communicator = await connect(agent)
    ready = await receive(communicator)
    assert ready["type"] == "desk.ready"
    await receive_callback(handover("live"))
    # The contact is mirrored first, then the conversation is queued.
    events = await receive_events(communicator, 2)
    assert [e["type"] for e in events] == ["desk.contact_updated", "desk.conversation_queued"]
    assert events[1]["data"]["conversation"]["platformId"] == "live"
    assert events[1]["cursor"] == events[0]["cursor"] + 1 == ready["cursor"] + 2
    await communicator.disconnect()


async def test_messages_of_an_assigned_conversation_reach_only_its_operator_and_supervisors(
    agent, other_agent, supervisor
):
    await receive_callback(handover("private"))
    conversation = await database_sync_to_async(Conversation.objects.get)(platform_id="private")
    await database_sync_to_async(conversation_claim)(conversation_id=conversation.pk, user=agent)
    sockets = {u.username: await connect(u) for u in (agent, other_agent, supervisor)}
    for socket in sockets.values():
        assert (await receive(socket))["type"] == "desk.ready"
    await receive_callback(incoming("private", "for the assignee"))
    for name in ("agent", "supervisor"):
        event = await receive(sockets[name])
        assert event["type"] == "desk.message_created"
        assert event["data"]["message"]["text"] == "for the assignee"
    assert await sockets["other"].receive_nothing(timeout=0.3)
    # Yet its cursor moved past the event it may not see: nothing to read back on the next one.
    await sockets["other"].send_json_to({"type": "desk.ping"})
    pong = await receive(sockets["other"])
    assert (pong["type"], pong["cursor"]) == ("desk.pong", event["cursor"])
    await sockets["other"].send_to(text_data=PING_FRAME)  # the page's bytes: the quick path
    pong = await receive(sockets["other"])
    assert (pong["type"], pong["cursor"]) == ("desk.pong", event["cursor"])
    for socket in sockets.values():
        await socket.disconnect()


async def test_a_reconnecting_client_gets_what_it_missed_in_order_then_live_events(agent):
    first = await connect(agent)
    cursor = (await receive(first))["cursor"]
    await first.disconnect()
    for n in range(3):
        await receive_callback(handover(f"missed{n}", contact_id=f"{n:024d}"))
    again = await connect(agent, cursor=cursor)
    replay = await receive_events(again, 6)
    assert [e["cursor"] for e in replay] == list(range(cursor + 1, cursor + 7))
    queued = [
        e["data"]["conversation"]["platformId"] for e in replay if "conversation" in e["data"]
    ]
    assert queued == ["missed0", "missed1", "missed2"]
    assert (await receive(again)) == {"type": "desk.ready", "cursor": cursor + 6}
    await receive_callback(incoming("missed0", "live again"))
    live = await receive(again)
    assert live["cursor"] == cursor + 7
    assert live["data"]["message"]["text"] == "live again"
    await again.disconnect()


def _emit_without_push() -> int:
    """An event whose push the channel layer lost: in the table, never on the wire."""
    with transaction.atomic():
        counter, _ = EventCounter.objects.select_for_update().get_or_create(pk=1)
        counter.value += 1
        counter.save()
        Event.objects.create(id=counter.value, type="desk.lost", payload={"lost": True})
    return counter.value


def _emit_together(count: int) -> int:
    with transaction.atomic():
        events = [event_emit(type="desk.test", payload={"n": n}) for n in range(count)]
    return events[0].id


async def test_events_committed_together_are_pushed_in_cursor_order_in_few_messages():
    # One sender per process, batching what queued up: concurrent sends used to overtake each
    # other, and every overtaken event was a gap each socket read from the database.
    serve_pushes_from(asyncio.get_running_loop())
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(DESK_GROUP, channel)
    first = await database_sync_to_async(_emit_together)(50)
    pushed, messages = [], 0
    while len(pushed) < 50:
        message = await asyncio.wait_for(layer.receive(channel), 2)
        assert message["type"] == "desk.events"
        pushed += message["messages"]
        messages += 1
    assert [m["event"]["cursor"] for m in pushed] == list(range(first, first + 50))
    assert [m["event"]["data"]["n"] for m in pushed] == list(range(50))
    assert messages < 50
    await layer.group_discard(DESK_GROUP, channel)


async def test_a_lost_push_is_read_from_the_table_when_the_next_event_shows_the_gap(agent):
    communicator = await connect(agent)
    await receive(communicator)
    lost = await database_sync_to_async(_emit_without_push)()
    await receive_callback(handover("after-gap"))
    events = await receive_events(communicator, 3)
    assert [e["cursor"] for e in events] == [lost, lost + 1, lost + 2]
    assert events[0]["type"] == "desk.lost"
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


# Pushes only (no doorbell, no timely table read): the next push is what shows the gap.
@override_settings(DESK_DOORBELL_PORT=0, DESK_PUMP_SECONDS=60)
async def test_a_socket_that_cannot_read_its_gap_is_closed_so_the_page_resumes(agent, monkeypatch):
    def database_away(**kwargs):
        raise ConnectionError("the database is away")

    communicator = await connect(agent)
    await receive(communicator)
    # Away for the relay's read of the gap too (realtime/relay.py): it hands over what waited,
    # and the socket, finding the gap, cannot read it either.
    monkeypatch.setattr("realtime.relay.event_messages_after", database_away)
    monkeypatch.setattr("desk.consumers.events_visible_after", database_away)
    await database_sync_to_async(_emit_without_push)()
    await receive_callback(handover("after-gap"))
    closed = await communicator.receive_output(timeout=3)
    assert closed["type"] == "websocket.close"


@override_settings(DESK_PUMP_SECONDS=0.05)
async def test_a_lost_last_push_is_caught_by_the_process_relay(agent):
    communicator = await connect(agent)
    await receive(communicator)
    lost = await database_sync_to_async(_emit_without_push)()
    # No later event shows the gap; the relay reads it from the table.
    assert (await receive(communicator, timeout=3))["cursor"] == lost
    await communicator.disconnect()


async def test_a_cursor_older_than_the_retention_window_is_told_to_reload(agent):
    for n in range(3):
        await receive_callback(handover(f"old{n}", contact_id=f"{n:024d}"))
    await database_sync_to_async(lambda: Event.objects.filter(id__lte=3).delete())()
    communicator = await connect(agent, cursor=1)
    message = await receive(communicator)
    assert message["type"] == "desk.reload"
    await communicator.disconnect()


async def test_a_cursor_from_the_future_is_told_to_reload(agent):
    communicator = await connect(agent, cursor=10_000)
    assert (await receive(communicator))["type"] == "desk.reload"
    await communicator.disconnect()


async def test_pings_are_answered_without_a_trip_to_the_database_thread(agent, monkeypatch):
    # Channels' dispatch checks the database connections in a worker thread before every
    # message; the desk's consumer skips that for frames that need no database (bench/idle.py).
    import channels.consumer

    checks = []

    async def thread_hop() -> None:
        checks.append(1)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", thread_hop)
    communicator = await connect(agent)
    assert (await receive(communicator))["type"] == "desk.ready"
    checks.clear()
    for _ in range(3):
        await communicator.send_json_to({"type": "desk.ping"})
        assert (await receive(communicator))["type"] == "desk.pong"
    assert checks == []
    await communicator.disconnect()


@override_settings(DESK_HEARTBEAT_SECONDS=0.2)
async def test_a_socket_that_pings_each_interval_is_answered_and_never_pinged(agent):
    # The page's own pings keep the socket alive: one round trip per interval, not two.
    communicator = await connect(agent)
    assert (await receive(communicator))["type"] == "desk.ready"
    frames = []
    for _ in range(8):  # 1.6 s: eight intervals, past the server's 0.3 s ping threshold
        await communicator.send_to(text_data=PING_FRAME)  # as the page spells it
        frames.append(await receive(communicator))
        await asyncio.sleep(0.2)
    await communicator.send_json_to({"type": "desk.ping"})
    frames.append(await receive(communicator))  # a server ping would have come before it
    assert {frame["type"] for frame in frames} == {"desk.pong"}
    await communicator.disconnect()


@override_settings(DESK_HEARTBEAT_SECONDS=0.2)
async def test_the_server_pings_and_drops_a_silent_socket(agent):
    communicator = await connect(agent)
    await receive(communicator)
    assert (await receive(communicator))["type"] == "desk.ping"
    await communicator.send_json_to({"type": "desk.ping"})
    assert (await receive(communicator))["type"] == "desk.pong"
    # Then silence: three intervals later the server closes the socket.
    closed = None
    for _ in range(20):
        frame = await communicator.receive_output(timeout=1)
        if frame["type"] == "websocket.close":
            closed = frame
            break
    assert closed is not None and closed["code"] == 4408
    await asyncio.sleep(0)
