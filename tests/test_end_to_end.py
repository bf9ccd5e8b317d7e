"""The desk over real HTTP with the sandbox platform: a user writes, an operator answers, the
reply's ticks come back."""

import json

import pytest
import requests
from websockets.asyncio.client import connect

from tests.support.live import until
from tests.support.live_desk import claimed_conversation, live_desk, reply_states
from tests.support.live_sockets import next_event

pytestmark = pytest.mark.live

DELIVERED = ("sent", "delivered", "read")


@pytest.fixture(scope="module")
def desk():
    with live_desk(status_delays=(0.3, 0.8)) as running:
        running.operator("anna")
        yield running


async def test_a_user_writes_the_operator_claims_and_replies_and_sees_it_read(desk):
    session = desk.login("anna")
    cursor = desk.api(session, "GET", "session").json()["cursor"]
    async with connect(desk.ws_url(cursor), additional_headers=desk.ws_headers(session)) as ws:
        assert (await next_event(ws, lambda e: True))["type"] == "desk.ready"
        started = desk.sandbox.control(
            "POST", "/_sandbox/conversations", {"channel": "telegram", "text": "I need help"}
        )
        queued = await next_event(ws, lambda e: e["type"] == "desk.conversation_queued")
        conversation = queued["data"]["conversation"]
        assert conversation["platformId"] == started["id"]
        assert conversation["channel"] == "telegram"

        history = await next_event(ws, lambda e: e["type"] == "desk.history_loaded")
        assert "I need help" in [m["text"] for m in history["data"]["messages"]]

        claimed = desk.api(session, "POST", f"conversations/{conversation['id']}/claim")
        assert claimed.status_code == 200, claimed.text
        desk.sandbox.control(
            "POST", f"/_sandbox/conversations/{started['id']}/messages", {"text": "Are you there?"}
        )
        incoming = await next_event(ws, lambda e: e["type"] == "desk.message_created")
        assert incoming["data"]["message"]["text"] == "Are you there?"

        reply = desk.api(
            session,
            "POST",
            f"conversations/{conversation['id']}/replies",
            {"text": "Hello from the desk", "clientKey": "e2e-1"},
        )
        assert reply.status_code == 200, reply.text
        reply_id = reply.json()["message"]["id"]
        seen = []
        for _ in range(4):  # sending, sent, delivered, read
            event = await next_event(
                ws,
                lambda e: (
                    e["type"] == "desk.message_status" and e["data"]["message"]["id"] == reply_id
                ),
            )
            seen.append(event["data"]["message"]["delivery"])
            if seen[-1] == "read":
                break
        assert seen[-1] == "read"
        assert seen == sorted(seen, key=["sending", "sent", "delivered", "read"].index)

    received = desk.sandbox.control("GET", f"/_sandbox/conversations/{started['id']}/messages")
    assert [m["text"] for m in received["data"]] == ["Hello from the desk"]


def test_replies_survive_a_platform_outage_and_each_arrives_once(desk):
    session = desk.login("anna")
    started, conversation_id = claimed_conversation(desk, session)
    desk.sandbox.control(
        "POST", "/_sandbox/faults", {"path": "conversations/send", "mode": "outage", "count": 8}
    )
    texts = [f"reply {n}" for n in range(12)]
    for n, text in enumerate(texts):
        response = desk.api(
            session,
            "POST",
            f"conversations/{conversation_id}/replies",
            {"text": text, "clientKey": f"outage-{n}"},
        )
        assert response.status_code == 200, response.text
    delivered = ("sent", "delivered", "read")
    until(
        lambda: all(
            reply_states(session, desk, conversation_id).get(t) in delivered for t in texts
        ),
        timeout=40,
    )
    received = desk.sandbox.control("GET", f"/_sandbox/conversations/{started['id']}/messages")
    assert sorted(m["text"] for m in received["data"]) == sorted(texts)


def test_a_send_whose_answer_is_lost_is_checked_on_the_platform_not_sent_twice(desk):
    session = desk.login("anna")
    started, conversation_id = claimed_conversation(desk, session)
    # The platform takes the message, then the answer never comes back in time.
    desk.sandbox.control(
        "POST",
        "/_sandbox/faults",
        {
            "path": "conversations/send",
            "mode": "timeout",
            "count": 1,
            "delaySeconds": 5,
            "after": True,
        },
    )
    response = desk.api(
        session, "POST", f"conversations/{conversation_id}/replies", {"text": "only once"}
    )
    assert response.status_code == 200
    until(
        lambda: (
            reply_states(session, desk, conversation_id)["only once"]
            in ("sent", "delivered", "read")
        ),
        timeout=30,
    )
    received = desk.sandbox.control("GET", f"/_sandbox/conversations/{started['id']}/messages")
    assert [m["text"] for m in received["data"]] == ["only once"]


