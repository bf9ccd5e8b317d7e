"""Snooze (issue 17): an operator puts a conversation they hold aside until a time or until the
user writes; it leaves their active list and comes back by itself, to its holder with an alert,
never past the end of the messaging window without saying so."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from conversations.actions import conversation_claim, conversation_close, conversation_release
from conversations.models import Conversation
from conversations.snooze import (
    WINDOW_WARNING,
    conversation_snooze,
    conversation_unsnooze,
    conversations_wake_due,
)
from desk.clock import clock_pass
from operator_desk.errors import Conflict, Invalid
from realtime.models import Event
from tests.support.fixtures import handover, incoming

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict | None = None):
    return client.post(url, body or {}, content_type="application/json")


@pytest.fixture
def held(post_callback, agent):
    """A conversation `agent` holds, its window open for an hour."""
    assert post_callback(handover("s1", expires_in=3600)).status_code == 200
    conversation = Conversation.objects.get(platform_id="s1")
    conversation_claim(conversation_id=conversation.pk, user=agent)
    return Conversation.objects.get(pk=conversation.pk)


def last_event(kind: str) -> Event:
    return Event.objects.filter(type=kind).latest("id")


def list_ids(client: Client, state: str) -> list[int]:
    answer = client.get("/api/conversations", {"state": state})
    assert answer.status_code == 200, answer.content
    return [row["id"] for row in answer.json()["data"]]


def test_a_snoozed_conversation_leaves_the_active_list_for_the_snoozed_one(agent, held):
    client = logged_in(agent)
    until = timezone.now() + timedelta(minutes=30)
    answer = post(client, f"/api/conversations/{held.pk}/snooze", {"until": until.isoformat()})
    assert answer.status_code == 200, answer.content
    data = answer.json()["conversation"]
    assert data["snoozedUntil"] == until.isoformat()
    assert data["snoozeUntilReply"] is False
    assert data["state"] == "assigned" and data["assignee"]["id"] == agent.pk
    assert list_ids(client, "mine") == []
    assert list_ids(client, "snoozed") == [held.pk]
    event = last_event("desk.conversation_snoozed")
    assert event.payload["conversation"]["id"] == held.pk
    assert event.payload["byUserId"] == agent.pk
    entry = AuditEntry.objects.filter(action="conversation.snooze").get()
    assert entry.target == f"conversation:{held.pk}"


def test_a_snooze_cannot_outlive_the_window_and_says_so(agent, held):
    past_window = held.expires_at + timedelta(minutes=1)
    answer = post(
        logged_in(agent),
        f"/api/conversations/{held.pk}/snooze",
        {"until": past_window.isoformat()},
    )
    assert answer.status_code == 409
    body = answer.json()
    assert body["error"] == "snooze_past_window"
    assert body["expiresAt"] == held.expires_at.isoformat()
    assert "template notification" in body["message"]
    held.refresh_from_db()
    assert held.snoozed_at is None and held.snoozed_until is None
    assert not Event.objects.filter(type="desk.conversation_snoozed").exists()


def test_a_snooze_needs_a_time_ahead_or_the_users_reply(agent, held):
    with pytest.raises(Invalid):
        conversation_snooze(
            conversation_id=held.pk, user=agent, until=timezone.now() - timedelta(minutes=1)
        )
    with pytest.raises(Invalid):
        conversation_snooze(conversation_id=held.pk, user=agent, until=None, until_reply=False)
    answer = post(logged_in(agent), f"/api/conversations/{held.pk}/snooze", {"until": "soon"})
    assert answer.status_code == 400 and answer.json()["field"] == "until"


def test_only_its_holder_or_a_supervisor_snoozes_it(agent, other_agent, supervisor, held):
    until = (timezone.now() + timedelta(minutes=10)).isoformat()
    url = f"/api/conversations/{held.pk}/snooze"
    # A colleague's conversation is invisible to another agent: the same 404 as no conversation.
    assert post(logged_in(other_agent), url, {"until": until}).status_code == 404
    assert post(logged_in(supervisor), url, {"until": until}).status_code == 200


def test_a_queued_conversation_is_claimed_before_it_is_snoozed(agent, post_callback):
    post_callback(handover("q1", expires_in=3600))
    queued = Conversation.objects.get(platform_id="q1")
    with pytest.raises(Conflict):
        conversation_snooze(
            conversation_id=queued.pk, user=agent, until=timezone.now() + timedelta(minutes=5)
        )


def test_the_clock_wakes_a_snooze_whose_time_has_come_for_its_holder(agent, held):
    until = timezone.now() + timedelta(minutes=5)
    conversation_snooze(conversation_id=held.pk, user=agent, until=until)
    assert conversations_wake_due(now=until - timedelta(seconds=1)) == 0
    assert clock_pass()["woken"] == 0
    assert conversations_wake_due(now=until) == 1
    held.refresh_from_db()
    assert held.snoozed_at is None and held.snoozed_until is None
    event = last_event("desk.conversation_woken")
    assert event.payload["reason"] == "time"
    assert event.payload["conversation"]["assignee"]["id"] == agent.pk
    assert event.assignee_id == agent.pk
    assert conversations_wake_due(now=until + timedelta(minutes=1)) == 0  # once


def test_the_users_message_wakes_a_snoozed_conversation(agent, held, post_callback):
    conversation_snooze(conversation_id=held.pk, user=agent, until=None, until_reply=True)
    assert list_ids(logged_in(agent), "mine") == []
    assert post_callback(incoming("s1", "Any news?")).status_code == 200
    held.refresh_from_db()
    assert held.snoozed_at is None
    event = last_event("desk.conversation_woken")
    assert event.payload["reason"] == "reply"
    assert list_ids(logged_in(agent), "mine") == [held.pk]
    # The message's own event comes after the wake-up, so the page has the row when it lands.
    message_event = last_event("desk.message_created")
    assert message_event.id > event.id


def test_a_snooze_until_the_user_writes_wakes_before_the_window_ends(agent, held):
    conversation = conversation_snooze(
        conversation_id=held.pk, user=agent, until=None, until_reply=True
    )
    assert conversation.snooze_until_reply is True
    assert conversation.snoozed_until == held.expires_at - WINDOW_WARNING
    assert conversations_wake_due(now=held.expires_at - WINDOW_WARNING) == 1
    assert last_event("desk.conversation_woken").payload["reason"] == "window"


def test_a_window_about_to_close_is_not_snoozed_until_the_user_writes(agent, post_callback):
    post_callback(handover("late", expires_in=60))
    conversation = Conversation.objects.get(platform_id="late")
    conversation_claim(conversation_id=conversation.pk, user=agent)
    answer = post(
        logged_in(agent), f"/api/conversations/{conversation.pk}/snooze", {"untilReply": True}
    )
    assert answer.status_code == 409
    assert answer.json()["error"] == "snooze_past_window"


def test_with_no_known_window_end_only_the_user_or_the_operator_wakes_it(agent, post_callback):
    """The page says so in the dialog (static/desk/js/snooze.js, untilReplyNote): it knows from
    the conversation's `expiresAt`, null here."""
    body = handover("no-end")
    del body["data"]["operatorMode"]["expiresAt"]
    assert post_callback(body).status_code == 200
    conversation = Conversation.objects.get(platform_id="no-end")
    assert conversation.expires_at is None
    conversation_claim(conversation_id=conversation.pk, user=agent)
    answer = post(
        logged_in(agent), f"/api/conversations/{conversation.pk}/snooze", {"untilReply": True}
    )
    assert answer.status_code == 200, answer.content
    snoozed = answer.json()["conversation"]
    assert (snoozed["expiresAt"], snoozed["snoozedUntil"], snoozed["snoozeUntilReply"]) == (
        None,
        None,
        True,
    )
    assert conversations_wake_due(now=timezone.now() + timedelta(days=30)) == 0
    assert post_callback(incoming("no-end", "Back again")).status_code == 200
    assert last_event("desk.conversation_woken").payload["reason"] == "reply"


def test_unsnoozing_by_hand_brings_it_back_now(agent, held):
    conversation_snooze(
        conversation_id=held.pk, user=agent, until=timezone.now() + timedelta(minutes=5)
    )
    answer = post(logged_in(agent), f"/api/conversations/{held.pk}/unsnooze")
    assert answer.status_code == 200, answer.content
    assert answer.json()["conversation"]["snoozedUntil"] is None
    assert last_event("desk.conversation_woken").payload["reason"] == "manual"
    with pytest.raises(Conflict):
        conversation_unsnooze(conversation_id=held.pk, user=agent)


@pytest.mark.parametrize("action", [conversation_close, conversation_release])
def test_closing_or_releasing_forgets_the_snooze(agent, held, action):
    conversation_snooze(
        conversation_id=held.pk, user=agent, until=timezone.now() + timedelta(minutes=5)
    )
    action(conversation_id=held.pk, user=agent)
    held.refresh_from_db()
    assert held.snoozed_at is None and held.snoozed_until is None
    assert conversations_wake_due(now=timezone.now() + timedelta(hours=1)) == 0
