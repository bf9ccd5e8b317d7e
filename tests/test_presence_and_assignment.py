"""Operator presence (heartbeat, timeout, sign-out) and automatic assignment of the queue to
online operators with free capacity."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client, override_settings
from django.utils import timezone

from callbacks.services import callback_receive
from conversations.actions import conversation_claim
from conversations.assignment import conversation_auto_assign, conversations_auto_assign
from conversations.models import Conversation, ConversationState
from desk.clock import clock_pass
from operator_desk.errors import Conflict
from operators.models import OperatorProfile, Presence, Team
from operators.presence import presence_expire_stale, presence_heartbeat
from operators.roles import Role
from operators.services import operator_set_up
from realtime.models import Event
from tests.support.fixtures import handover, signed

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def queue(platform_id: str, **options) -> Conversation:
    contact = f"{abs(hash(platform_id)) % 10**24:024d}"
    callback_receive(body=signed(handover(platform_id, contact_id=contact, **options)))
    return Conversation.objects.get(platform_id=platform_id)


def online(user, capacity: int = 5):
    presence_heartbeat(user=user, presence=Presence.ONLINE)
    OperatorProfile.objects.filter(user=user).update(capacity=capacity)
    return user


def presence_events() -> list[dict]:
    return [e.payload["operator"] for e in Event.objects.filter(type="desk.operator_presence")]


# --- presence ---------------------------------------------------------------------------------


def test_the_heartbeat_makes_an_operator_online_with_one_event_per_change(agent):
    client = logged_in(agent)
    for _ in range(3):
        answer = client.post("/api/presence", {"presence": "online"}, "application/json")
        assert answer.status_code == 200, answer.content
    assert answer.json()["operator"]["presence"] == "online"
    assert [e["presence"] for e in presence_events()] == ["online"]
    client.post("/api/presence", {"presence": "away"}, "application/json")
    assert [e["presence"] for e in presence_events()] == ["online", "away"]
    assert OperatorProfile.objects.get(user=agent).last_seen_at is not None


def test_an_unknown_presence_is_refused(agent):
    answer = logged_in(agent).post("/api/presence", {"presence": "busy"}, "application/json")
    assert answer.status_code == 400
    assert "presence must be one of" in answer.json()["message"]


def test_a_quiet_page_goes_offline_through_the_clock(agent, other_agent):
    online(agent)
    online(other_agent)
    OperatorProfile.objects.filter(user=agent).update(
        last_seen_at=timezone.now() - timedelta(minutes=5)
    )
    assert presence_expire_stale(timeout=timedelta(seconds=60)) == 1
    assert OperatorProfile.objects.get(user=agent).presence == Presence.OFFLINE
    assert OperatorProfile.objects.get(user=other_agent).presence == Presence.ONLINE
    assert presence_events()[-1] == {**presence_events()[-1], "id": agent.pk, "presence": "offline"}
    assert clock_pass()["offline"] == 0  # done already: nothing twice


def test_signing_out_is_going_offline(agent):
    client = logged_in(agent)
    client.post("/api/presence", {"presence": "online"}, "application/json")
    client.post("/accounts/logout/")
    assert OperatorProfile.objects.get(user=agent).presence == Presence.OFFLINE


def test_the_operator_list_shows_presence_capacity_and_load(agent, other_agent):
    online(agent, capacity=3)
    conversation_claim(conversation_id=queue("load1").pk, user=agent)
    rows = {r["id"]: r for r in logged_in(other_agent).get("/api/operators").json()["data"]}
    assert rows[agent.pk] | {} == {
        "id": agent.pk,
        "name": "Agent",
        "username": "agent",
        "team": None,
        "role": "agent",
        "presence": "online",
        "capacity": 3,
        "load": 1,
    }
    assert rows[other_agent.pk]["presence"] == "offline"


def test_two_operators_of_one_name_are_told_apart_by_username_and_team(agent, other_agent):
    sales = Team.objects.create(name="Sales")
    for user, team in ((agent, sales), (other_agent, None)):
        user.first_name, user.last_name = "Boris", "Second"
        user.save()
        OperatorProfile.objects.update_or_create(user=user, defaults={"team": team})
    rows = {r["id"]: r for r in logged_in(agent).get("/api/operators").json()["data"]}
    assert [
        (rows[u.pk]["name"], rows[u.pk]["username"], rows[u.pk]["team"])
        for u in (agent, other_agent)
    ] == [
        ("Boris Second", "agent", "Sales"),
        ("Boris Second", "other", None),
    ]


# --- automatic assignment ---------------------------------------------------------------------


def test_without_the_setting_nothing_is_assigned(agent):
    online(agent)
    queue("manual1")
    assert conversations_auto_assign() == 0
    assert Conversation.objects.get(platform_id="manual1").state == ConversationState.QUEUED


@override_settings(DESK_AUTO_ASSIGN=True)
def test_a_hand_over_goes_to_the_least_loaded_online_operator(agent, other_agent, supervisor):
    online(agent)
    online(other_agent)
    with override_settings(DESK_AUTO_ASSIGN=False):
        conversation_claim(conversation_id=queue("busy1").pk, user=agent)  # agent holds one
    conversation = queue("auto1")  # assigned right after the hand-over commits
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.ASSIGNED
    assert conversation.assignee == other_agent  # online, and nothing on their plate
    event = Event.objects.filter(type="desk.conversation_claimed").latest("id")
    assert event.payload["auto"] is True and event.payload["byUserId"] is None
    assert event.payload["conversation"]["assignee"]["id"] == other_agent.pk


@override_settings(DESK_AUTO_ASSIGN=True)
def test_capacity_presence_and_the_window_are_respected(agent, other_agent):
    online(agent, capacity=2)
    presence_heartbeat(user=other_agent, presence=Presence.AWAY)  # away: gets nothing
    for n in range(4):
        queue(f"cap{n}")
    queue("gone", expires_in=0.5)
    assert conversations_auto_assign() == 0  # the hand-overs assigned what fitted already
    assigned = Conversation.objects.filter(state=ConversationState.ASSIGNED)
    assert assigned.count() == 2
    assert set(assigned.values_list("assignee", flat=True)) == {agent.pk}
    # Oldest first: the two that waited longest.
    assert set(assigned.values_list("platform_id", flat=True)) == {"cap0", "cap1"}
    # Closing one frees a place, which the clock fills.
    Conversation.objects.filter(platform_id="cap0").update(state=ConversationState.CLOSED)
    assert clock_pass()["assigned"] == 1
    assert Conversation.objects.get(platform_id="cap2").assignee == agent


@override_settings(DESK_AUTO_ASSIGN=True)
def test_an_operator_going_offline_gets_no_more(agent):
    online(agent)
    presence_heartbeat(user=agent, presence=Presence.OFFLINE)
    queue("nobody1")
    assert Conversation.objects.get(platform_id="nobody1").state == ConversationState.QUEUED


@override_settings(DESK_AUTO_ASSIGN=True)
def test_concurrent_assignments_never_exceed_capacity_and_never_beat_a_claim():
    users = [
        operator_set_up(username=f"auto{n}", password="pw-auto-123", role=Role.AGENT)
        for n in range(2)
    ]
    with override_settings(DESK_AUTO_ASSIGN=False):  # queue them without assigning
        conversations = [queue(f"race-auto{n}") for n in range(6)]
    for user in users:
        online(user, capacity=2)
    claimant = operator_set_up(username="claimant", password="pw-claim-123", role=Role.AGENT)
    barrier = threading.Barrier(4)
    claimed: list[str] = []

    def assign() -> None:
        barrier.wait()
        try:
            conversations_auto_assign()
        finally:
            connections.close_all()

    def claim() -> None:
        barrier.wait()
        try:
            conversation_claim(conversation_id=conversations[0].pk, user=claimant)
            claimed.append("won")
        except Conflict:
            claimed.append("lost")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=assign) for _ in range(3)] + [threading.Thread(target=claim)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for user in users:
        held = Conversation.objects.filter(assignee=user, state=ConversationState.ASSIGNED)
        assert held.count() == 2, user.username
    # The claim ended either way, not in an error (which would leave `claimed` empty).
    assert claimed in (["won"], ["lost"]), claimed
    first = Conversation.objects.get(pk=conversations[0].pk)
    assert (first.assignee == claimant) == (claimed == ["won"])
    assert Conversation.objects.filter(state=ConversationState.ASSIGNED).count() == 4 + (
        claimed == ["won"]
    )


def test_one_assignment_skips_a_conversation_no_longer_queued(agent):
    online(agent)
    conversation = queue("taken1")
    conversation_claim(conversation_id=conversation.pk, user=agent)
    assert conversation_auto_assign(conversation_id=conversation.pk, candidates=[agent.pk]) is None
