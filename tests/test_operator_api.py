"""The /api/ endpoints operators use: lists, claim, transfer, release, close, replies."""

import pytest
from django.test import Client

from conversations.models import Conversation, ConversationState, DeliveryState, Message
from realtime.models import Event
from tests.support.fixtures import handover

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(post_callback):
    def make(platform_id: str = "c1", expires_in: float = 600, **options) -> Conversation:
        body = handover(platform_id, expires_in=expires_in, **options)
        assert post_callback(body).status_code == 200
        return Conversation.objects.get(platform_id=platform_id)

    return make


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict | None = None):
    return client.post(url, body or {}, content_type="application/json")


def test_anonymous_callers_get_401_json(client):
    response = client.get("/api/conversations")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"


def test_session_names_the_user_role_and_cursor(agent, queued):
    queued()
    body = logged_in(agent).get("/api/session").json()
    assert body["user"]["username"] == "agent"
    assert body["role"] == "agent"
    assert body["cursor"] == Event.objects.latest("id").id


def test_claim_moves_a_queued_conversation_to_mine(agent, queued):
    conversation = queued()
    client = logged_in(agent)
    assert [c["id"] for c in client.get("/api/conversations?state=queued").json()["data"]] == [
        conversation.pk
    ]
    response = post(client, f"/api/conversations/{conversation.pk}/claim")
    assert response.status_code == 200
    assert response.json()["conversation"]["assignee"]["id"] == agent.pk
    assert client.get("/api/conversations?state=queued").json()["data"] == []
    mine = client.get("/api/conversations?state=mine").json()["data"]
    assert [c["id"] for c in mine] == [conversation.pk]
    assert Event.objects.filter(type="desk.conversation_claimed").count() == 1


def test_the_second_claim_is_refused_clearly(agent, other_agent, supervisor, queued):
    """An agent may not see a colleague's conversation, so a claim that comes second is the
    404 of a conversation they cannot see (saying why it may be so); a supervisor, who sees
    everything, is told who has it."""
    conversation = queued()
    assert post(logged_in(agent), f"/api/conversations/{conversation.pk}/claim").status_code == 200
    response = post(logged_in(other_agent), f"/api/conversations/{conversation.pk}/claim")
    assert response.status_code == 404
    assert "a colleague may have taken it" in response.json()["message"]
    response = post(logged_in(supervisor), f"/api/conversations/{conversation.pk}/claim")
    assert response.status_code == 409
    assert "Already claimed by Agent" in response.json()["message"]


def test_agents_do_not_see_other_agents_conversations(agent, other_agent, queued):
    conversation = queued()
    post(logged_in(agent), f"/api/conversations/{conversation.pk}/claim")
    other = logged_in(other_agent)
    assert other.get(f"/api/conversations/{conversation.pk}").status_code == 404
    assert other.get("/api/conversations?state=open").json()["data"] == []


def test_supervisors_see_everything(agent, other_agent, supervisor, queued):
    """Every agent's conversations and the queue, of every connection: in the lists and each
    one opened, where an agent sees only the queue and their own."""
    anna = queued("anna-1", contact_id=f"{1:024d}")
    other = queued("other-1", connection_id=2, contact_id=f"{2:024d}")
    waiting = queued("waiting-1", connection_id=3, contact_id=f"{3:024d}")
    assert post(logged_in(agent), f"/api/conversations/{anna.pk}/claim").status_code == 200
    assert post(logged_in(other_agent), f"/api/conversations/{other.pk}/claim").status_code == 200
    client = logged_in(supervisor)

    def listed(state: str) -> set[int]:
        return {c["id"] for c in client.get(f"/api/conversations?state={state}").json()["data"]}

    assert listed("open") == {anna.pk, other.pk, waiting.pk}
    assert listed("queued") == {waiting.pk}
    assert listed("mine") == set()
    for conversation, assignee in ((anna, agent), (other, other_agent), (waiting, None)):
        response = client.get(f"/api/conversations/{conversation.pk}")
        assert response.status_code == 200, response.content
        seen = response.json()["conversation"]
        assert seen["id"] == conversation.pk
        assert (seen["assignee"] or {}).get("id") == (assignee.pk if assignee else None), seen
    # The agents' view of the same desk, for contrast.
    assert {
        c["id"] for c in logged_in(agent).get("/api/conversations?state=open").json()["data"]
    } == {anna.pk, waiting.pk}


def test_transfer_with_a_note_hands_over_and_keeps_the_note_internal(agent, other_agent, queued):
    conversation = queued()
    client = logged_in(agent)
    post(client, f"/api/conversations/{conversation.pk}/claim")
    response = post(
        client,
        f"/api/conversations/{conversation.pk}/transfer",
        {"toUserId": other_agent.pk, "note": "VIP, asks about invoices"},
    )
    assert response.status_code == 200
    assert response.json()["conversation"]["assignee"]["id"] == other_agent.pk
    note = Message.objects.get(kind="note")
    assert note.text == "VIP, asks about invoices"
    # The previous operator no longer sees it, nor acts on it.
    assert post(client, f"/api/conversations/{conversation.pk}/close").status_code == 404


