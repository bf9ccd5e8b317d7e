"""A body delivered again: a re-delivery counts once, the same text sent again is a message.

The sandbox plays the platform over HTTP: its users write (the same text twice, if they like),
its callbacks are caught by the receiver and handed to the desk's endpoint here, as often as a
test wants (a second delivery of one body is a re-delivery whose first answer was lost), and
the desk reconciles repeats against the sandbox's `conversations/messages`.
"""

from __future__ import annotations

import contextlib
import sqlite3
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
from django_tasks_db.models import DBTaskResult

from callbacks.models import CallbackDelivery, CallbackRecord, Resolution
from callbacks.repeats import repeats_reconcile, repeats_recover_stale
from conversations.models import Message, MessageKind
from tests.support.live import until
from tests.support.live_desk import live_desk
from tests.support.proxy import Outage

pytestmark = pytest.mark.django_db


class Dialog:
    """A dialog on the sandbox whose callbacks the test relays to the desk."""

    def __init__(self, sandbox, receiver, post_callback, **start) -> None:
        self.sandbox, self.receiver, self.post = sandbox, receiver, post_callback
        self.id = sandbox.control("POST", "/_sandbox/conversations", start)["id"]
        self.handover = receiver.wait_for_kind("conversation_operator_requested")[0]

    def hand_over(self) -> None:
        assert self.post(self.handover).status_code == 200

    def writes(self, text: str) -> dict:
        """The user writes; returns the callback body the platform sent (not yet delivered)."""
        before = len(self.receiver.bodies("conversation_message_created"))
        self.sandbox.control("POST", f"/_sandbox/conversations/{self.id}/messages", {"text": text})
        return self.receiver.wait_for_kind("conversation_message_created", before + 1)[-1]

    def deliver(self, body: dict) -> str:
        response = self.post(body)
        assert response.status_code == 200, response.content
        return response.json()["outcome"]

    def texts(self) -> list[str]:
        messages = Message.objects.filter(
            conversation__platform_id=self.id, kind=MessageKind.INCOMING
        )
        return list(messages.order_by("created_at", "id").values_list("text", flat=True))


@pytest.fixture
def platform(sandbox, settings):
    settings.FROMNI_BASE_URL = sandbox.api_url
    settings.FROMNI_API_TOKEN = sandbox.token
    return sandbox


@pytest.fixture
def dialog(platform, callback_receiver, post_callback) -> Dialog:
    started = Dialog(platform, callback_receiver, post_callback)
    started.hand_over()
    return started


def queued(dialog_id: str) -> int:
    """Reconciliation tasks waiting for a worker for this dialog."""
    tasks = DBTaskResult.objects.filter(task_path__endswith="reconcile_repeats")
    return sum(1 for task in tasks if task.args_kwargs["args"] == [dialog_id])


def resolutions() -> list[str]:
    return list(
        CallbackDelivery.objects.order_by("arrived_at").values_list("resolution", flat=True)
    )


def test_the_same_text_sent_twice_is_two_messages(dialog):
    first, second = dialog.writes("ok"), dialog.writes("ok")
    assert first == second  # the platform gives no message id: one body, twice
    assert (dialog.deliver(first), dialog.deliver(second)) == ("accepted", "duplicate")
    assert dialog.texts() == ["ok"]
    assert resolutions() == [Resolution.PENDING]
    assert repeats_reconcile(conversation_platform_id=dialog.id) == 1
    assert dialog.texts() == ["ok", "ok"]
    repeat = CallbackDelivery.objects.get()
    assert (repeat.resolution, repeat.message.text) == (Resolution.MESSAGE, "ok")
    assert "lists 2" in repeat.note
    # Reconciling again changes nothing.
    assert repeats_reconcile(conversation_platform_id=dialog.id) == 0
    assert dialog.texts() == ["ok", "ok"]


def test_a_redelivery_after_the_desks_answer_was_lost_is_one_message(dialog):
    body = dialog.writes("ok")
    dialog.deliver(body)  # stored and answered; the answer never reached the platform
    assert dialog.deliver(body) == "duplicate"  # so the platform sends it again
    repeats_reconcile(conversation_platform_id=dialog.id)
    assert dialog.texts() == ["ok"]
    assert resolutions() == [Resolution.REDELIVERY]
    assert CallbackRecord.objects.get(kind="conversation_message_created").deliveries == 2


