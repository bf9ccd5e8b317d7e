"""Who sees an event is decided once, when it is made, and stored with it; the live push
(realtime.audience.event_visible, from the channel-layer message) and the replay on reconnect
(realtime.selectors.events_visible_after, in SQL) apply that one audience and must agree, for
every event and every kind of operator."""

from __future__ import annotations

import pytest

from administration.services import connection_access_set
from callbacks.services import callback_receive
from conversations.actions import (
    conversation_claim,
    conversation_close,
    conversation_release,
    conversation_transfer,
    conversations_release_assigned,
)
from conversations.labels import conversation_label_add, label_create
from conversations.mentions import mentions_read
from conversations.models import Conversation
from conversations.priority import conversation_priority_set
from conversations.replies import note_create
from conversations.snooze import conversation_snooze
from desk.consumers import _access_of
from operators.roles import Role
from operators.services import operator_set_up
from realtime.audience import Viewer, event_visible
from realtime.models import Event
from realtime.selectors import events_visible_after
from realtime.services import event_message
from tests.support.fixtures import handover, incoming, signed

pytestmark = pytest.mark.django_db

KEPT, OPEN = 1, 2  # a connection with access rules, and one without


def _viewer(user) -> Viewer:
    """As the socket loads its operator (desk/consumers.py)."""
    role, hidden = _access_of(user.pk)
    return Viewer(
        user_id=user.pk,
        sees_everything=role in (Role.SUPERVISOR, Role.ADMIN),
        hidden_connection_ids=hidden,
    )


def _live(viewer: Viewer, event: Event) -> bool:
    """The push path: what the channel-layer message carries, as the consumer reads it."""
    message = event_message(event)
    return event_visible(
        viewer,
        audience=message["audience"],
        connection_id=message["connection"],
        assignee_id=message["assignee"],
        previous_assignee_id=message["previous_assignee"],
    )


def _a_day_at_the_desk(agent, other_agent, supervisor, admin_user, kept_out) -> dict[str, int]:
    """Every kind of event, on a connection whose rules keep `kept_out` away and on one open to
    all. Returns the cursors of a few, by name."""
    callback_receive(body=signed(handover("kept", connection_id=KEPT, contact_id="1" * 24)))
    callback_receive(body=signed(handover("open", connection_id=OPEN, contact_id="2" * 24)))
    connection_access_set(
        actor=admin_user,
        platform_id=KEPT,
        served=True,
        teams=[],
        operators=[agent, other_agent],
    )
    kept = Conversation.objects.get(platform_id="kept").pk
    opened = Conversation.objects.get(platform_id="open").pk
    marks = {}

    def mark(name: str) -> None:
        marks[name] = Event.objects.order_by("-id").values_list("id", flat=True).first()

    callback_receive(body=signed(incoming("kept", "while queued")))
    mark("queued message")
    vip = label_create(actor=admin_user, name="VIP", colour="purple")
    mark("label defined")
    conversation_label_add(conversation_id=kept, user=agent, label_id=vip.pk)
    mark("labelled while queued")
    conversation_priority_set(conversation_id=kept, user=agent, priority="urgent")
    mark("prioritised while queued")
    conversation_claim(conversation_id=kept, user=agent)
    callback_receive(body=signed(incoming("kept", "while assigned")))
    mark("assigned message")
    note_create(
        conversation_id=kept, user=agent, text=f"a note for <@{supervisor.pk}> <@{kept_out.pk}>"
    )
    mark("note mentioning a supervisor and the kept-out agent")
    conversation_snooze(conversation_id=kept, user=agent, until=None, until_reply=True)
    callback_receive(body=signed(incoming("kept", "wakes it")))
    mark("snoozed, woken by the user")
    mentions_read(user=supervisor, conversation_id=kept)
    conversation_transfer(conversation_id=kept, user=supervisor, to_user_id=kept_out.pk)
    mark("transferred to the kept-out agent")
    conversation_transfer(conversation_id=kept, user=supervisor, to_user_id=agent.pk)
    mark("transferred back from the kept-out agent")
    conversation_release(conversation_id=kept, user=agent)
    mark("released")
    conversation_claim(conversation_id=kept, user=other_agent)
    conversations_release_assigned(assignee=other_agent, actor=admin_user)
    conversation_claim(conversation_id=kept, user=agent)
    conversation_close(conversation_id=kept, user=agent)
    conversation_claim(conversation_id=opened, user=kept_out)
    callback_receive(body=signed(incoming("open", "on the open connection")))
    mark("open message")
    return marks


def test_the_push_and_the_replay_show_each_operator_the_same_events(
    agent, other_agent, supervisor, admin_user
):
    kept_out = operator_set_up(username="kept-out", password="pw-kept-out-1", role=Role.AGENT)
    marks = _a_day_at_the_desk(agent, other_agent, supervisor, admin_user, kept_out)
    events = list(Event.objects.order_by("id"))
    assert {event.type for event in events} >= {
        "desk.access_changed",
        "desk.contact_updated",
        "desk.conversation_queued",
        "desk.conversation_claimed",
        "desk.conversation_transferred",
        "desk.conversation_released",
        "desk.conversation_closed",
        "desk.message_created",
        "desk.conversation_snoozed",
        "desk.conversation_woken",
        "desk.mention_created",
        "desk.mentions_read",
        "desk.label_saved",
        "desk.conversation_labels_changed",
        "desk.conversation_priority_changed",
    }

    seen = {}
    for name, user in [
        ("agent", agent),
        ("other agent", other_agent),
        ("supervisor", supervisor),
        ("admin", admin_user),
        ("kept out", kept_out),
    ]:
        viewer = _viewer(user)
        live = [event.id for event in events if _live(viewer, event)]
        replayed = [event["cursor"] for event in events_visible_after(viewer, cursor=0)]
        assert live == replayed, name
        seen[name] = set(live)

    everything = {event.id for event in events}
    assert seen["supervisor"] == seen["admin"] == everything
    # A message of an assigned dialog is its operator's; of a queued one, everyone's it may be.
    assert marks["assigned message"] in seen["agent"] - seen["other agent"]
    assert marks["queued message"] in seen["other agent"] - seen["kept out"]
    # The rules hide the connection from the kept-out agent, except what involves them.
    assert marks["released"] not in seen["kept out"]
    assert marks["transferred to the kept-out agent"] in seen["kept out"]
    assert marks["transferred back from the kept-out agent"] in seen["kept out"]
    assert marks["open message"] in seen["kept out"] - seen["agent"]
    # A mention is for the one it names; the kept-out agent, who may not see it, got none.
    mentioned = Event.objects.filter(type="desk.mention_created").get()
    assert mentioned.id in seen["supervisor"] - seen["agent"] - seen["kept out"]
    assert mentioned.audience_user_id == supervisor.pk
    # Labels and priority go as the conversation's other events; the catalogue to everyone.
    assert marks["labelled while queued"] in seen["other agent"] - seen["kept out"]
    assert marks["prioritised while queued"] in seen["other agent"] - seen["kept out"]
    assert marks["label defined"] in seen["kept out"] & seen["agent"]