def test_transfer_to_nobody_is_400(agent, queued):
    conversation = queued()
    client = logged_in(agent)
    post(client, f"/api/conversations/{conversation.pk}/claim")
    response = post(client, f"/api/conversations/{conversation.pk}/transfer", {"toUserId": 999})
    assert response.status_code == 400
    assert post(client, f"/api/conversations/{conversation.pk}/transfer", {}).status_code == 400


def test_release_puts_it_back_in_the_queue_and_close_ends_it(agent, queued):
    conversation = queued()
    client = logged_in(agent)
    post(client, f"/api/conversations/{conversation.pk}/claim")
    assert post(client, f"/api/conversations/{conversation.pk}/release").status_code == 200
    assert Conversation.objects.get().state == ConversationState.QUEUED
    post(client, f"/api/conversations/{conversation.pk}/claim")
    assert post(client, f"/api/conversations/{conversation.pk}/close").status_code == 200
    assert Conversation.objects.get().state == ConversationState.CLOSED
    closed = client.get("/api/conversations?state=closed").json()["data"]
    assert [c["id"] for c in closed] == [conversation.pk]
    assert post(client, f"/api/conversations/{conversation.pk}/close").status_code == 409


def test_a_reply_is_queued_in_the_outbox_and_a_repeated_submit_is_one_reply(agent, queued):
    conversation = queued()
    client = logged_in(agent)
    post(client, f"/api/conversations/{conversation.pk}/claim")
    url = f"/api/conversations/{conversation.pk}/replies"
    first = post(client, url, {"text": "Hello! How can I help?", "clientKey": "k1"})
    again = post(client, url, {"text": "Hello! How can I help?", "clientKey": "k1"})
    assert first.status_code == again.status_code == 200
    assert first.json()["message"]["id"] == again.json()["message"]["id"]
    reply = Message.objects.get(kind="outgoing")
    assert reply.delivery == DeliveryState.QUEUED
    assert reply.author == agent


def test_a_reply_after_the_window_closed_is_409_with_when(agent, queued):
    conversation = queued(expires_in=1)
    client = logged_in(agent)
    post(client, f"/api/conversations/{conversation.pk}/claim")
    Conversation.objects.filter(pk=conversation.pk).update(
        expires_at=conversation.expires_at.replace(year=2020)
    )
    response = post(client, f"/api/conversations/{conversation.pk}/replies", {"text": "late"})
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "window_closed"
    assert body["expiresAt"].startswith("2020-")
    assert not Message.objects.filter(kind="outgoing").exists()


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 5000},
        {"text": "hi", "attachments": [{"url": "javascript:alert(1)"}]},
        {"text": "hi", "attachments": "not a list"},
    ],
)
def test_bad_replies_are_400_and_store_nothing(agent, queued, body):
    conversation = queued()
    client = logged_in(agent)
    post(client, f"/api/conversations/{conversation.pk}/claim")
    response = post(client, f"/api/conversations/{conversation.pk}/replies", body)
    assert response.status_code == 400
    assert not Message.objects.filter(kind="outgoing").exists()


def test_replying_without_claiming_is_409(agent, queued):
    conversation = queued()
    response = post(
        logged_in(agent), f"/api/conversations/{conversation.pk}/replies", {"text": "x"}
    )
    assert response.status_code == 409


def test_non_json_bodies_are_400(agent, queued):
    conversation = queued()
    client = logged_in(agent)
    post(client, f"/api/conversations/{conversation.pk}/claim")
    response = client.post(
        f"/api/conversations/{conversation.pk}/replies", "nope", content_type="application/json"
    )
    assert response.status_code == 400


def test_lists_page_with_a_token(agent, queued):
    ids = [queued(f"c{n}").pk for n in range(5)]
    client = logged_in(agent)
    first = client.get("/api/conversations?state=queued&limit=2").json()
    second = client.get(f"/api/conversations?state=queued&limit=2&after={first['next']}").json()
    third = client.get(f"/api/conversations?state=queued&limit=2&after={second['next']}").json()
    seen = [c["id"] for page in (first, second, third) for c in page["data"]]
    assert seen == ids
    assert third["next"] is None
    assert client.get("/api/conversations?state=bogus").status_code == 400
    assert client.get("/api/conversations?limit=0").status_code == 400


def test_csrf_is_enforced_for_session_posts(agent, queued):
    conversation = queued()
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = post(client, f"/api/conversations/{conversation.pk}/claim")
    assert response.status_code == 403


def test_operator_actions_are_in_the_audit_log(agent, other_agent, queued):
    from audit.models import AuditEntry

    conversation = queued()
    client = logged_in(agent)
    post(client, f"/api/conversations/{conversation.pk}/claim")
    post(client, f"/api/conversations/{conversation.pk}/replies", {"text": "hi"})
    post(client, f"/api/conversations/{conversation.pk}/transfer", {"toUserId": other_agent.pk})
    post(logged_in(other_agent), f"/api/conversations/{conversation.pk}/close")
    entries = list(AuditEntry.objects.order_by("at", "id").values_list("actor__username", "action"))
    assert entries == [
        ("agent", "conversation.claim"),
        ("agent", "conversation.reply"),
        ("agent", "conversation.transfer"),
        ("other", "conversation.close"),
    ]
    assert {e.target for e in AuditEntry.objects.all()} == {f"conversation:{conversation.pk}"}
