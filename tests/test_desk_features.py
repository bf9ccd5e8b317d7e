"""The desk page's API additions: notes, attachment rules, unread counts, the contact panel,
canned responses and quick replies, template notifications from an expired conversation, and
the Content-Security-Policy and translations the page relies on."""

import json
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from callbacks.services import callback_receive
from conversations.actions import conversation_claim
from conversations.models import Conversation, ConversationState, Message, MessageKind
from conversations.window import conversations_expire_due
from outreach.models import Notification
from outreach.templates import contact_values, placeholder_key, template_fill, templates_forget
from realtime.models import Event
from tests.support.fixtures import handover, incoming, signed

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict | None = None):
    return client.post(url, body or {}, content_type="application/json")


@pytest.fixture
def queued(post_callback):
    def make(platform_id: str = "c1", expires_in: float = 600, **options) -> Conversation:
        answer = post_callback(handover(platform_id, expires_in=expires_in, **options))
        assert answer.status_code == 200
        return Conversation.objects.get(platform_id=platform_id)

    return make


@pytest.fixture
def mine(queued, agent):
    conversation = queued()
    conversation_claim(conversation_id=conversation.pk, user=agent)
    return conversation


# --- notes --------------------------------------------------------------------------------------


def test_a_note_is_stored_for_operators_and_pushed(agent, mine):
    answer = post(logged_in(agent), f"/api/conversations/{mine.pk}/notes", {"text": " VIP "})
    assert answer.status_code == 200, answer.content
    note = answer.json()["message"]
    assert note["kind"] == "note" and note["text"] == "VIP" and note["delivery"] is None
    event = Event.objects.filter(type="desk.message_created").latest("id")
    assert event.payload["message"]["id"] == note["id"]
    assert event.audience_user_id == agent.pk  # never the contact: nothing is sent


def test_another_agents_conversation_takes_no_notes_from_me(other_agent, mine):
    answer = post(logged_in(other_agent), f"/api/conversations/{mine.pk}/notes", {"text": "hi"})
    assert answer.status_code in (403, 404)
    assert not Message.objects.filter(kind=MessageKind.NOTE).exists()


def test_an_empty_note_is_refused(agent, mine):
    answer = post(logged_in(agent), f"/api/conversations/{mine.pk}/notes", {"text": "  "})
    assert answer.status_code == 400


# --- attachment rules ---------------------------------------------------------------------------

IMAGE = {"url": "https://media.example/p.png", "name": "p.png", "type": "image/png"}
PDF = {"url": "https://media.example/c.pdf", "name": "c.pdf", "type": "application/pdf"}


@pytest.mark.parametrize(
    ("channel", "attachments", "accepted"),
    [
        ("sms", [IMAGE], False),
        ("notify", [PDF], False),
        ("viber", [IMAGE], True),
        ("viber", [PDF], False),
        ("viber", [IMAGE, IMAGE], False),
        ("instagram", [{"url": "https://m.example/x.jpg", "name": "x.jpg", "type": ""}], True),
        ("telegram", [IMAGE, PDF], True),
    ],
)
def test_the_channels_attachment_rules_are_checked_on_the_server(
    agent, queued, channel, attachments, accepted
):
    conversation = queued(channel=channel)
    conversation_claim(conversation_id=conversation.pk, user=agent)
    answer = post(
        logged_in(agent),
        f"/api/conversations/{conversation.pk}/replies",
        {"text": "see attached", "attachments": attachments},
    )
    assert (answer.status_code == 200) is accepted, answer.content
    if not accepted:
        assert answer.json()["rule"]["max"] in (0, 1)
        assert channel in answer.json()["message"]


def test_the_session_gives_the_page_the_rules_and_limits(agent):
    body = logged_in(agent).get("/api/session").json()
    assert body["attachmentRules"]["sms"] == {"max": 0, "kinds": None}
    assert body["attachmentRules"]["viber"] == {"max": 1, "kinds": ["image"]}
    assert body["limits"]["maxFileBytes"] == 10 * 1024 * 1024
    assert body["autoAssign"] is False


# --- unread counts ------------------------------------------------------------------------------


