"""Who else is here (issue 17): operators who have the same conversation open, or are typing in
it, see each other live, over the channel layer only: no database write per keystroke, entries
that expire unless refreshed, gone on disconnect; and only those who may see the conversation
join its room (conversations/rooms.py)."""

from channels.db import database_sync_to_async
from django.db.backends.utils import CursorWrapper

from callbacks.services import callback_receive
from conversations.actions import conversation_claim
from conversations.models import Conversation
from conversations.rooms import may_join_room
from realtime.rooms import TYPING_TTL, VIEWING_TTL
from tests.support.fixtures import handover, signed
from tests.support.sockets import IN_PROCESS_SOCKETS, connect, receive

pytestmark = IN_PROCESS_SOCKETS


@database_sync_to_async
def queued_conversation(platform_id: str = "room1") -> int:
    callback_receive(body=signed(handover(platform_id, expires_in=3600)))
    return Conversation.objects.get(platform_id=platform_id).pk


async def ready(user):
    socket = await connect(user)
    assert (await receive(socket))["type"] == "desk.ready"
    return socket


async def presence(socket) -> dict:
    """The next room frame (events of the desk may come between)."""
    while True:
        frame = await receive(socket)
        if frame["type"] == "desk.room.presence":
            return frame


def test_the_room_rule_is_the_conversations_own(agent, other_agent, supervisor, post_callback):
    post_callback(handover("rule", expires_in=3600))
    conversation = Conversation.objects.get(platform_id="rule")
    assert may_join_room(user_id=other_agent.pk, conversation_id=conversation.pk)
    conversation_claim(conversation_id=conversation.pk, user=agent)
    assert may_join_room(user_id=agent.pk, conversation_id=conversation.pk)
    assert may_join_room(user_id=supervisor.pk, conversation_id=conversation.pk)
    assert not may_join_room(user_id=other_agent.pk, conversation_id=conversation.pk)
    assert not may_join_room(user_id=agent.pk, conversation_id=conversation.pk + 1000)


async def test_operators_in_the_same_conversation_see_who_is_viewing_and_typing(agent, supervisor):
    conversation_id = await queued_conversation()
    anna, boris = await ready(agent), await ready(supervisor)
    await anna.send_json_to({"type": "desk.room.enter", "conversationId": conversation_id})
    await boris.send_json_to({"type": "desk.room.enter", "conversationId": conversation_id})
    seen = await presence(anna)
    assert seen == {
        "type": "desk.room.presence",
        "conversationId": conversation_id,
        "user": {"id": supervisor.pk, "name": "Supervisor"},
        "activity": "viewing",
        "mode": None,
        "ttl": VIEWING_TTL,
    }
    await boris.send_json_to(
        {"type": "desk.room.typing", "conversationId": conversation_id, "mode": "reply"}
    )
    typing = await presence(anna)
    assert (typing["user"]["id"], typing["activity"], typing["mode"], typing["ttl"]) == (
        supervisor.pk,
        "typing",
        "reply",
        TYPING_TTL,
    )
    await boris.disconnect()
    left = await presence(anna)
    assert (left["user"]["id"], left["activity"]) == (supervisor.pk, "left")
    await anna.disconnect()


async def test_typing_frames_cost_no_database_query(agent, supervisor, monkeypatch):
    conversation_id = await queued_conversation()
    anna, boris = await ready(agent), await ready(supervisor)
    for socket in (anna, boris):
        await socket.send_json_to({"type": "desk.room.enter", "conversationId": conversation_id})
    assert (await presence(anna))["activity"] == "viewing"
    statements: list[str] = []
    original = CursorWrapper.execute

    def counted(self, sql, params=None):
        statements.append(sql)
        return original(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", counted)
    for _ in range(30):
        await boris.send_json_to(
            {"type": "desk.room.typing", "conversationId": conversation_id, "mode": "note"}
        )
    typing = await presence(anna)
    assert (typing["activity"], typing["mode"]) == ("typing", "note")
    # Typing is said at most once a second per socket: the other 29 frames went nowhere.
    assert await anna.receive_nothing(timeout=0.3)
    assert statements == []
    await anna.disconnect()
    await boris.disconnect()


async def test_an_operator_who_may_not_see_the_conversation_is_kept_out_of_its_room(
    agent, other_agent
):
    conversation_id = await queued_conversation()
    await database_sync_to_async(conversation_claim)(conversation_id=conversation_id, user=agent)
    anna, olga = await ready(agent), await ready(other_agent)
    await anna.send_json_to({"type": "desk.room.enter", "conversationId": conversation_id})
    await olga.send_json_to({"type": "desk.room.enter", "conversationId": conversation_id})
    refused = await receive(olga)
    assert refused == {"type": "desk.room.refused", "conversationId": conversation_id}
    # Typing without having entered says nothing either.
    await olga.send_json_to(
        {"type": "desk.room.typing", "conversationId": conversation_id, "mode": "reply"}
    )
    await anna.send_json_to(
        {"type": "desk.room.typing", "conversationId": conversation_id, "mode": "reply"}
    )
    assert await anna.receive_nothing(timeout=0.3)  # her own frames do not come back to her
    assert await olga.receive_nothing(timeout=0.3)
    await anna.disconnect()
    await olga.disconnect()
