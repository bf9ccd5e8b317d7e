"""A broadcast event reaches every socket as the same frame text, encoded once per process.

The frame is the public contract of docs/websocket.md: `json.dumps` of the event's wire form
(type, cursor, at, data), as Channels' send_json wrote it, live and when replayed from a cursor.
Encoding it for each socket was an eighth of daphne's CPU per frame in a fan-out to 1,000
sockets (docs/benchmarks.md, "6. Broadcast fan-out"): the process encodes each event once and
every socket that may see it sends that text.
"""

import json

from channels.db import database_sync_to_async
from django.db import transaction

from realtime.models import Event
from realtime.services import event_emit, event_wire
from tests.support.sockets import IN_PROCESS_SOCKETS, connect, receive

SOCKETS = 6

pytestmark = IN_PROCESS_SOCKETS


def _emit(payload: dict) -> Event:
    with transaction.atomic():
        event = event_emit(type="desk.test", payload=payload)
    return event


# The frame as the desk has always written it: json.dumps of the event's wire form. Live, the
# event as its service emitted it; replayed, as the table gives it back (PostgreSQL's jsonb
# orders an object's keys its own way).
def _live_text(event: Event) -> str:
    return json.dumps(event_wire(event))


def _replayed_text(cursor: int) -> str:
    return json.dumps(event_wire(Event.objects.get(pk=cursor)))


PAYLOAD = {"text": 'Привет, "мир" </script>', "n": [1, 2.5, None, True], "nested": {"a": {}}}


async def test_a_live_and_a_replayed_event_are_the_same_frame_text_as_before(agent):
    live = await connect(agent)
    cursor = (await receive(live))["cursor"]
    emitted = await database_sync_to_async(_emit)(PAYLOAD)
    assert await live.receive_from(timeout=3) == _live_text(emitted)
    replayed = await connect(agent, cursor=cursor)
    expected = await database_sync_to_async(_replayed_text)(emitted.id)
    assert await replayed.receive_from(timeout=3) == expected
    assert json.loads(await replayed.receive_from(timeout=3))["type"] == "desk.ready"
    for socket in (live, replayed):
        await socket.disconnect()


async def test_an_event_every_socket_sees_is_encoded_once_for_the_process(agent, monkeypatch):
    sockets = [await connect(agent) for _ in range(SOCKETS)]
    for socket in sockets:
        await receive(socket)
    encoded: list[int] = []
    dumps = json.dumps

    def counting_dumps(value, *args, **kwargs):
        if isinstance(value, dict) and value.get("type") == "desk.test":
            encoded.append(value["cursor"])
        return dumps(value, *args, **kwargs)

    # Channels' send_json and the desk's own encoding both call json.dumps through the module.
    monkeypatch.setattr(json, "dumps", counting_dumps)
    emitted = await database_sync_to_async(_emit)(PAYLOAD)
    frames = [await socket.receive_from(timeout=3) for socket in sockets]
    monkeypatch.setattr(json, "dumps", dumps)
    assert frames == [_live_text(emitted)] * SOCKETS
    assert encoded == [emitted.id]
    for socket in sockets:
        assert await socket.receive_nothing(timeout=0.05)
        await socket.disconnect()
