"""Bulk actions (issue 17): supervisors and admins act on many conversations of the lists at
once: one audited action and one event per conversation, and an answer per conversation."""

from __future__ import annotations

import pytest

from administration.services import connection_access_set
from audit.models import AuditEntry
from conversations.actions import conversation_close
from conversations.models import Conversation, ConversationLabel, ConversationState
from realtime.models import Event
from tests.support.clients import logged_in, posted

pytest_plugins = ["tests.support.triage"]
pytestmark = pytest.mark.django_db

BULK = "/api/conversations/bulk"


def test_agents_may_not_act_in_bulk(agent, queued):
    conversation = queued("b0")
    response = posted(logged_in(agent), BULK, {"ids": [conversation.pk], "action": "close"})
    assert response.status_code == 403
    assert Conversation.objects.get(pk=conversation.pk).state == ConversationState.QUEUED


def test_at_most_two_hundred_at_once(supervisor):
    response = posted(logged_in(supervisor), BULK, {"ids": list(range(1, 202)), "action": "close"})
    assert response.status_code == 400
    assert response.json()["field"] == "ids"


def test_closing_many_reports_the_one_closed_meanwhile(supervisor, queued):
    first, gone, last = queued("b1"), queued("b2"), queued("b3")
    conversation_close(conversation_id=gone.pk, user=supervisor)
    closes_before = Event.objects.filter(type="desk.conversation_closed").count()
    response = posted(
        logged_in(supervisor),
        BULK,
        {"ids": [first.pk, gone.pk, last.pk, 999999], "action": "close"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(r["id"], r["ok"], r.get("error")) for r in body["results"]] == [
        (first.pk, True, None),
        (gone.pk, False, "conflict"),
        (last.pk, True, None),
        (999999, False, "not_found"),
    ]
    assert (body["done"], body["failed"]) == (2, 2)
    assert Event.objects.filter(type="desk.conversation_closed").count() == closes_before + 2
    closes = AuditEntry.objects.filter(action="conversation.close", actor=supervisor)
    assert sorted(closes.values_list("target", flat=True)) == sorted(
        [f"conversation:{gone.pk}", f"conversation:{first.pk}", f"conversation:{last.pk}"]
    )


def test_assigning_many_refuses_the_conversations_the_operator_may_not_see(
    admin_user, supervisor, agent, queued
):
    open_to_all = queued("b4", connection_id=1)
    kept_apart = queued("b5", connection_id=2)
    connection_access_set(
        actor=admin_user, platform_id=2, served=True, teams=[], operators=[supervisor]
    )
    response = posted(
        logged_in(supervisor),
        BULK,
        {"ids": [open_to_all.pk, kept_apart.pk], "action": "assign", "toUserId": agent.pk},
    )
    results = response.json()["results"]
    assert [(r["id"], r["ok"], r.get("reason")) for r in results] == [
        (open_to_all.pk, True, None),
        (kept_apart.pk, False, "no_access"),
    ]
    assert results[0]["conversation"]["assignee"]["id"] == agent.pk
    assert Conversation.objects.get(pk=kept_apart.pk).state == ConversationState.QUEUED
    events = Event.objects.filter(type="desk.conversation_transferred")
    assert [e.assignee_id for e in events] == [agent.pk]
    assert AuditEntry.objects.filter(action="conversation.assign").count() == 1


def test_labelling_and_prioritising_many_one_event_each(supervisor, queued, label):
    rows = [queued(f"b{n}") for n in range(6, 9)]
    ids = [c.pk for c in rows]
    vip = label("VIP")
    client = logged_in(supervisor)
    labelled = posted(client, BULK, {"ids": ids, "action": "label", "labelId": vip.pk}).json()
    assert labelled["done"] == 3
    assert ConversationLabel.objects.filter(label=vip).count() == 3
    urgent = posted(client, BULK, {"ids": ids, "action": "priority", "priority": "urgent"}).json()
    assert [r["conversation"]["priority"] for r in urgent["results"]] == ["urgent"] * 3
    assert Event.objects.filter(type="desk.conversation_labels_changed").count() == 3
    assert Event.objects.filter(type="desk.conversation_priority_changed").count() == 3
    unlabelled = posted(client, BULK, {"ids": ids[:1], "action": "unlabel", "labelId": vip.pk})
    assert unlabelled.json()["done"] == 1
    assert ConversationLabel.objects.filter(label=vip).count() == 2


def test_what_an_action_needs_is_checked_once_before_any_change(supervisor, queued):
    conversation = queued("b9")
    client = logged_in(supervisor)
    no_label = posted(client, BULK, {"ids": [conversation.pk], "action": "label", "labelId": 5})
    assert (no_label.status_code, no_label.json()["field"]) == (400, "labelId")
    nobody = posted(client, BULK, {"ids": [conversation.pk], "action": "assign", "toUserId": 999})
    assert (nobody.status_code, nobody.json()["field"]) == (400, "toUserId")
    wrong = posted(client, BULK, {"ids": [conversation.pk], "action": "archive"})
    assert (wrong.status_code, wrong.json()["field"]) == (400, "action")
    assert not AuditEntry.objects.filter(target=f"conversation:{conversation.pk}").exists()
