"""Priority (issue 17): urgent / high / normal / low, set by operators on what they may act on
or by supervisors; the queue and automatic assignment take the most urgent first, then who has
waited longest."""

from __future__ import annotations

import pytest
from django.test import override_settings

from audit.models import AuditEntry
from conversations.actions import conversation_claim, conversation_close
from conversations.assignment import conversations_auto_assign
from conversations.models import Conversation, ConversationState
from operators.models import OperatorProfile, Presence
from operators.presence import presence_heartbeat
from realtime.models import Event
from tests.support.clients import logged_in, posted

pytest_plugins = ["tests.support.triage"]
pytestmark = pytest.mark.django_db


def prioritised(client, conversation: Conversation, priority: str):
    return posted(client, f"/api/conversations/{conversation.pk}/priority", {"priority": priority})


def test_a_conversation_is_normal_until_an_operator_says_otherwise(agent, queued):
    conversation = queued("p1")
    client = logged_in(agent)
    assert client.get("/api/conversations?state=queued").json()["data"][0]["priority"] == "normal"
    response = prioritised(client, conversation, "urgent")
    assert response.status_code == 200, response.content
    assert response.json()["conversation"]["priority"] == "urgent"
    again = prioritised(client, conversation, "urgent")
    assert again.status_code == 200
    events = Event.objects.filter(type="desk.conversation_priority_changed")
    assert [(e.payload["fromPriority"], e.payload["conversation"]["priority"]) for e in events] == [
        ("normal", "urgent")
    ]
    entry = AuditEntry.objects.get(action="conversation.priority")
    assert (entry.actor, entry.details) == (
        agent,
        {"fromPriority": "normal", "toPriority": "urgent"},
    )


def test_an_unknown_priority_is_a_400_naming_the_field(agent, queued):
    conversation = queued("p2")
    response = prioritised(logged_in(agent), conversation, "asap")
    assert response.status_code == 400
    assert response.json()["field"] == "priority"


def test_only_the_holder_or_a_supervisor_sets_an_assigned_ones_priority(
    agent, other_agent, supervisor, queued
):
    conversation = queued("p3")
    conversation_claim(conversation_id=conversation.pk, user=other_agent)
    assert prioritised(logged_in(agent), conversation, "high").status_code == 404
    assert prioritised(logged_in(other_agent), conversation, "high").status_code == 200
    assert prioritised(logged_in(supervisor), conversation, "low").status_code == 200
    conversation.refresh_from_db()
    assert conversation.priority == 3


def test_an_ended_conversations_priority_no_longer_changes(supervisor, queued):
    conversation = queued("p4")
    conversation_close(conversation_id=conversation.pk, user=supervisor)
    response = prioritised(logged_in(supervisor), conversation, "urgent")
    assert response.status_code == 409


def test_the_queue_serves_the_most_urgent_first_then_the_longest_waiting(supervisor, queued):
    oldest, older, newer, newest = (queued(f"q{n}") for n in range(4))
    client = logged_in(supervisor)
    prioritised(client, newest, "urgent")
    prioritised(client, newer, "high")
    prioritised(client, oldest, "low")
    expected = [newest.pk, newer.pk, older.pk, oldest.pk]
    rows = client.get("/api/conversations?state=queued").json()["data"]
    assert [r["id"] for r in rows] == expected
    # Page by page (one row each), the keyset token carries the priority across its changes.
    seen, after = [], ""
    while True:
        answer = client.get(f"/api/conversations?state=queued&limit=1{after}").json()
        seen += [r["id"] for r in answer["data"]]
        if not answer["next"]:
            break
        after = f"&after={answer['next']}"
    assert seen == expected
    waiting = client.get("/api/conversations?state=queued&sort=waiting").json()["data"]
    assert [r["id"] for r in waiting] == [oldest.pk, older.pk, newer.pk, newest.pk]


def test_a_token_of_another_order_is_refused(supervisor, queued):
    queued("t1"), queued("t2")
    client = logged_in(supervisor)
    token = client.get("/api/conversations?state=queued&sort=waiting&limit=1").json()["next"]
    response = client.get(f"/api/conversations?state=queued&after={token}")
    assert response.status_code == 400
    assert response.json()["field"] == "after"


@override_settings(DESK_AUTO_ASSIGN=True)
def test_automatic_assignment_takes_the_most_urgent_first(agent, supervisor, queued):
    with override_settings(DESK_AUTO_ASSIGN=False):
        first, second, third = queued("a1"), queued("a2"), queued("a3")
    client = logged_in(supervisor)
    prioritised(client, third, "urgent")
    prioritised(client, first, "low")
    presence_heartbeat(user=agent, presence=Presence.ONLINE)
    OperatorProfile.objects.filter(user=agent).update(capacity=2)
    conversations_auto_assign()
    assigned = Conversation.objects.filter(state=ConversationState.ASSIGNED, assignee=agent)
    assert set(assigned.values_list("pk", flat=True)) == {third.pk, second.pk}
