"""Mentions in internal notes (issue 17): `<@id>` in a note tells that operator (an event only
they receive, a "Mentions" list with unread counts), unless they may not see the conversation:
then the author is told, and the operator gets nothing."""

import pytest
from django.test import Client

from audit.models import AuditEntry
from conversations.actions import conversation_claim
from conversations.mentions import mention_ids
from conversations.models import Conversation, Mention
from conversations.replies import note_create
from realtime.models import Event
from tests.support.fixtures import handover

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict | None = None):
    return client.post(url, body or {}, content_type="application/json")


@pytest.fixture
def queued(post_callback):
    assert post_callback(handover("m1", expires_in=3600)).status_code == 200
    return Conversation.objects.get(platform_id="m1")


@pytest.fixture
def held(queued, agent):
    conversation_claim(conversation_id=queued.pk, user=agent)
    return queued


def test_mention_tokens_are_read_once_each_in_order():
    assert mention_ids("<@3> and <@12>, again <@3>; not <@x> nor @4") == [3, 12]


def test_a_mentioned_operator_who_sees_the_conversation_is_told(agent, supervisor, held):
    answer = post(
        logged_in(agent),
        f"/api/conversations/{held.pk}/notes",
        {"text": f"<@{supervisor.pk}> can we refund this?"},
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["mentions"]["notified"] == [{"id": supervisor.pk, "name": "Supervisor"}]
    assert body["mentions"]["notNotified"] == []
    mention = Mention.objects.get()
    assert (mention.user_id, mention.conversation_id, mention.read_at) == (
        supervisor.pk,
        held.pk,
        None,
    )
    event = Event.objects.filter(type="desk.mention_created").get()
    assert event.audience_user_id == supervisor.pk
    assert event.payload["mention"]["conversationId"] == held.pk
    assert event.payload["mention"]["author"]["id"] == agent.pk
    assert event.payload["unread"] == 1
    assert AuditEntry.objects.filter(action="conversation.mention").count() == 1


def test_a_mention_does_not_open_a_conversation_the_operator_may_not_see(agent, other_agent, held):
    answer = post(
        logged_in(agent),
        f"/api/conversations/{held.pk}/notes",
        {"text": f"<@{other_agent.pk}> look"},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["mentions"] == {
        "notified": [],
        "notNotified": [
            {"id": other_agent.pk, "name": "Other", "reason": "cannot_see"},
        ],
    }
    assert not Mention.objects.exists()
    assert not Event.objects.filter(type="desk.mention_created").exists()
    mentions = logged_in(other_agent).get("/api/mentions").json()
    assert mentions == {"data": [], "unread": 0, "next": None}


def test_an_unknown_or_inactive_operator_is_not_notified(agent, other_agent, held):
    other_agent.is_active = False
    other_agent.save()
    posted = note_create(
        conversation_id=held.pk, user=agent, text=f"<@{other_agent.pk}> <@999999> <@{agent.pk}>"
    )
    refused = posted.mentions.not_notified
    assert [(m["id"], m["reason"]) for m in refused] == [
        (other_agent.pk, "no_operator"),
        (999999, "no_operator"),
    ]
    # Naming yourself tells nobody.
    assert posted.mentions.notified == []
    assert not Mention.objects.exists()


def test_the_mentions_list_counts_unread_and_marking_read_clears_them(
    agent, other_agent, supervisor, queued
):
    # Queued: every operator sees it, so the other agent may be told.
    for text in ("first <@{}>", "second <@{}>"):
        note_create(conversation_id=queued.pk, user=supervisor, text=text.format(other_agent.pk))
    client = logged_in(other_agent)
    listed = client.get("/api/mentions").json()
    assert listed["unread"] == 2
    assert [row["text"] for row in listed["data"]] == [
        f"second <@{other_agent.pk}>",
        f"first <@{other_agent.pk}>",
    ]
    assert listed["data"][0]["contact"]["name"]
    answer = post(client, "/api/mentions/read", {"conversationId": queued.pk})
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"read": 2, "unread": 0}
    event = Event.objects.filter(type="desk.mentions_read").get()
    assert event.audience_user_id == other_agent.pk
    assert event.payload == {"conversationId": queued.pk, "unread": 0}
    assert client.get("/api/mentions").json()["unread"] == 0
    # Again: nothing to read, no event.
    assert post(client, "/api/mentions/read", {"conversationId": queued.pk}).json()["read"] == 0
    assert Event.objects.filter(type="desk.mentions_read").count() == 1


def test_mentions_of_a_conversation_taken_out_of_sight_leave_the_list(
    agent, other_agent, supervisor, queued
):
    note_create(conversation_id=queued.pk, user=supervisor, text=f"<@{other_agent.pk}> yours?")
    conversation_claim(conversation_id=queued.pk, user=agent)  # now only agent's
    assert logged_in(other_agent).get("/api/mentions").json()["unread"] == 0


def test_list_rows_carry_the_readers_unread_mentions_until_read(
    agent, other_agent, supervisor, queued, post_callback
):
    """The row's mention marker (static/desk/js/list.js): per reader, per conversation."""
    assert post_callback(handover("m2", expires_in=3600)).status_code == 200
    quiet = Conversation.objects.get(platform_id="m2")
    for text in ("first <@{}>", "second <@{}>"):
        note_create(conversation_id=queued.pk, user=supervisor, text=text.format(other_agent.pk))
    note_create(conversation_id=quiet.pk, user=supervisor, text=f"<@{agent.pk}> and you")

    def row_mentions(user) -> dict[int, int]:
        rows = logged_in(user).get("/api/conversations?state=queued").json()["data"]
        return {row["id"]: row["unreadMentions"] for row in rows}

    assert row_mentions(other_agent) == {queued.pk: 2, quiet.pk: 0}
    assert row_mentions(agent) == {queued.pk: 0, quiet.pk: 1}
    assert row_mentions(supervisor) == {queued.pk: 0, quiet.pk: 0}
    post(logged_in(other_agent), "/api/mentions/read", {"conversationId": queued.pk})
    assert row_mentions(other_agent) == {queued.pk: 0, quiet.pk: 0}


def test_the_mentions_list_pages_by_its_next_token_and_refuses_another(
    other_agent, supervisor, queued
):
    for n in range(5):
        note_create(conversation_id=queued.pk, user=supervisor, text=f"n{n} <@{other_agent.pk}>")
    client = logged_in(other_agent)
    seen, after = [], None
    for _ in range(5):
        query = {"limit": 2} | ({"after": after} if after else {})
        answer = client.get("/api/mentions", query)
        assert answer.status_code == 200, answer.content
        seen += [row["text"].split()[0] for row in answer.json()["data"]]
        after = answer.json()["next"]
        if after is None:
            break
    assert seen == ["n4", "n3", "n2", "n1", "n0"]
    for bad in ("0", "n_3", "x_y", "1.2_3"):
        answer = client.get("/api/mentions", {"after": bad})
        assert answer.status_code == 400, (bad, answer.content)
        assert answer.json()["field"] == "after"
