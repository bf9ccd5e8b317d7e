"""Typed input on every JSON endpoint: what does not fit an endpoint's model is a 400 in the
API's shape, naming the field (in the message and as `field`), and changes nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from audit.models import AuditEntry
from contacts.models import Contact, Variable
from conversations.actions import conversation_claim
from conversations.models import Conversation, Message, ReadMark
from desk.models import QuickReply
from operators.models import OperatorProfile
from outreach.models import Notification
from realtime.models import Event
from tests.support.fixtures import handover

pytestmark = pytest.mark.django_db

LONG_KEY = "k" * 101


def _state() -> list:
    """Everything these endpoints could change."""
    return [
        list(Conversation.objects.values_list("pk", "state", "assignee_id", "updated_at")),
        list(Message.objects.values_list("pk", "kind", "text", "dedupe_key")),
        list(Contact.objects.values_list("pk", "vk_id", "telegram_id", "variable_values")),
        list(Variable.objects.values_list("pk", "name")),
        list(QuickReply.objects.values_list("pk", "title", "text")),
        list(OperatorProfile.objects.values_list("pk", "presence", "last_seen_at")),
        ReadMark.objects.count(),
        Notification.objects.count(),
        AuditEntry.objects.count(),
        Event.objects.count(),
    ]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _send(client: Client, method: str, path: str, body: dict | None):
    if method == "GET":
        return client.get(path)
    return client.generic(method, path, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def held(post_callback, agent) -> Conversation:
    """A conversation the agent holds, so that a reply would be taken if its input were good."""
    assert post_callback(handover("input-1")).status_code == 200
    conversation = Conversation.objects.get(platform_id="input-1")
    conversation_claim(conversation_id=conversation.pk, user=agent)
    return conversation


# (who calls, method, path, body, the field named). {c}: the held conversation, {contact}: its
# contact, {reply}: a quick reply.
BAD_INPUT = [
    ("agent", "GET", "/api/conversations?limit=many", None, "limit"),
    ("agent", "GET", "/api/conversations?limit=0", None, "limit"),
    ("agent", "GET", "/api/conversations?limit=201", None, "limit"),
    ("agent", "POST", "/api/conversations/{c}/transfer", {"note": "over"}, "toUserId"),
    ("agent", "POST", "/api/conversations/{c}/transfer", {"toUserId": "Anna"}, "toUserId"),
    ("agent", "POST", "/api/conversations/{c}/transfer", {"toUserId": 1, "note": 5}, "note"),
    (
        "agent",
        "POST",
        "/api/conversations/{c}/replies",
        {"text": "Hi", "clientKey": LONG_KEY},
        "clientKey",
    ),
    ("agent", "POST", "/api/conversations/{c}/replies", {"text": 42}, "text"),
    ("agent", "POST", "/api/conversations/{c}/replies", {"text": None}, "text"),
    (
        "agent",
        "POST",
        "/api/conversations/{c}/replies",
        {"text": "Hi", "attachments": "a.png"},
        "attachments",
    ),
    (
        "agent",
        "POST",
        "/api/conversations/{c}/replies",
        {"text": "Hi", "attachments": [None]},
        "attachments.0",
    ),
    (
        "agent",
        "POST",
        "/api/conversations/{c}/replies",
        {"text": "Hi", "attachments": [{}]},
        "attachments.0.url",
    ),
    ("agent", "POST", "/api/conversations/{c}/notes", {"text": ["a", "note"]}, "text"),
    ("agent", "POST", "/api/conversations/{c}/read", {}, "messageId"),
    ("agent", "POST", "/api/conversations/{c}/read", {"messageId": "last"}, "messageId"),
    ("agent", "POST", "/api/conversations/{c}/read", {"messageId": -1}, "messageId"),
    ("agent", "POST", "/api/conversations/{c}/notify", {"channels": ["sms"]}, "templateId"),
    ("agent", "POST", "/api/conversations/{c}/notify", {"templateId": ""}, "templateId"),
    (
        "agent",
        "POST",
        "/api/conversations/{c}/notify",
        {"templateId": 3, "channels": "sms"},
        "channels",
    ),
    (
        "agent",
        "POST",
        "/api/conversations/{c}/notify",
        {"templateId": 3, "values": ["M"]},
        "values",
    ),
    (
        "agent",
        "POST",
        "/api/conversations/{c}/notify",
        {"templateId": 3, "values": {"FIRST_NAME": {"text": "M"}}},
        "values.FIRST_NAME",
    ),
    ("agent", "POST", "/api/presence", {"presence": 1}, "presence"),
    ("supervisor", "POST", "/api/quick-replies", {"name": ["Hi"], "text": "Hello"}, "name"),
    ("supervisor", "PUT", "/api/quick-replies/{reply}", {"name": "Hi", "text": None}, "text"),
    ("supervisor", "GET", "/api/contacts/?limit=1000", None, "limit"),
    ("supervisor", "GET", "/api/contacts/{contact}?conversations=some", None, "conversations"),
    ("supervisor", "POST", "/api/contacts/{contact}/identifiers", {"vkId": 42}, "vkId"),
    ("supervisor", "POST", "/api/contacts/{contact}/variables", {}, "values"),
    ("supervisor", "POST", "/api/contacts/{contact}/variables", {"values": "City=Omsk"}, "values"),
    (
        "supervisor",
        "POST",
        "/api/contacts/variables",
        {"name": "Tier", "validateAs": "BLOB"},
        "validateAs",
    ),
    ("supervisor", "POST", "/api/contacts/variables", {"name": 7}, "name"),
    ("supervisor", "GET", "/api/reports/period?by=team", None, "by"),
]


@pytest.mark.parametrize(("who", "method", "path", "body", "field"), BAD_INPUT)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(
    who, method, path, body, field, held, agent, supervisor
):
    reply = QuickReply.objects.create(title="Greeting", text="Hello", created_by=supervisor)
    url = path.format(c=held.pk, contact=held.contact_id, reply=reply.pk)
    client = _client(agent if who == "agent" else supervisor)
    before = _state()
    answer = _send(client, method, url, body)
    assert answer.status_code == 400, answer.content
    payload = answer.json()
    assert payload["error"] == "invalid"
    assert payload["field"] == field
    assert payload["message"].startswith(field), payload
    assert _state() == before


def test_an_over_long_client_key_is_refused_not_cut(held, agent):
    """Before, the key was cut to 100 characters: two replies whose keys differ after that
    were taken as one."""
    client = _client(agent)
    answer = _send(
        client,
        "POST",
        f"/api/conversations/{held.pk}/replies",
        {"text": "Hi", "clientKey": LONG_KEY},
    )
    assert (answer.status_code, answer.json()["field"]) == (400, "clientKey")
    assert "at most 100" in answer.json()["message"]
    fits = _send(
        client,
        "POST",
        f"/api/conversations/{held.pk}/replies",
        {"text": "Hi", "clientKey": "k" * 100},
    )
    assert fits.status_code == 200, fits.content


def test_good_input_of_the_same_endpoints_is_taken(held, agent):
    """The models take what the desk page sends (numbers as numbers, ids as text or numbers)."""
    client = _client(agent)
    reply = _send(
        client,
        "POST",
        f"/api/conversations/{held.pk}/replies",
        {"text": "Hello", "clientKey": "draft-1", "attachments": []},
    )
    assert reply.status_code == 200, reply.content
    read = _send(
        client,
        "POST",
        f"/api/conversations/{held.pk}/read",
        {"messageId": reply.json()["message"]["id"]},
    )
    assert read.status_code == 200, read.content
    listed = client.get("/api/conversations?state=mine&limit=")
    assert [c["id"] for c in listed.json()["data"]] == [held.pk]