async def test_the_operator_is_told_live_when_the_window_closes(desk):
    session = desk.login("anna")
    started, conversation_id = claimed_conversation(desk, session, windowSeconds=2)
    cursor = desk.api(session, "GET", "session").json()["cursor"]
    async with connect(desk.ws_url(cursor), additional_headers=desk.ws_headers(session)) as ws:
        expired = await next_event(
            ws,
            lambda e: (
                e["type"] == "desk.conversation_expired"
                and e["data"]["conversation"]["id"] == conversation_id
            ),
        )
    assert expired["data"]["conversation"]["state"] == "expired"
    refused = desk.api(session, "POST", f"conversations/{conversation_id}/replies", {"text": "x"})
    assert refused.status_code == 409
    assert refused.json()["error"] == "window_closed"


def test_an_attachment_is_uploaded_to_the_platform_and_sent_with_the_reply(desk):
    session = desk.login("anna")
    started, conversation_id = claimed_conversation(desk, session)
    upload = session.post(
        f"{desk.url}/api/uploads",
        files={"file": ("invoice.pdf", b"%PDF-1.4 tiny", "application/pdf")},
        timeout=10,
    )
    assert upload.status_code == 200, upload.text
    attachment = upload.json()
    assert attachment["name"] == "invoice.pdf"
    assert requests.get(attachment["url"], timeout=5).content == b"%PDF-1.4 tiny"
    reply = desk.api(
        session,
        "POST",
        f"conversations/{conversation_id}/replies",
        {"text": "Your invoice", "attachments": [attachment]},
    )
    assert reply.status_code == 200, reply.text
    received = until(
        lambda: desk.sandbox.control("GET", f"/_sandbox/conversations/{started['id']}/messages")[
            "data"
        ]
    )
    assert received[0]["text"] == "Your invoice"
    assert attachment["url"] in json.dumps(received[0]["attachments"])


def test_a_file_over_ten_megabytes_is_refused_before_it_reaches_the_platform(desk):
    session = desk.login("anna")
    before = len(desk.sandbox.control("GET", "/_sandbox/requests")["data"])
    upload = session.post(
        f"{desk.url}/api/uploads",
        files={"file": ("huge.bin", b"0" * (10 * 1024 * 1024 + 1), "application/octet-stream")},
        timeout=30,
    )
    assert upload.status_code == 400
    assert "10 MB" in upload.json()["message"]
    assert len(desk.sandbox.control("GET", "/_sandbox/requests")["data"]) == before


def test_a_reply_goes_out_before_the_history_loads_of_a_burst_queued_ahead_of_it(desk):
    """The storm benchmark's functional check, small (bench/outbox.py measures 500 hand-overs):
    the platform is slow to give bot histories, a burst of hand-overs queues its loads, and an
    operator's reply is sent before them, by a reply worker that runs nothing else."""
    burst = 20
    session = desk.login("anna")
    started, conversation_id = claimed_conversation(desk, session)
    # Each load now waits for the read timeout (2 s): the loads of the burst take 40 s or more.
    desk.sandbox.control(
        "POST",
        "/_sandbox/faults",
        {"path": "conversations/messages", "mode": "timeout", "delaySeconds": 5},
    )
    try:
        dialogs = {
            desk.sandbox.control("POST", "/_sandbox/conversations", {})["id"] for _ in range(burst)
        }

        def known() -> set[str]:
            rows = desk.api(session, "GET", "conversations?state=open&limit=200").json()["data"]
            return dialogs & {c["platformId"] for c in rows}

        until(lambda: known() == dialogs, timeout=60)
        text = "Before the histories of the burst"
        answer = desk.api(
            session, "POST", f"conversations/{conversation_id}/replies", {"text": text}
        )
        assert answer.status_code == 200, answer.text
        until(lambda: reply_states(session, desk, conversation_id)[text] in DELIVERED, timeout=60)

        answered = [
            r
            for r in desk.sandbox.control("GET", "/_sandbox/requests")["data"]
            if r["path"] == "conversations/messages" and r["body"]["conversationId"] in dialogs
        ]
        assert len(answered) < burst  # most loads of the burst were still waiting
    finally:
        desk.sandbox.control("DELETE", "/_sandbox/faults")
