"""The sandbox's control API: faults in every mode, reset, operator windows, platform-side
contact changes and merges, and the request and callback logs."""

from __future__ import annotations

import re
import time

import pytest
import requests

from fromni.sandbox.faults import INJECTED_ERROR

pytestmark = pytest.mark.sandbox


def fault(sandbox, **spec) -> None:
    assert sandbox.control("POST", "faults", spec) == {"ok": True}


def call(sandbox, path: str, body: object = None, timeout: float = 5) -> requests.Response:
    # A fresh connection each time: a dropped one must not poison a pool.
    headers = {"Authorization": f"Token {sandbox.token}"}
    return requests.post(
        f"{sandbox.api_url}/{path}", json=body or {}, headers=headers, timeout=timeout
    )


# --- faults ---------------------------------------------------------------------------------


def test_error500_for_count_calls_then_normal(sandbox):
    fault(sandbox, path="variables/list", mode="error500", count=2)
    answers = [call(sandbox, "variables/list") for _ in range(3)]
    assert [a.status_code for a in answers] == [500, 500, 200]
    assert answers[0].json()["result"] == "error" and answers[0].json()["message"]
    assert call(sandbox, "template2/list").status_code == 200  # other paths untouched


def test_refuse_answers_the_platforms_error_body_with_the_given_words(sandbox):
    fault(sandbox, path="conversations/send", mode="refuse", message="Channel is busy", count=1)
    answer = call(sandbox, "conversations/send", {"conversationId": "x", "message": {}})
    assert answer.status_code == 500
    assert answer.json() == {"result": "error", "message": "Channel is busy"}


@pytest.mark.parametrize(("status", "title"), [(None, "502 Bad Gateway"), (503, "503 Service")])
def test_outage_answers_a_proxys_page_without_the_platforms_body(sandbox, status, title):
    spec = {"count": 1} if status is None else {"count": 1, "status": status}
    fault(sandbox, path="variables/list", mode="outage", **spec)
    answer = call(sandbox, "variables/list")
    assert answer.status_code == (status or 502)
    assert answer.headers["Content-Type"].startswith("text/html") and title in answer.text
    assert call(sandbox, "variables/list").status_code == 200


def test_drop_closes_the_connection_without_an_answer(sandbox):
    fault(sandbox, path="contacts", mode="drop", count=1)
    with pytest.raises(requests.ConnectionError):
        call(sandbox, "contacts")
    assert call(sandbox, "contacts").status_code == 200


def test_timeout_answers_late(sandbox):
    fault(sandbox, path="contacts", mode="timeout", delaySeconds=1, count=1)
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        call(sandbox, "contacts", timeout=0.3)
    assert time.monotonic() - started < 1
    fault(sandbox, path="variables/list", mode="timeout", delaySeconds=0.3, count=1)
    started = time.monotonic()
    assert call(sandbox, "variables/list").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_not_json_answers_html_with_200(sandbox):
    fault(sandbox, path="contacts/get", mode="not_json", count=1)
    answer = call(sandbox, "contacts/get", {"id": "x"})
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        answer.json()


def test_bad_shape_answers_success_with_nonsense(sandbox):
    fault(sandbox, path="conversations/list", mode="bad_shape", count=1)
    assert call(sandbox, "conversations/list").json() == {"result": "success", "data": 42}


def test_star_matches_every_path_until_cleared(sandbox):
    fault(sandbox, path="*", mode="error500")
    assert {
        call(sandbox, p).status_code for p in ("contacts", "template2/list", "events/list")
    } == {500}
    assert sandbox.control("DELETE", "faults") == {"ok": True}
    assert call(sandbox, "contacts").status_code == 200


def test_without_after_the_call_does_not_take_effect(sandbox):
    conv = sandbox.control("POST", "conversations", {})
    fault(sandbox, path="conversations/send", mode="error500", count=1)
    send = {"conversationId": conv["id"], "message": {"text": "lost"}}
    assert call(sandbox, "conversations/send", send).status_code == 500
    assert sandbox.control("GET", f"conversations/{conv['id']}/messages")["data"] == []