def test_unread_counts_follow_the_operators_read_mark(agent, other_agent, mine, post_callback):
    for text in ("one", "two", "three"):
        post_callback(incoming(mine.platform_id, text))
    client = logged_in(agent)
    row = client.get("/api/conversations?state=mine").json()["data"][0]
    assert row["unread"] == 3
    assert row["preview"]["text"] == "three" and row["preview"]["kind"] == "incoming"
    second = Message.objects.get(text="two")
    answer = post(client, f"/api/conversations/{mine.pk}/read", {"messageId": second.pk})
    assert answer.json()["lastReadMessageId"] == second.pk
    assert client.get("/api/conversations?state=mine").json()["data"][0]["unread"] == 1
    # Marks only move forward, and each operator has their own.
    post(client, f"/api/conversations/{mine.pk}/read", {"messageId": 1})
    assert client.get("/api/conversations?state=mine").json()["data"][0]["unread"] == 1
    event = Event.objects.filter(type="desk.conversation_read").get()
    assert event.audience_user_id == agent.pk
    assert (
        post(
            logged_in(other_agent), f"/api/conversations/{mine.pk}/read", {"messageId": 5}
        ).status_code
        == 404
    )


# --- the contact panel ---------------------------------------------------------------------------


def test_the_detail_carries_the_contact_and_their_earlier_conversations(agent, queued):
    earlier = queued("old1")
    conversation_claim(conversation_id=earlier.pk, user=agent)
    Conversation.objects.filter(pk=earlier.pk).update(state=ConversationState.CLOSED)
    current = queued("new1")
    body = logged_in(agent).get(f"/api/conversations/{current.pk}").json()
    contact = body["contact"]
    assert contact["name"] == "Ivan Petrov"
    assert contact["identifiers"]["phone"] == "+79997775533"
    assert contact["sourceProfiles"]["vk"]["city"]["title"] == "Saint Petersburg"
    assert [c["id"] for c in contact["earlierConversations"]] == [earlier.pk]
    assert contact["earlierConversations"][0]["canOpen"] is True
    assert body["notifications"] == [] and body["lastReadMessageId"] == 0


# --- canned responses and quick replies ----------------------------------------------------------


def test_quick_replies_are_kept_by_supervisors_and_offered_to_everyone(agent, supervisor, sandbox):
    boss = logged_in(supervisor)
    created = post(boss, "/api/quick-replies", {"name": "Greeting", "text": "Hello, #FIRST_NAME#!"})
    assert created.status_code == 200, created.content
    reply_id = created.json()["quickReply"]["id"]
    changed = boss.put(
        f"/api/quick-replies/{reply_id}",
        {"name": "Greeting", "text": "Hi, #FIRST_NAME#!"},
        content_type="application/json",
    )
    assert changed.json()["quickReply"]["text"] == "Hi, #FIRST_NAME#!"
    refused = post(logged_in(agent), "/api/quick-replies", {"name": "x", "text": "y"})
    assert refused.status_code == 403
    assert logged_in(agent).delete(f"/api/quick-replies/{reply_id}").status_code == 403

    templates_forget()
    with override_settings(FROMNI_BASE_URL=sandbox.api_url, FROMNI_API_TOKEN=sandbox.token):
        body = logged_in(agent).get("/api/templates").json()
    assert body["platformError"] is None
    names = {(t["source"], t["name"]) for t in body["data"]}
    assert ("desk", "Greeting") in names and ("platform", "Visit reminder") in names
    reminder = next(t for t in body["data"] if t["name"] == "Visit reminder")
    assert reminder["placeholders"] == ["FIRST_NAME", "TIME"]
    assert reminder["channels"] == ["telegram", "whatsapp-business"]
    assert boss.delete(f"/api/quick-replies/{reply_id}").status_code == 200


def test_without_the_platform_the_quick_replies_still_come(agent, supervisor):
    post(logged_in(supervisor), "/api/quick-replies", {"name": "Bye", "text": "Goodbye!"})
    templates_forget()
    with override_settings(FROMNI_BASE_URL="http://127.0.0.1:9/user", FROMNI_CONNECT_TIMEOUT=0.5):
        body = logged_in(agent).get("/api/templates").json()
    assert [t["name"] for t in body["data"]] == ["Bye"]
    assert "could not be read" in body["platformError"]


def test_placeholders_fill_from_variables_named_alike():
    assert placeholder_key("First Name") == "FIRST_NAME"
    values = contact_values(
        [{"name": "First Name", "value": "Maria"}, {"name": "City", "value": ""}]
    )
    assert values == {"FIRST_NAME": "Maria"}
    assert template_fill("#FIRST_NAME#, at #TIME# in #CITY#", values) == (
        "Maria, at #TIME# in #CITY#",
        ["TIME", "CITY"],
    )


# --- template notification from an expired conversation -----------------------------------------


