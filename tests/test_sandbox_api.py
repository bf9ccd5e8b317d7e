"""The sandbox serves every method of fromni.methods with the reference's answer shapes, and
refuses calls the way the platform does (401 token, 500 JSON / required field, 404 path)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from fromni.methods import METHODS

pytestmark = pytest.mark.sandbox

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")

CONVERSATION_KEYS = {
    "id",
    "operatorMode",
    "connection",
    "contact",
    "scenario",
    "startedAt",
    "startTrigger",
    "endedAt",
    "endReason",
}
CONTACT_KEYS = {"id", "createdAt", "updatedAt", "variables"}
MESSAGE_KEYS = {"id", "connectionId", "date", "out", "status", "text"}
TEMPLATE_KEYS = {"id", "displayName", "text", "regexpText", "name", "channels"}
TEMPLATE_CHANNEL_KEYS = {
    "id",
    "channel",
    "status",
    "updated_at",
    "components",
    "keyboard",
    "attachments",
    "sender",
}
ATTRIBUTE_KEYS = {
    "id",
    "name",
    "type",
    "options",
    "required",
    "entity",
    "apiField",
    "active",
    "isDefault",
}
DEAL_KEYS = {"id", "name", "attributes", "products", "contactId", "createdAt"}
CAMPAIGN_KEYS = {
    "id",
    "name",
    "liveTime",
    "channels",
    "scenarioId",
    "templateId",
    "docs",
    "match",
    "headers",
    "createdAt",
}
UPLOAD_FIELDS = {
    "Key",
    "ACL",
    "bucket",
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "Policy",
    "X-Amz-Signature",
}
CHANNELS = [{"name": "telegram+sms", "connections": [3, 8], "ttl": 60}]


@dataclass
class World:
    """Things that method samples refer to, made fresh for each test."""

    conversation: str
    contact: str
    variable: str
    attribute: str
    status_attribute: str
    name_attribute: str
    deal: str
    product: str
    campaign: str
    vk_template: int


def make_world(sandbox: Any, api: Any) -> World:
    conversation = sandbox.control("POST", "conversations", {"channel": "telegram"})["id"]
    contact = api.ok("contacts/create", [{"phone": "+7 900 111-22-33"}])["data"][0]["id"]
    variable = api.ok("variables/create", {"name": "Orders", "validateAs": "NUMBER"})["id"]
    attrs = {a["name"]: a["id"] for a in api.ok("deals/attributes/list")["data"]}
    attribute = api.ok("deals/attributes/create", {"name": "City", "type": "STRING"})["id"]
    deal = api.ok(
        "deals/create",
        {
            "name": "Kettle",
            "contactId": contact,
            "attributes": [{"id": attrs["Status"], "value": "New"}],
            "products": [{"attributes": [{"id": attrs["Name"], "value": "Kettle"}]}],
        },
    )
    campaign = api.ok(
        "campaigns/launch",
        {"name": "C", "channels": CHANNELS, "templateId": 3, "data": [{"Phone": "+79990000000"}]},
    )["id"]
    vk_template = api.ok("template2/create", {"text": "Hi", "channels": [{"channel": "vk"}]})["id"]
    return World(
        conversation=conversation,
        contact=contact,
        variable=variable,
        attribute=attribute,
        status_attribute=attrs["Status"],
        name_attribute=attrs["Name"],
        deal=deal["id"],
        product=deal["products"][0]["id"],
        campaign=campaign,
        vk_template=vk_template,
    )


Body = Callable[[World], Any]
Check = Callable[[dict[str, Any]], None]


def keys(*expected: set[str]) -> Check:
    """The answer has these top-level keys (besides `result`)."""
    wanted = set().union(*expected)

    def check(answer: dict[str, Any]) -> None:
        assert wanted <= set(answer), wanted - set(answer)

    return check


def rows(expected: set[str], *, total: bool = False) -> Check:
    """`data` is a non-empty array of objects with these keys (and `total` when asked)."""

    def check(answer: dict[str, Any]) -> None:
        assert isinstance(answer["data"], list) and answer["data"], answer
        for row in answer["data"]:
            assert expected <= set(row), expected - set(row)
        if total:
            assert isinstance(answer["total"], int) and answer["total"] >= len(answer["data"])

    return check


def object_id(field: str = "id") -> Check:
    def check(answer: dict[str, Any]) -> None:
        assert OBJECT_ID.match(answer[field]), answer

    return check


def exactly(expected: dict[str, Any]) -> Check:
    def check(answer: dict[str, Any]) -> None:
        assert answer == expected

    return check


nothing_else = exactly({"result": "success"})


def both(*checks: Check) -> Check:
    def check(answer: dict[str, Any]) -> None:
        for one in checks:
            one(answer)

    return check


def connections_map(answer: dict[str, Any]) -> None:
    assert {"whatsapp-business", "telegram", "vk", "viber", "sms", "webchat"} <= set(answer["data"])
    for rows_ in answer["data"].values():
        assert all(isinstance(r["id"], int) and r["name"] for r in rows_)


def upload_params(answer: dict[str, Any]) -> None:
    assert set(answer["fields"]) >= UPLOAD_FIELDS
    assert answer["url"].endswith("/_storage/upload") and "/_storage/media/" in answer["mediaUrl"]


def templates_with_groups(answer: dict[str, Any]) -> None:
    rows(TEMPLATE_KEYS | {"templateGroupId", "groupName", "group"})(answer)
    channel = answer["data"][0]["channels"][0]
    assert set(channel) >= TEMPLATE_CHANNEL_KEYS


# Every method: a valid body and what its answer must look like.
SAMPLES: dict[str, tuple[Body, Check]] = {
    "events_send": (
        lambda w: {"name": "added_to_cart", "data": {"client": {"phone": 79990000000}}},
        object_id(),
    ),
    "events_list": (lambda w: {}, rows({"id", "name", "displayName", "tag", "vars"})),
    "campaigns_launch": (
        lambda w: {
            "name": "N",
            "channels": CHANNELS,
            "templateId": 1,
            "data": [{"Phone": "+79990000000"}],
        },
        object_id(),
    ),
    "campaigns_list": (
        lambda w: {"startDate": "2020-01-01", "type": None},
        rows({"id", "name", "recipientsCount", "createdAt"}),
    ),
    "campaigns_get": (lambda w: {"id": w.campaign}, keys(CAMPAIGN_KEYS)),
    "notifications_send": (
        lambda w: {"contactId": w.contact, "message": {"text": "Hi"}, "channels": CHANNELS},
        object_id(),
    ),
    "storage_upload": (
        lambda w: {"filename": "contract.pdf", "contentType": "application/pdf"},
        upload_params,
    ),
    "conversations_list": (lambda w: {"offset": 0, "limit": 10}, rows(CONVERSATION_KEYS)),
    "conversations_messages": (lambda w: {"conversationId": w.conversation}, rows(MESSAGE_KEYS)),
    "conversations_send": (
        lambda w: {
            "conversationId": w.conversation,
            "message": {"text": "Hello", "attachments": []},
        },
        keys({"messageId", "status", "conversationId"}),
    ),
    "contacts_list": (
        lambda w: {"filter": {}, "offset": 0, "limit": 10},
        rows(CONTACT_KEYS, total=True),
    ),
    "contacts_get": (lambda w: {"id": w.contact}, keys(CONTACT_KEYS, {"phone"})),
    "contacts_create": (
        lambda w: [{"phone": 79990000001, "variables": [{"name": "City", "value": "Moscow"}]}],
        rows(CONTACT_KEYS),
    ),
    "contacts_update": (lambda w: {"contactId": w.contact, "telegramId": 777}, nothing_else),
    "variables_list": (lambda w: None, rows({"id", "name", "validateAs"})),
    "variables_create": (lambda w: {"name": "Tier", "validateAs": "STRING"}, object_id()),
    "variables_delete": (lambda w: {"id": w.variable}, nothing_else),
    "contacts_set_variables": (
        lambda w: {"contactId": w.contact, "variables": [{"name": "City", "value": "Omsk"}]},
        nothing_else,
    ),
    "callback_set": (
        lambda w: {"callbackUrl": "http://127.0.0.1:9/cb", "secret": "s"},
        nothing_else,
    ),
    "callback_get": (lambda w: None, keys({"secret"})),
    "channels_connections": (lambda w: None, connections_map),
    "templates_list": (
        lambda w: {"offset": 0, "limit": 10, "order": [["createdAt", "DESC"]]},
        templates_with_groups,
    ),
    "templates_create": (
        lambda w: {
            "displayName": "T",
            "text": "Hi #NAME#.",
            "name": "ev",
            "channels": [{"channel": "whatsapp", "keyboard": {"inline": True}, "attachments": []}],
        },
        keys(TEMPLATE_KEYS),
    ),
    "templates_update": (lambda w: {"id": 1, "text": "New template text"}, nothing_else),
    "templates_channel_add": (
        lambda w: {"templateId": 3, "channel": {"channel": "vk"}},
        keys({"templateId", "channel", "status", "updated_at"}),
    ),
    "templates_channel_delete": (lambda w: {"templateId": 3, "channel": "telegram"}, nothing_else),
    "template_groups_create": (
        lambda w: {"name": "G", "templates": [w.vk_template]},
        keys({"id", "name", "created_at", "updated_at"}),
    ),
    "template_groups_add": (
        lambda w: {"templateId": w.vk_template, "templateGroupId": 1},
        nothing_else,
    ),
    "template_groups_remove": (lambda w: {"templateId": 1}, nothing_else),
    "templates_delete": (lambda w: {"templateId": 2}, nothing_else),
    "deal_attributes_create": (
        lambda w: {
            "name": "Region",
            "type": "STRING",
            "options": None,
            "required": False,
            "entity": "deal",
            "apiField": "order.region",
            "active": True,
        },
        both(keys(ATTRIBUTE_KEYS), object_id()),
    ),
    "deal_attributes_list": (lambda w: {}, rows(ATTRIBUTE_KEYS)),
    "deal_attributes_update": (
        lambda w: {"id": w.attribute, "name": "Town", "type": "STRING"},
        keys(ATTRIBUTE_KEYS),
    ),
    "deal_attributes_delete": (lambda w: {"id": w.attribute}, nothing_else),
    "deals_create": (
        lambda w: {
            "name": "D",
            "contactId": w.contact,
            "attributes": [{"id": w.status_attribute, "value": "Won"}],
        },
        both(keys(DEAL_KEYS), object_id()),
    ),
    "deals_list": (
        lambda w: {"filter": {}, "offset": 0, "limit": 10, "order": [["createdAt", "DESC"]]},
        rows(DEAL_KEYS, total=True),
    ),
    "deals_update": (
        lambda w: {
            "id": w.deal,
            "name": "D2",
            "contactId": w.contact,
            "attributes": [{"id": w.status_attribute, "value": "Lost"}],
        },
        keys(DEAL_KEYS),
    ),
    "deals_delete": (
        lambda w: {"id": w.deal},
        exactly({"result": "success", "data": True}),
    ),
    "deal_attribute_value": (
        lambda w: {
            "dealId": w.deal,
            "attributeId": w.status_attribute,
            "productId": None,
            "value": "Won",
        },
        nothing_else,
    ),
}


def test_every_method_has_a_sample():
    assert set(SAMPLES) == set(METHODS)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_method_answers_with_the_reference_shape(sandbox, sandbox_api, name):
    world = make_world(sandbox, sandbox_api)
    body, check = SAMPLES[name]
    check(sandbox_api.ok(METHODS[name].path, body(world)))


REQUIRED = [(name, field) for name, m in sorted(METHODS.items()) for field in m.required]


@pytest.mark.parametrize(("name", "field"), REQUIRED)
def test_missing_required_field_is_a_500_naming_it(sandbox, sandbox_api, name, field):
    world = make_world(sandbox, sandbox_api)
    body = {k: v for k, v in SAMPLES[name][0](world).items() if k != field}
    assert field in sandbox_api.error(METHODS[name].path, body)["message"]


@pytest.mark.parametrize("path", ["contacts", "conversations/send", "template2/list"])
def test_wrong_or_missing_token_is_401(sandbox, path):
    for headers in ({"Authorization": "Token wrong"}, {"Authorization": sandbox.token}, {}):
        answer = requests.post(f"{sandbox.api_url}/{path}", json={}, headers=headers, timeout=5)
        assert answer.status_code == 401
        assert answer.json() == {"result": "error", "message": "Invalid token"}


@pytest.mark.parametrize("raw", [b"", b"not json", b"{'single': 'quotes'}", b"\xff\xfe"])
def test_non_json_body_is_a_500(sandbox, raw):
    answer = requests.post(
        f"{sandbox.api_url}/contacts",
        data=raw,
        headers={"Authorization": f"Token {sandbox.token}", "Content-Type": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 500
    assert answer.json()["result"] == "error" and "JSON" in answer.json()["message"]


def test_unknown_path_is_404(sandbox_api):
    assert sandbox_api("contacts/explode").status_code == 404
    assert sandbox_api("nothing").status_code == 404


def test_api_methods_are_posts_only(sandbox):
    assert requests.get(f"{sandbox.api_url}/contacts", timeout=5).status_code == 405


def test_keep_alive_reuses_one_connection(sandbox, sandbox_api):
    answers = [sandbox_api("variables/list") for _ in range(5)]
    assert all(a.status_code == 200 and a.headers["Content-Length"] for a in answers)
    assert all(a.headers.get("Connection", "").lower() != "close" for a in answers)
    assert len(sandbox_api.session.get_adapter(sandbox.api_url).poolmanager.pools) == 1


# --- conversations --------------------------------------------------------------------------


def test_send_is_refused_once_operator_mode_expired(sandbox, sandbox_api):
    conv = sandbox.control("POST", "conversations", {"channel": "whatsapp-business"})
    send = {"conversationId": conv["id"], "message": {"text": "Hello"}}
    assert sandbox_api.ok("conversations/send", send)["status"] == "sent"
    mode = sandbox.control(
        "POST", f"conversations/{conv['id']}/operator-mode", {"expiresInSeconds": 0}
    )
    assert mode["operatorMode"]["isActive"] is False
    refused = sandbox_api.error("conversations/send", send)
    assert refused["message"] == "Operator mode is not active for this conversation"
    listed = sandbox_api.ok("conversations/list")["data"][0]
    assert listed["operatorMode"]["isActive"] is False


def test_send_is_refused_when_operator_mode_is_inactive(sandbox, sandbox_api):
    conv = sandbox.control("POST", "conversations", {})
    sandbox.control("POST", f"conversations/{conv['id']}/operator-mode", {"isActive": False})
    sandbox_api.error(
        "conversations/send", {"conversationId": conv["id"], "message": {"text": "x"}}
    )


def test_send_to_unknown_conversation_is_a_500(sandbox_api):
    body = {"conversationId": "5f3cd834e8aadd00137359aa", "message": {"text": "x"}}
    assert "not found" in sandbox_api.error("conversations/send", body)["message"]


def test_message_ids_count_up_within_a_dialog(sandbox, sandbox_api):
    conv = sandbox.control("POST", "conversations", {"history": [{"text": "hi", "out": False}]})
    send = {"conversationId": conv["id"], "message": {"text": "one"}}
    ids = [sandbox_api.ok("conversations/send", send)["messageId"] for _ in range(3)]
    assert ids == [2, 3, 4]
    sandbox.control("POST", f"conversations/{conv['id']}/messages", {"text": "thanks"})
    history = sandbox_api.ok("conversations/messages", {"conversationId": conv["id"]})["data"]
    assert [(m["id"], m["out"], m["text"]) for m in history] == [
        (1, False, "hi"),
        (2, True, "one"),
        (3, True, "one"),
        (4, True, "one"),
        (5, False, "thanks"),
    ]
    received = sandbox.control("GET", f"conversations/{conv['id']}/messages")["data"]
    assert [m["messageId"] for m in received] == [2, 3, 4]


def test_conversations_list_pages_newest_first(sandbox, sandbox_api):
    ids = [sandbox.control("POST", "conversations", {})["id"] for _ in range(5)]
    assert [c["id"] for c in sandbox_api.ok("conversations/list")["data"]] == ids[::-1]
    page = sandbox_api.ok("conversations/list", {"offset": 1, "limit": 2})["data"]
    assert [c["id"] for c in page] == ids[::-1][1:3]


def test_conversation_carries_connection_and_contact(sandbox, sandbox_api):
    conv = sandbox.control(
        "POST", "conversations", {"connectionId": 5, "contact": {"phone": "+79997775533"}}
    )
    listed = sandbox_api.ok("conversations/list")["data"][0]
    assert listed["connection"]["id"] == 5 and listed["connection"]["channel"] == "vk"
    assert listed["connection"]["provider"] == "Fromni"
    # The seeded Ivan Petrov owns that phone: the dialog is his, with his vk profile.
    assert listed["contact"]["id"] == conv["contactId"]
    assert listed["contact"]["vk"]["first_name"] == "Ivan"
    assert listed["operatorMode"]["isActive"] is True


# --- events, campaigns, notifications -------------------------------------------------------


def test_campaign_launch_then_list_by_period_and_type(sandbox_api):
    launched = sandbox_api.ok(
        "campaigns/launch",
        {
            "name": "Spring",
            "channels": CHANNELS,
            "templateId": 1,
            "data": [{"Phone": "+79990000000"}] * 3,
        },
    )["id"]
    listed = sandbox_api.ok("campaigns/list", {"type": "manual"})["data"]
    assert {"id": launched, "name": "Spring", "recipientsCount": 3}.items() <= listed[0].items()
    assert sandbox_api.ok("campaigns/list", {"type": "event"})["data"] == []
    future = {"startDate": "2999-01-01T00:00:00:000Z"}
    assert sandbox_api.ok("campaigns/list", future)["data"] == []
    got = sandbox_api.ok("campaigns/get", {"id": launched})
    assert got["liveTime"] == 24 and len(got["docs"]) == 3


@pytest.mark.parametrize(
    "body",
    [
        {"liveTime": 49},
        {"templateId": 999},
        {"channels": [{"name": "pigeon"}]},
        {"channels": [{"name": "sms", "connections": [999]}]},
        {"data": []},
    ],
)
def test_campaign_launch_refuses_bad_input(sandbox_api, body):
    base = {"name": "X", "channels": CHANNELS, "templateId": 1, "data": [{"Phone": "+7999"}]}
    sandbox_api.error("campaigns/launch", {**base, **body})


def test_event_with_a_campaign_launches_it(sandbox_api):
    body = {
        "name": "order_paid",
        "data": {"client": {"phone": "+79990000000"}, "order": {"id": "A1"}},
    }
    campaign_id = sandbox_api.ok("events/send", body)["id"]
    campaign = sandbox_api.ok("campaigns/get", {"id": campaign_id})
    assert campaign["docs"][0]["data"] == {"Phone number": "+79990000000", "Order number": "A1"}
    assert sandbox_api.ok("campaigns/list", {"type": "event"})["data"][0]["id"] == campaign_id


def test_unknown_event_becomes_a_custom_event(sandbox_api):
    sandbox_api.ok("events/send", {"name": "visited_page", "data": {"url": "/cart", "n": 2}})
    event = sandbox_api.ok("events/list")["data"][-1]
    assert event["name"] == "visited_page" and event["tag"] == "custom"
    assert {v["path"] for v in event["vars"]} == {"url", "n"}


def test_notification_needs_phone_or_contact(sandbox_api):
    body = {"message": {"text": "Hi"}, "channels": CHANNELS}
    assert "phone" in sandbox_api.error("notifications/send", body)["message"]


# --- callback settings ----------------------------------------------------------------------


def test_callback_set_then_get(sandbox_api):
    sandbox_api.ok("callback/set", {"callbackUrl": "https://desk.example/cb", "secret": "xyz"})
    got = sandbox_api.ok("callback/get")
    assert got["secret"] == "xyz" and got["callbackUrl"] == "https://desk.example/cb"
    sandbox_api.error("callback/set", {"callbackUrl": "not a url"})