# What each mode answers a send that took effect: (status, content type, body).
PLATFORM_ERROR = {"result": "error", "message": INJECTED_ERROR}
SPOILED_ANSWERS = {
    "error500": (500, "application/json", PLATFORM_ERROR),
    "refuse": (500, "application/json", PLATFORM_ERROR),
    "outage": (502, "text/html", "502 Bad Gateway"),
    "not_json": (200, "text/html", "502 Bad Gateway"),
    "bad_shape": (200, "application/json", {"result": "success", "data": 42}),
}


def answered(response: requests.Response) -> tuple[int, str, object]:
    content_type = response.headers["Content-Type"].split(";")[0]
    if content_type == "application/json":
        return response.status_code, content_type, response.json()
    title = re.search(r"<h1>([^<]*)</h1>", response.text)
    return response.status_code, content_type, title and title.group(1)


@pytest.mark.parametrize("mode", ["drop", *SPOILED_ANSWERS])
def test_after_means_the_send_happened_but_the_answer_is_spoiled(sandbox, mode):
    conv = sandbox.control("POST", "conversations", {})
    fault(sandbox, path="conversations/send", mode=mode, count=1, after=True)
    send = {"conversationId": conv["id"], "message": {"text": "did it go?"}}
    if mode == "drop":
        with pytest.raises(requests.ConnectionError):
            call(sandbox, "conversations/send", send)
    else:
        assert answered(call(sandbox, "conversations/send", send)) == SPOILED_ANSWERS[mode]
    received = sandbox.control("GET", f"conversations/{conv['id']}/messages")["data"]
    assert [m["text"] for m in received] == ["did it go?"]


@pytest.mark.parametrize(
    "spec",
    [
        {"path": "no/such/method", "mode": "error500"},
        {"path": "contacts", "mode": "explode"},
        {"path": "contacts", "mode": "timeout", "count": 0},
        {"path": "contacts", "mode": "timeout", "delaySeconds": -1},
        {"path": "contacts", "mode": "refuse", "message": ""},
        {"path": "contacts", "mode": "refuse", "message": 5},
        {"path": "contacts", "mode": "outage", "status": 404},
        {"path": "contacts", "mode": "outage", "status": "502"},
    ],
)
def test_bad_fault_is_refused(sandbox, spec):
    answer = requests.post(f"{sandbox.base_url}/_sandbox/faults", json=spec, timeout=5)
    assert answer.status_code == 400 and answer.json()["ok"] is False


# --- reset, logs ----------------------------------------------------------------------------


def test_reset_forgets_everything_since_start(sandbox, sandbox_api, callback_receiver):
    seeded = sandbox_api.ok("contacts")["total"]
    variables = sandbox_api.ok("variables/list")["data"]
    sandbox.control("POST", "conversations", {})
    sandbox_api.ok("contacts/create", [{"phone": "+79990000000"}])
    sandbox_api.ok("variables/create", {"name": "Tier"})
    sandbox_api.ok("callback/set", {"callbackUrl": "http://127.0.0.1:9/x", "secret": "other"})
    fault(sandbox, path="template2/list", mode="error500")
    callback_receiver.wait_for_kind("conversation_operator_requested")

    assert sandbox.control("POST", "reset") == {"ok": True}
    assert sandbox_api.ok("conversations/list")["data"] == []
    assert sandbox_api.ok("contacts")["total"] == seeded
    assert sandbox_api.ok("variables/list")["data"] == variables  # same ids as at start
    assert sandbox_api.ok("callback/get") == {
        "result": "success",
        "callbackUrl": sandbox.callback_url,
        "secret": sandbox.secret,
    }
    assert call(sandbox, "template2/list").status_code == 200
    assert sandbox.control("GET", "callbacks")["data"] == []
    assert [r["path"] for r in sandbox.control("GET", "requests")["data"]] == [
        "conversations/list",
        "contacts",
        "variables/list",
        "callback/get",
        "template2/list",
    ]


def test_a_call_held_across_a_reset_neither_takes_effect_nor_is_logged(sandbox, sandbox_api):
    seeded = sandbox_api.ok("contacts")["total"]
    fault(sandbox, path="contacts/create", mode="timeout", delaySeconds=0.5, count=1)
    with pytest.raises(requests.ReadTimeout):
        call(sandbox, "contacts/create", [{"phone": "+79990001122"}], timeout=0.1)
    assert sandbox.control("POST", "reset") == {"ok": True}
    time.sleep(0.8)  # the held call has woken up by now
    assert sandbox_api.ok("contacts")["total"] == seeded
    assert [r["path"] for r in sandbox.control("GET", "requests")["data"]] == ["contacts"]