def test_both_at_once_twice_the_text_and_one_of_them_delivered_twice(dialog):
    body = dialog.writes("?")
    dialog.deliver(body)
    dialog.deliver(body)  # its answer was lost
    assert dialog.writes("?") == body  # then the user asks again
    dialog.deliver(body)
    repeats_reconcile(conversation_platform_id=dialog.id)
    assert dialog.texts() == ["?", "?"]
    assert sorted(resolutions()) == [Resolution.MESSAGE, Resolution.REDELIVERY]


def test_a_second_identical_message_takes_its_place_among_the_others(dialog):
    for text in ("ok", "where is my order?", "ok"):
        dialog.deliver(dialog.writes(text))
    repeats_reconcile(conversation_platform_id=dialog.id)
    assert dialog.texts() == ["ok", "where is my order?", "ok"]


def test_the_same_text_before_the_hand_over_is_not_counted(
    platform, callback_receiver, post_callback
):
    """The user said "yes" to the bot before the hand-over (it is in the dialog's history),
    then once to the operator, whose callback came twice: one message of the live dialog."""
    dialog = Dialog(
        platform,
        callback_receiver,
        post_callback,
        text="yes",
        history=[{"text": "yes", "out": False}, {"text": "Connecting you", "out": True}],
    )
    dialog.hand_over()
    body = dialog.writes("yes")
    dialog.deliver(body)
    dialog.deliver(body)
    repeats_reconcile(conversation_platform_id=dialog.id)
    assert dialog.texts() == ["yes"]
    assert resolutions() == [Resolution.REDELIVERY]


def test_repeats_wait_while_the_platform_cannot_be_asked_and_are_decided_after(dialog, settings):
    body = dialog.writes("ok")
    dialog.writes("ok")
    dialog.deliver(body)
    dialog.deliver(body)
    real = settings.FROMNI_BASE_URL
    settings.FROMNI_BASE_URL, settings.FROMNI_CONNECT_TIMEOUT = "http://127.0.0.1:9/user", 0.5
    assert repeats_reconcile(conversation_platform_id=dialog.id) == 0
    repeat = CallbackDelivery.objects.get()
    assert (repeat.resolution, repeat.attempts) == (Resolution.PENDING, 1)
    assert repeat.retry_after is not None and "could not be asked" in repeat.note
    # Tried again later (a task is queued for then), never dropped.
    assert queued(dialog.id) >= 2  # at the repeat's arrival, and for later
    settings.FROMNI_BASE_URL = real
    assert repeats_reconcile(conversation_platform_id=dialog.id) == 1
    assert dialog.texts() == ["ok", "ok"]


def test_repeats_wait_for_their_first_copy(platform, callback_receiver, post_callback):
    """Both deliveries of the same text overtake the hand-over: the first copy is parked, the
    repeat waits for it, and both are messages once the dialog arrives."""
    dialog = Dialog(platform, callback_receiver, post_callback)
    body = dialog.writes("hello?")
    dialog.writes("hello?")
    dialog.deliver(body)
    dialog.deliver(body)
    assert repeats_reconcile(conversation_platform_id=dialog.id) == 0
    assert "not applied yet" in CallbackDelivery.objects.get().note
    dialog.hand_over()  # replays the parked message and asks for the repeats at once
    assert queued(dialog.id) >= 3  # at the repeat, after its wait, and now
    assert repeats_reconcile(conversation_platform_id=dialog.id) == 1
    assert dialog.texts() == ["hello?", "hello?"]


def test_without_the_platforms_list_a_repeat_counts_once(dialog, platform):
    """The platform refuses to list the dialog: nothing tells the user's same text again from
    a re-delivery (the platform re-sends a body up to 8 times), so a repeat counts once, says
    why, and stays recorded."""
    thanks = dialog.writes("thanks")
    dialog.writes("thanks")
    bye = dialog.writes("bye")
    for body in (thanks, thanks, bye, bye):
        dialog.deliver(body)
    platform.control(
        "POST", "/_sandbox/faults", {"path": "conversations/messages", "mode": "bad_shape"}
    )
    assert repeats_reconcile(conversation_platform_id=dialog.id) == 2
    assert dialog.texts() == ["thanks", "bye"]
    repeats = list(CallbackDelivery.objects.values_list("resolution", "note"))
    assert [resolution for resolution, _ in repeats] == [Resolution.REDELIVERY] * 2
    assert all("did not list the dialog" in note for _, note in repeats)