@pytest.fixture
def platform(sandbox, settings):
    settings.FROMNI_BASE_URL = sandbox.api_url
    settings.FROMNI_API_TOKEN = sandbox.token
    templates_forget()
    return sandbox


@pytest.fixture
def expired_with_maria(platform, sandbox_api, agent, queued):
    maria = next(
        c for c in sandbox_api.ok("contacts", {})["data"] if c.get("telegramId") == 500100200
    )
    conversation = queued("exp1", contact_id=maria["id"], channel="telegram")
    conversation_claim(conversation_id=conversation.pk, user=agent)
    Conversation.objects.filter(pk=conversation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert conversations_expire_due() == 1
    return conversation


def test_a_template_notification_reaches_the_contact_and_its_status_is_pushed(
    agent, expired_with_maria, callback_receiver
):
    client = logged_in(agent)
    refused = post(client, f"/api/conversations/{expired_with_maria.pk}/replies", {"text": "hi"})
    assert refused.status_code == 409 and refused.json()["error"] == "window_closed"

    missing = post(client, f"/api/conversations/{expired_with_maria.pk}/notify", {"templateId": 3})
    assert missing.status_code == 400
    assert missing.json()["missing"] == ["FIRST_NAME", "TIME"]  # this mirror has no variables

    answer = post(
        client,
        f"/api/conversations/{expired_with_maria.pk}/notify",
        {
            "templateId": 3,
            "channels": ["telegram"],
            "values": {"FIRST_NAME": "Maria", "TIME": "15:30"},
        },
    )
    assert answer.status_code == 200, answer.content
    sent = answer.json()["notification"]
    assert sent["text"] == "Maria, we are expecting you at 15:30 today. Reply YES to confirm."
    assert sent["status"] == "sent" and sent["conversationId"] == expired_with_maria.pk
    assert sent["templateName"] == "Visit reminder" and sent["channels"] == ["telegram"]

    # The platform's verdict arrives by callback (here caught by the receiver, then replayed
    # to the desk's endpoint as the platform would have sent it).
    update = callback_receiver.wait_for_kind("notification_message_updated", timeout=10)[0]
    body = {k: v for k, v in update.items() if k != "secret"}
    assert callback_receive(body=signed(body)) == "applied"
    stored = Notification.objects.get(platform_id=sent["platformId"])
    assert (stored.status, stored.channel) == ("delivered", "telegram")
    pushed = Event.objects.filter(type="desk.notification_status").order_by("id")
    assert [e.payload["notification"]["status"] for e in pushed] == ["sent", "delivered"]
    assert {e.audience_user_id for e in pushed} == {agent.pk}
    detail = client.get(f"/api/conversations/{expired_with_maria.pk}").json()
    assert [n["status"] for n in detail["notifications"]] == ["delivered"]


def test_a_channel_the_template_is_not_approved_on_is_refused(agent, expired_with_maria):
    answer = post(
        logged_in(agent),
        f"/api/conversations/{expired_with_maria.pk}/notify",
        {"templateId": 3, "channels": ["sms"], "values": {"FIRST_NAME": "M", "TIME": "1"}},
    )
    assert answer.status_code == 400
    assert answer.json()["allowed"] == ["telegram", "whatsapp-business"]


def test_another_agent_cannot_notify_my_contact(other_agent, expired_with_maria):
    answer = post(
        logged_in(other_agent),
        f"/api/conversations/{expired_with_maria.pk}/notify",
        {"templateId": 3, "values": {"FIRST_NAME": "M", "TIME": "1"}},
    )
    assert answer.status_code in (403, 404)
    assert not Notification.objects.exists()


# --- the page's security and languages ------------------------------------------------------------


def test_every_page_carries_a_policy_without_inline_script(agent):
    client = logged_in(agent)
    for url in ("/", "/accounts/login/", "/api/session"):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self';" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
        assert "connect-src 'self' ws://testserver wss://testserver" in policy


def test_the_desk_page_has_no_inline_script_and_speaks_russian(agent):
    client = logged_in(agent)
    page = client.get("/").content.decode()
    assert "<script>" not in page and "onclick=" not in page
    assert 'type="module" src="/static/desk/js/main.js"' in page
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    russian = client.get("/").content.decode()
    assert "Очередь" in russian and 'lang="ru"' in russian
    catalog = client.get("/jsi18n/").content.decode()
    assert json.dumps("Переподключение…")[1:-1] in catalog  # the catalog is JSON-escaped