def test_request_log_records_path_body_status(sandbox, sandbox_api):
    sandbox_api.ok("contacts/get", {"id": next_contact(sandbox_api)})
    sandbox_api("contacts/get", {"id": "nope"})
    requests.post(f"{sandbox.api_url}/contacts", data="x", timeout=5)
    log = sandbox.control("GET", "requests")["data"]
    assert [(r["path"], r["status"]) for r in log][-3:] == [
        ("contacts/get", 200),
        ("contacts/get", 500),
        ("contacts", 401),
    ]
    assert log[-2]["body"] == {"id": "nope"} and log[-1]["body"] == "x" and log[-1]["at"]


def next_contact(sandbox_api) -> str:
    return sandbox_api.ok("contacts", {"limit": 1})["data"][0]["id"]


def test_callback_log_lists_attempts(sandbox):
    sandbox.control("POST", "conversations", {})
    # The attempt is logged once the desk's answer is in, so a moment after the desk saw it.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        log = sandbox.control("GET", "callbacks")["data"]
        entry = next((a for a in log if a["kind"] == "conversation_operator_requested"), None)
        if entry:
            break
        time.sleep(0.02)
    else:
        pytest.fail("no attempt logged")
    assert {"seq", "kind", "attempt", "at", "status", "error", "body"} == set(entry)
    assert entry["attempt"] == 1 and entry["status"] == 200 and entry["error"] is None
    assert entry["body"]["secret"] == sandbox.secret


# --- dialogs and contacts driven by the platform ----------------------------------------------


def test_open_conversation_options(sandbox, sandbox_api):
    opened = sandbox.control(
        "POST",
        "conversations",
        {
            "connectionId": 2,
            "contact": {"phone": "+79990001122", "telegramId": 5},
            "history": [
                {"text": "a", "out": False},
                {"text": "b", "out": True},
                {"text": "c", "out": False},
            ],
            "windowSeconds": 5,
        },
    )
    assert opened["connectionId"] == 2
    contact = sandbox_api.ok("contacts/get", {"id": opened["contactId"]})
    assert contact["phone"] == "+79990001122" and contact["telegramId"] == 5
    history = sandbox_api.ok("conversations/messages", {"conversationId": opened["id"]})["data"]
    assert [(m["text"], m["out"]) for m in history] == [("a", False), ("b", True), ("c", False)]
    listed = sandbox_api.ok("conversations/list")["data"][0]
    assert listed["operatorMode"]["expiresAt"] == opened["expiresAt"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"connectionId": 999}, 404),
        ({"channel": "carrier-pigeon"}, 404),
        ({"channel": "vk", "connectionId": 1}, 400),
        ({"contact": {"id": "5f3cd834e8aadd00137359aa"}}, 404),
        ({"history": "hello"}, 400),
        ({"windowSeconds": -5}, 400),
    ],
)
def test_open_conversation_refuses_bad_input(sandbox, body, status):
    answer = requests.post(f"{sandbox.base_url}/_sandbox/conversations", json=body, timeout=5)
    assert answer.status_code == status, answer.text


def test_existing_contact_is_reused_by_identifier(sandbox, callback_receiver):
    first = sandbox.control("POST", "conversations", {"contact": {"phone": "+79990000000"}})
    again = sandbox.control("POST", "conversations", {"contact": {"phone": "79990000000"}})
    assert first["contactId"] == again["contactId"]
    by_id = sandbox.control("POST", "conversations", {"contact": {"id": first["contactId"]}})
    assert by_id["contactId"] == first["contactId"]
    callback_receiver.wait_for_kind("conversation_operator_requested", 3)
    callback_receiver.wait_for_kind("contact_created")
    assert len(callback_receiver.bodies("contact_created")) == 1