def test_every_delivery_is_kept_with_when_it_came_and_was_answered(dialog, post_callback):
    from tests.support.fixtures import status_update

    body = dialog.writes("ok")
    dialog.deliver(body)
    dialog.deliver(body)
    status = status_update(dialog.id, 1, "read")
    post_callback(status)
    post_callback(status)
    repeats = list(CallbackDelivery.objects.select_related("record").order_by("pk"))
    assert [(r.record.kind, r.resolution) for r in repeats] == [
        ("conversation_message_created", Resolution.PENDING),
        # A status (or any kind but a user's message) delivered again can only be a re-delivery.
        ("conversation_message_updated", Resolution.REDELIVERY),
    ]
    for repeat in repeats:
        assert repeat.record.first_arrived_at <= repeat.record.first_received_at
        assert repeat.record.first_received_at <= repeat.arrived_at <= repeat.answered_at


def test_the_clock_requeues_repeats_whose_task_was_lost(dialog):
    body = dialog.writes("ok")
    dialog.deliver(body)
    dialog.deliver(body)
    DBTaskResult.objects.all().delete()  # the queue lost it
    assert repeats_recover_stale() == 0  # not due yet
    CallbackDelivery.objects.update(retry_after=None)
    assert repeats_recover_stale() == 1
    assert queued(dialog.id) == 1


# --- the same, through a running desk (daphne, applier, worker, clock) -------------------------


def desk_rows(database_url: str, sql: str) -> list[tuple]:
    """Rows of the running desk's own database."""
    if database_url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
            return db.execute(sql).fetchall()
    with psycopg.connect(database_url) as db:
        return db.execute(sql).fetchall()


@pytest.mark.live
def test_a_running_desk_counts_a_lost_answer_once_and_the_same_text_twice_twice():
    """The sandbox calls the desk through a link that drops the desk's answer to one callback,
    at a URL registered without its slash: the platform sends that callback again, and the
    desk shows it once; a user who then writes "ok" twice gets both."""
    with live_desk(time_scale=20) as desk:
        link = Outage(target_port=urlsplit(desk.url).port)
        sandbox = desk.sandbox
        answer = requests.post(
            f"{sandbox.api_url}/callback/set",
            json={"callbackUrl": f"http://127.0.0.1:{link.port}/fromni/callback"},
            headers={"Authorization": f"Token {sandbox.token}"},
            timeout=5,
        )
        assert answer.ok, answer.text
        desk.operator("anna")
        session = desk.login("anna")
        started = sandbox.control("POST", "/_sandbox/conversations", {"text": "Hi"})

        def queued() -> dict | None:
            rows = desk.api(session, "GET", "conversations?state=queued").json()["data"]
            return next((c for c in rows if c["platformId"] == started["id"]), None)

        conversation = until(queued, timeout=30)

        def log() -> list[dict]:
            return sandbox.control("GET", "/_sandbox/callbacks")["data"]

        until(lambda: log() and all(entry["status"] == 200 for entry in log()))
        link.lose_answers(1)
        write = f"/_sandbox/conversations/{started['id']}/messages"
        sandbox.control("POST", write, {"text": "did you get this?"})
        # No answer reached the platform, so it sent the message again, and that one got its 200.
        sent = until(
            lambda: (
                [e for e in log() if e["kind"] == "conversation_message_created"][-2:]
                if sum(e["kind"] == "conversation_message_created" for e in log()) >= 2
                else None
            ),
            timeout=30,
        )
        assert [(e["attempt"], e["status"]) for e in sent] == [(1, None), (2, 200)]
        assert link.answers_lost == 1
        sandbox.control("POST", write, {"text": "ok"})
        sandbox.control("POST", write, {"text": "ok"})

        def texts() -> list[str]:
            detail = desk.api(session, "GET", f"conversations/{conversation['id']}").json()
            return [m["text"] for m in detail["messages"] if m["kind"] == "incoming"]

        until(lambda: texts().count("ok") == 2, timeout=60)
        resolutions = until(
            lambda: (
                (rows := desk_rows(desk.database_url, RESOLUTIONS))
                and all(r != "pending" for (r,) in rows)
                and sorted(r for (r,) in rows)
            ),
            timeout=60,
        )
        assert resolutions == ["message", "redelivery"]
        assert texts() == ["did you get this?", "ok", "ok"]
        link.down()


RESOLUTIONS = "SELECT resolution FROM callbacks_callbackdelivery"
