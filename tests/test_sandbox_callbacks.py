"""Callbacks from the sandbox: every kind in the shapes of fromni/samples with the
secret, status progression, notifications and campaigns, retries on the scaled schedule, and
the autopilot's dialogs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import fromni
from fromni.methods import CALLBACK_RETRY_SCHEDULE
from fromni.sandbox.process import SandboxProcess
from fromni.sandbox.receiver import CallbackReceiver

pytestmark = pytest.mark.sandbox

SAMPLES_DIR = Path(fromni.__file__).resolve().parent / "samples"
CHANNELS = [{"name": "telegram+sms", "connections": [3, 8], "ttl": 60}]
ALL_KINDS = {
    "conversation_operator_requested",
    "conversation_message_created",
    "conversation_message_updated",
    "contact_created",
    "contact_updated",
    "contact_merged",
    "campaign_completed",
    "notification_message_updated",
}
# Contacts carry whichever identifiers and profiles they have; these they always carry.
CONTACT_KEYS = {"id", "createdAt", "updatedAt"}


def every_kind_of_callback(sandbox, sandbox_api) -> None:
    conv = sandbox.control("POST", "conversations", {"channel": "telegram"})
    sandbox.control("POST", f"conversations/{conv['id']}/messages", {"text": "Still there?"})
    sandbox_api.ok("conversations/send", {"conversationId": conv["id"], "message": {"text": "Yes"}})
    sandbox.control("POST", f"contacts/{conv['contactId']}/update", {"vkId": 999})
    other = sandbox_api.ok("contacts/create", [{"phone": "+79990000000"}])["data"][0]["id"]
    sandbox.control(
        "POST", "contacts/merge", {"preservedId": conv["contactId"], "deletedId": other}
    )
    sandbox_api.ok(
        "notifications/send",
        {"phone": "+79990000000", "message": {"text": "Hi"}, "channels": CHANNELS},
    )
    sandbox_api.ok(
        "campaigns/launch",
        {"name": "C", "channels": CHANNELS, "templateId": 1, "data": [{"Phone": "+79990000000"}]},
    )


def test_every_kind_carries_the_secret_and_the_sample_shape(
    sandbox, sandbox_api, callback_receiver
):
    every_kind_of_callback(sandbox, sandbox_api)
    received = callback_receiver.wait_for(lambda got: {r.kind for r in got} >= ALL_KINDS)
    assert all(r.body["secret"] == sandbox.secret for r in received)
    for kind in ALL_KINDS:
        sample = json.loads((SAMPLES_DIR / f"{kind}.json").read_text())
        body = next(r.body for r in received if r.kind == kind)
        assert set(body) == set(sample) | {"secret"}, kind
        assert_shape(kind, sample["data"], body["data"])


def assert_shape(kind: str, sample: object, ours: object) -> None:
    if kind.startswith("contact_"):
        rows = (
            ours
            if isinstance(ours, list)
            else ours.values()
            if kind == "contact_merged"
            else [ours]
        )
        assert all(set(row) >= CONTACT_KEYS for row in rows), kind
        if kind == "contact_merged":
            assert set(ours) == set(sample)
        return
    assert set(sample) <= set(ours), (kind, set(sample) - set(ours))
    for key in ("operatorMode", "connection", "message"):
        if isinstance(sample.get(key), dict) and sample[key]:
            assert set(sample[key]) <= set(ours[key]), (kind, key)


def test_operator_message_goes_sent_delivered_read(sandbox, sandbox_api, callback_receiver):
    conv = sandbox.control("POST", "conversations", {})
    sent = sandbox_api.ok(
        "conversations/send", {"conversationId": conv["id"], "message": {"text": "Hi"}}
    )
    assert sent["status"] == "sent"
    updates = callback_receiver.wait_for_kind("conversation_message_updated", 2)
    assert [u["data"] for u in updates] == [
        {"conversationId": conv["id"], "messageId": sent["messageId"], "status": "delivered"},
        {"conversationId": conv["id"], "messageId": sent["messageId"], "status": "read"},
    ]
    history = sandbox_api.ok("conversations/messages", {"conversationId": conv["id"]})["data"]
    assert history[-1]["status"] == "read"


def test_messenger_status_reported_through_control(sandbox, callback_receiver):
    conv = sandbox.control("POST", "conversations", {"history": [{"text": "hi", "out": True}]})
    sandbox.control(
        "POST", f"conversations/{conv['id']}/messages/1/status", {"status": "blocked_by_user"}
    )
    update = callback_receiver.wait_for_kind("conversation_message_updated")[0]
    assert update["data"] == {
        "conversationId": conv["id"],
        "messageId": 1,
        "status": "blocked_by_user",
    }


def test_user_message_is_announced_without_an_id(sandbox, callback_receiver):
    conv = sandbox.control("POST", "conversations", {})
    attachment = {"type": "image", "url": "http://example/p.png", "name": "p.png"}
    sandbox.control(
        "POST", f"conversations/{conv['id']}/messages", {"text": "See", "attachments": [attachment]}
    )
    created = callback_receiver.wait_for_kind("conversation_message_created")[0]
    assert created["data"] == {
        "conversationId": conv["id"],
        "message": {"text": "See", "attachments": [attachment]},
    }


def test_handover_announces_new_contact_then_dialog(sandbox, callback_receiver):
    conv = sandbox.control("POST", "conversations", {"channel": "vk", "windowSeconds": 60})
    created = callback_receiver.wait_for_kind("contact_created")[0]["data"]
    assert [c["id"] for c in created] == [conv["contactId"]] and created[0]["vkId"]
    dialog = callback_receiver.wait_for_kind("conversation_operator_requested")[0]["data"]
    assert dialog["id"] == conv["id"] and dialog["connection"]["channel"] == "vk"
    assert dialog["operatorMode"] == {"isActive": True, "expiresAt": conv["expiresAt"]}
    assert dialog["contact"]["id"] == conv["contactId"]


@pytest.mark.parametrize(
    ("recipient", "status", "channel"),
    [
        ({"phone": "+79990000000"}, "delivered", "sms"),  # telegram needs a telegramId
        ({"phone": "+79161234567"}, "delivered", "telegram"),  # the seeded Maria has one
    ],
)
def test_notification_is_delivered_on_the_first_reachable_channel(
    sandbox_api, callback_receiver, recipient, status, channel
):
    sent = sandbox_api.ok(
        "notifications/send", {**recipient, "message": {"text": "Hi"}, "channels": CHANNELS}
    )
    update = callback_receiver.wait_for_kind("notification_message_updated")[0]["data"]
    assert (update["id"], update["status"], update["channel"]) == (sent["id"], status, channel)


def test_notification_to_unreachable_contact_is_an_error(sandbox, sandbox_api, callback_receiver):
    webchat_only = sandbox.control("POST", "conversations", {"channel": "webchat"})["contactId"]
    body = {
        "contactId": webchat_only,
        "message": {"text": "Hi"},
        "channels": [{"name": "whatsapp-business"}],
    }
    sent = sandbox_api.ok("notifications/send", body)
    update = callback_receiver.wait_for_kind("notification_message_updated")[0]["data"]
    assert update["id"] == sent["id"] and update["status"] == "error"
    assert (
        update["channel"] == "whatsapp-business"
        and "destination" in update["statusDetails"]["desc"]
    )


def test_campaign_completes_with_final_statuses(sandbox_api, callback_receiver):
    rows = [{"Phone": "+79990000000", "Name": "A"}, {"Phone": "none", "Name": "B"}]
    launched = sandbox_api.ok(
        "campaigns/launch", {"name": "Promo", "channels": CHANNELS, "templateId": 1, "data": rows}
    )["id"]
    done = callback_receiver.wait_for_kind("campaign_completed")[0]["data"]
    assert done["id"] == launched and done["name"] == "Promo"
    assert [d["status"] for d in done["docs"]] == ["delivered", "undelivered"]
    assert sandbox_api.ok("campaigns/get", {"id": launched})["docs"][0]["status"] == "delivered"


def test_callback_set_redirects_deliveries(sandbox, sandbox_api, callback_receiver):
    with CallbackReceiver() as elsewhere:
        sandbox_api.ok("callback/set", {"callbackUrl": elsewhere.url, "secret": "new-secret"})
        sandbox.control("POST", "conversations", {})
        body = elsewhere.wait_for_kind("conversation_operator_requested")[0]
        assert body["secret"] == "new-secret"
    assert callback_receiver.bodies("conversation_operator_requested") == []


def test_retries_follow_the_scaled_schedule(sandbox_process):
    scale = 200.0
    with (
        CallbackReceiver() as receiver,
        SandboxProcess("t", receiver.url, "s", time_scale=scale, status_delays="off") as sandbox,
    ):
        conv = sandbox.control("POST", "conversations", {})
        receiver.wait_for(lambda got: len(got) == 2)  # contact_created, operator_requested
        receiver.clear()
        receiver.fail_next(3, status=500)
        sandbox.control("POST", f"conversations/{conv['id']}/messages", {"text": "again"})
        received = receiver.wait_for(lambda got: len(got) >= 4, timeout=5)
        time.sleep(0.3)  # nothing more may come once one got through
        received = receiver.received
        assert [r.status for r in received] == [500, 500, 500, 200]
        assert len({json.dumps(r.body, sort_keys=True) for r in received}) == 1
        gaps = [b.at - a.at for a, b in zip(received, received[1:], strict=False)]
        for gap, delay in zip(gaps, CALLBACK_RETRY_SCHEDULE, strict=False):
            expected = delay / scale
            assert expected * 0.8 - 0.01 <= gap <= expected + 0.3, (gaps, expected)
        log = [
            a
            for a in sandbox.control("GET", "callbacks")["data"]
            if a["kind"] == "conversation_message_created"
        ]
        assert [(a["attempt"], a["status"]) for a in log] == [
            (1, 500),
            (2, 500),
            (3, 500),
            (4, 200),
        ]
        assert len({a["seq"] for a in log}) == 1 and log[0]["error"] == "HTTP 500"


def test_delivery_is_given_up_after_seven_retries():
    # 10 s ... 1 h scaled 4000 times: all 8 attempts within about 1.8 s.
    scale = 4000
    with (
        CallbackReceiver() as receiver,
        SandboxProcess("t", receiver.url, "s", time_scale=scale, status_delays="off") as sandbox,
    ):
        receiver.fail_next(100, status=503)
        sandbox.control("POST", "conversations", {})
        deadline = time.monotonic() + sum(CALLBACK_RETRY_SCHEDULE) / scale + 2
        while time.monotonic() < deadline:
            attempts = [r for r in receiver.received if r.kind == "conversation_operator_requested"]
            if len(attempts) >= 8:
                break
            time.sleep(0.1)
        time.sleep(0.3)
        attempts = [r for r in receiver.received if r.kind == "conversation_operator_requested"]
        assert len(attempts) == 1 + len(CALLBACK_RETRY_SCHEDULE)


def test_unreachable_desk_is_retried_and_logged(sandbox, sandbox_api):
    sandbox_api.ok("callback/set", {"callbackUrl": "http://127.0.0.1:9/nothing-listens"})
    sandbox.control("POST", "conversations", {})
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        log = sandbox.control("GET", "callbacks")["data"]
        if len([a for a in log if a["kind"] == "conversation_operator_requested"]) >= 2:
            break
        time.sleep(0.05)
    attempts = [a for a in log if a["kind"] == "conversation_operator_requested"]
    assert [a["attempt"] for a in attempts[:2]] == [1, 2]
    assert attempts[0]["status"] is None and "Connection" in attempts[0]["error"]


def test_autopilot_starts_dialogs_on_its_own():
    with (
        CallbackReceiver() as receiver,
        SandboxProcess("t", receiver.url, "s", autopilot=120, time_scale=10) as sandbox,
    ):
        requested = receiver.wait_for_kind("conversation_operator_requested", 3, timeout=5)
        messages = receiver.wait_for_kind("conversation_message_created", 2, timeout=5)
        dialogs = {body["data"]["id"] for body in requested}
        assert {m["data"]["conversationId"] for m in messages} <= dialogs | {
            c["id"] for c in sandbox_dialogs(sandbox)
        }
        assert all(body["secret"] == "s" for body in requested + messages)
        assert all(m["data"]["message"]["text"] for m in messages)


def sandbox_dialogs(sandbox: SandboxProcess) -> list[dict]:
    import requests

    answer = requests.post(
        f"{sandbox.api_url}/conversations/list",
        json={},
        headers={"Authorization": "Token t"},
        timeout=5,
    )
    return answer.json()["data"]