def test_operator_mode_can_be_reopened(sandbox, sandbox_api):
    conv = sandbox.control("POST", "conversations", {})
    sandbox.control("POST", f"conversations/{conv['id']}/operator-mode", {"expiresInSeconds": 0})
    mode = sandbox.control(
        "POST",
        f"conversations/{conv['id']}/operator-mode",
        {"isActive": True, "expiresInSeconds": 60},
    )["operatorMode"]
    assert mode["isActive"] is True
    sandbox_api.ok(
        "conversations/send", {"conversationId": conv["id"], "message": {"text": "back"}}
    )


def test_platform_contact_update_sends_the_whole_contact(sandbox, sandbox_api, callback_receiver):
    contact = sandbox_api.ok("contacts/create", [{"phone": "+79990000000"}])["data"][0]
    changed = sandbox.control(
        "POST", f"contacts/{contact['id']}/update", {"fb": {"name": "Ann"}, "fbId": 7}
    )
    assert (
        changed["contact"]["fbId"] == 7 and changed["contact"]["updatedAt"] >= contact["updatedAt"]
    )
    update = callback_receiver.wait_for_kind("contact_updated")[-1]["data"]
    assert update["phone"] == "+79990000000" and update["fb"] == {"name": "Ann"}


def test_merge_moves_dialogs_to_the_preserved_contact(sandbox, sandbox_api, callback_receiver):
    kept = sandbox.control("POST", "conversations", {"channel": "telegram"})
    gone = sandbox.control("POST", "conversations", {"channel": "vk"})
    assert sandbox.control(
        "POST", "contacts/merge", {"preservedId": kept["contactId"], "deletedId": gone["contactId"]}
    ) == {"ok": True}
    merged = callback_receiver.wait_for_kind("contact_merged")[0]["data"]
    assert merged["preservedContact"]["id"] == kept["contactId"]
    assert merged["deletedContact"]["id"] == gone["contactId"]
    assert merged["preservedContact"]["vkId"] and merged["preservedContact"]["telegramId"]
    owners = {c["id"]: c["contact"]["id"] for c in sandbox_api.ok("conversations/list")["data"]}
    assert owners == {kept["id"]: kept["contactId"], gone["id"]: kept["contactId"]}
    sandbox_api.error("contacts/get", {"id": gone["contactId"]})


def test_control_routes(sandbox):
    assert sandbox.control("GET", "health") == {"ok": True}
    assert requests.get(f"{sandbox.base_url}/_sandbox/nothing", timeout=5).status_code == 404
    assert requests.get(f"{sandbox.base_url}/_sandbox/reset", timeout=5).status_code == 405
    bad = requests.post(f"{sandbox.base_url}/_sandbox/faults", data="{", timeout=5)
    assert bad.status_code == 400
    unknown = requests.post(
        f"{sandbox.base_url}/_sandbox/conversations/nope/messages", json={"text": "x"}, timeout=5
    )
    assert unknown.status_code == 404


# --- the demo's showcase --------------------------------------------------------------------


def test_showcase_launches_campaigns_and_notifications_whose_callbacks_follow(
    sandbox, sandbox_api, callback_receiver
):
    played = sandbox.control("POST", "showcase")
    assert len(played["campaigns"]) == 3 and len(played["notifications"]) == 4

    listed = {c["id"]: c for c in sandbox_api.ok("campaigns/list")["data"]}
    assert set(played["campaigns"]) <= set(listed)
    assert {listed[i]["name"] for i in played["campaigns"]} == {
        "Заказ отправлен — декабрь",
        "Order shipped, SMS fallback",
        "Напоминание о визите",
    }
    completed = callback_receiver.wait_for_kind("campaign_completed", count=3, timeout=10)
    assert {body["data"]["id"] for body in completed} == set(played["campaigns"])
    sms = next(b["data"] for b in completed if b["data"]["name"] == "Order shipped, SMS fallback")
    assert sorted(doc["status"] for doc in sms["docs"]) == ["delivered", "delivered", "undelivered"]

    updates = callback_receiver.wait_for_kind("notification_message_updated", count=4, timeout=10)
    outcome = {body["data"]["id"]: body["data"]["status"] for body in updates}
    assert set(outcome) == set(played["notifications"])
    # Three reach a contact's channel; the phone nobody has on Telegram is an error.
    assert sorted(outcome.values()) == ["delivered", "delivered", "delivered", "error"]
