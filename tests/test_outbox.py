"""The reply outbox against the sandbox over HTTP, run by django-tasks' own database worker:
a platform refusal is not an outage, a reply never waits behind background work.

- A refusal (the platform's error body, HTTP 500) in words the desk knows fails the reply at
  once, sent once; "Operator mode is not active" also closes the dialog's window in the desk,
  with the same event as a normal expiry. A refusal in unknown words gets two quick tries.
- An outage (a 5xx without that body, no answer) keeps the backoff schedule, never over
  DESK_SEND_RETRY_MAX_SECONDS.
- Replies have their own queue: a reply worker picks a reply before hundreds of queued history
  loads (it never runs them), and a history load never sleeps in the worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from conversations import history, outbox
from conversations.actions import conversation_claim
from conversations.history import history_enqueue
from conversations.models import Conversation, ConversationState, DeliveryState, Message
from conversations.outbox import outbox_enqueue, reply_send_attempt
from conversations.outbox_recovery import replies_requeue_unclaimed
from conversations.replies import reply_create, reply_retry
from fromni.sandbox.process import SandboxProcess
from operator_desk import queues
from operator_desk.errors import WindowClosed
from realtime.models import Event
from tests.support.admin import fault, requests_to
from tests.support.fixtures import handover
from tests.support.live import free_port

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]

NOT_ACTIVE = "Operator mode is not active for this conversation"
# The platform has the reply (the sandbox's statuses may have moved it on already).
TAKEN = (DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.READ)


@pytest.fixture
def platform(sandbox: SandboxProcess, settings) -> SandboxProcess:
    settings.FROMNI_BASE_URL = sandbox.api_url
    settings.FROMNI_API_TOKEN = sandbox.token
    settings.FROMNI_READ_TIMEOUT = 5
    # The production schedule, shrunk: 0.05 s doubling up to 0.2 s.
    settings.DESK_SEND_RETRY_BASE_SECONDS = 0.05
    settings.DESK_SEND_RETRY_MAX_SECONDS = 0.2
    settings.DESK_SEND_CHECK_DELAY = 0.05
    return sandbox


def work(queue_names: list[str], max_tasks: int | None = None) -> None:
    """What `manage.py db_worker --queue-name ... --batch` does: run the ready tasks, then stop."""
    Worker(
        queue_names=queue_names,
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def waiting(queue_names: list[str]) -> int:
    """Tasks of these queues not run yet, including those scheduled for later."""
    return DBTaskResult.objects.filter(
        queue_name__in=queue_names, status=TaskResultStatus.READY
    ).count()


def drain(queue_names: list[str], timeout: float = 30) -> None:
    """Run the worker until nothing is left to run, retries scheduled for later included."""
    deadline = time.monotonic() + timeout
    while True:
        work(queue_names)
        if not waiting(queue_names):
            return
        assert time.monotonic() < deadline, "tasks still waiting"
        time.sleep(0.05)


def sends(sandbox: SandboxProcess) -> list[dict[str, Any]]:
    """The send-message requests the platform received (refused ones included)."""
    return requests_to(sandbox, "conversations/send")


@pytest.fixture
def dialog(platform: SandboxProcess, post_callback, agent) -> Callable[..., Conversation]:
    """A dialog handed over on the platform and claimed by `agent` in the desk; the desk
    believes its window open for 10 more minutes."""

    def make(**start: Any) -> Conversation:
        started = platform.control("POST", "/_sandbox/conversations", start or {})
        assert post_callback(handover(started["id"], expires_in=600)).status_code == 200
        conversation = Conversation.objects.get(platform_id=started["id"])
        return conversation_claim(conversation_id=conversation.pk, user=agent)

    return make


def reply(conversation: Conversation, user, text: str) -> Message:
    return reply_create(conversation_id=conversation.pk, user=user, text=text)


def end_operator_mode(sandbox: SandboxProcess, conversation: Conversation) -> None:
    """The platform ends the dialog's operator mode early, and tells nobody (no callback)."""
    sandbox.control(
        "POST",
        f"/_sandbox/conversations/{conversation.platform_id}/operator-mode",
        {"isActive": False},
    )


def delivery(message: Message) -> tuple[str, str]:
    message.refresh_from_db()
    return message.delivery, message.delivery_detail


# --- a refusal is not an outage ------------------------------------------------------------------


def test_operator_mode_ended_early_fails_the_reply_at_once_sent_once(platform, dialog, agent):
    conversation = dialog()
    end_operator_mode(platform, conversation)
    message = reply(conversation, agent, "Are you still there?")

    drain([queues.REPLIES])

    assert delivery(message) == (
        DeliveryState.FAILED,
        f"The platform refused the reply: {NOT_ACTIVE}",
    )
    assert len(sends(platform)) == 1
    assert message.attempts == 1


def test_operator_mode_ended_early_closes_the_window_as_an_expiry_does(platform, dialog, agent):
    conversation = dialog()
    assert conversation.window_open()
    end_operator_mode(platform, conversation)
    first = reply(conversation, agent, "One")
    second = reply(conversation, agent, "Two")  # queued behind it, before the desk knew
    before = timezone.now()

    drain([queues.REPLIES])

    conversation.refresh_from_db()
    assert conversation.state == ConversationState.EXPIRED
    assert before <= conversation.expires_at <= timezone.now()  # corrected: closed now
    assert not conversation.operator_mode_active and not conversation.window_open()
    assert conversation.closed_at == conversation.expires_at
    # The operator's page is told exactly as at a normal expiry.
    expired = Event.objects.filter(type="desk.conversation_expired")
    assert [e.payload["conversation"]["id"] for e in expired] == [conversation.pk]
    shown = expired.get().payload["conversation"]
    assert shown["state"] == "expired" and shown["operatorModeActive"] is False
    # The second reply is not sent into a closed window; the composer refuses new ones.
    assert delivery(first)[0] == delivery(second)[0] == DeliveryState.FAILED
    assert "messaging window closed" in delivery(second)[1]
    assert [s["body"]["message"]["text"] for s in sends(platform)] == ["One"]
    with pytest.raises(WindowClosed):
        reply(conversation, agent, "Three")


@pytest.mark.parametrize(
    ("start", "spoil"),
    [
        # The desk knows a dialog the platform does not (any more).
        ({}, lambda sandbox, c: sandbox.control("POST", "/_sandbox/reset")),
        # The platform refuses the message itself.
        (
            {},
            lambda sandbox, c: fault(
                sandbox,
                "conversations/send",
                "refuse",
                message="Attachment 1 was refused: the file type is not allowed",
            ),
        ),
    ],
)
def test_every_known_refusal_fails_the_reply_with_the_platforms_words(
    platform, dialog, agent, start, spoil
):
    conversation = dialog(**start)
    spoil(platform, conversation)
    message = reply(conversation, agent, "Hello")

    drain([queues.REPLIES])

    state, detail = delivery(message)
    assert state == DeliveryState.FAILED
    assert detail.startswith("The platform refused the reply: ")
    assert detail.removeprefix("The platform refused the reply: ") in (
        "Conversation not found",
        "Attachment 1 was refused: the file type is not allowed",
    )
    assert len(sends(platform)) == 1
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.ASSIGNED  # only "not active" closes it


def test_an_unknown_refusal_gets_two_quick_tries_then_fails_and_the_operator_can_retry(
    platform, dialog, agent
):
    conversation = dialog()
    fault(platform, "conversations/send", "refuse", message="Channel is busy")
    message = reply(conversation, agent, "Hello")

    drain([queues.REPLIES])

    assert delivery(message) == (
        DeliveryState.FAILED,
        "The platform refused the reply: Channel is busy",
    )
    assert len(sends(platform)) == 3  # the first try and two quick ones, seconds apart at most

    platform.control("DELETE", "/_sandbox/faults")
    reply_retry(message_id=message.pk, user=agent)
    drain([queues.REPLIES])

    assert delivery(message)[0] in (DeliveryState.SENT, DeliveryState.DELIVERED)
    assert len(sends(platform)) == 4


@pytest.mark.parametrize(
    ("failure", "statuses"),
    [
        # A refusal in unknown words that passes: the quick retry sends it.
        ({"mode": "error500", "count": 1}, [500, 200]),
        # An outage (a proxy's 502s): retried on the schedule until the platform is back.
        ({"mode": "outage", "count": 4}, [502, 502, 502, 502, 200]),
    ],
    ids=["refusal-once", "outage"],
)
def test_a_failure_that_passes_is_retried_and_the_reply_sent(
    platform, dialog, agent, failure, statuses
):
    conversation = dialog()
    fault(platform, "conversations/send", **failure)
    message = reply(conversation, agent, "Hello")

    drain([queues.REPLIES])

    assert delivery(message)[0] in (DeliveryState.SENT, DeliveryState.DELIVERED)
    assert [s["status"] for s in sends(platform)] == statuses


def test_tries_that_found_the_platform_unreachable_do_not_count_against_the_5xx_cap(
    platform, dialog, agent, settings
):
    # DESK_SEND_MAX_ATTEMPTS caps the 5xx answers (docs/settings.md); a reply that waited out a
    # network outage is not failed by the first proxy page once the platform is back.
    settings.DESK_SEND_MAX_ATTEMPTS = 3
    conversation = dialog()
    message = reply(conversation, agent, "Hello")
    api_url = settings.FROMNI_BASE_URL
    settings.FROMNI_BASE_URL = f"http://127.0.0.1:{free_port()}/user"  # nothing listens there
    while Message.objects.get(pk=message.pk).attempts < 4:
        work([queues.REPLIES])
        time.sleep(0.05)
    assert delivery(message)[0] == DeliveryState.QUEUED

    settings.FROMNI_BASE_URL = api_url
    fault(platform, "conversations/send", "outage", count=2)
    drain([queues.REPLIES])

    assert delivery(message)[0] in (DeliveryState.SENT, DeliveryState.DELIVERED)
    assert [s["status"] for s in sends(platform)] == [502, 502, 200]


def test_the_backoff_never_exceeds_its_documented_cap(platform, dialog, agent, settings):
    settings.DESK_SEND_RETRY_BASE_SECONDS = 2.0
    settings.DESK_SEND_RETRY_MAX_SECONDS = 120.0  # the defaults (docs/settings.md)
    settings.DESK_SEND_MAX_ATTEMPTS = 10_000
    conversation = dialog()
    fault(platform, "conversations/send", "outage")
    message = reply(conversation, agent, "Hello")
    delays = []
    for attempts in [*range(0, 12), 100, 5000]:
        Message.objects.filter(pk=message.pk).update(
            attempts=attempts, delivery=DeliveryState.QUEUED
        )
        DBTaskResult.objects.all().delete()
        outbox_enqueue(message_id=message.pk)
        started = timezone.now()
        work([queues.REPLIES])
        message.refresh_from_db()
        assert message.delivery == DeliveryState.QUEUED, message.delivery_detail
        delay = (message.next_attempt_at - started).total_seconds()
        said = float(message.delivery_detail.rsplit("retrying in ", 1)[1].split(" s")[0])
        delays.append(delay)
        assert said <= 120
        assert delay <= 120 + 1  # the second: the time the attempt took
    assert max(delays) > 90  # it does reach the cap's neighbourhood


def test_a_check_the_platform_refuses_fails_the_reply_instead_of_asking_forever(
    platform, dialog, agent
):
    conversation = dialog()
    # The platform takes the message and the answer is lost: the desk asks for the dialog.
    fault(platform, "conversations/send", "drop", count=1, after=True)
    fault(platform, "conversations/messages", "refuse", message="Conversation not found")
    message = reply(conversation, agent, "Did it arrive?")

    drain([queues.REPLIES])

    state, detail = delivery(message)
    assert state == DeliveryState.FAILED
    assert "may have this reply" in detail and "Conversation not found" in detail
    checks = requests_to(platform, "conversations/messages")
    assert len(checks) == 1
    assert len(sends(platform)) == 1


# --- a dialog's replies keep their order ----------------------------------------------------------


def sent_texts(sandbox: SandboxProcess) -> list[str]:
    return [s["body"]["message"]["text"] for s in sends(sandbox)]


def test_a_reply_waits_while_an_earlier_one_of_its_dialog_may_still_be_sent(
    platform, dialog, agent
):
    conversation, other = dialog(), dialog()
    first = reply(conversation, agent, "First")
    second = reply(conversation, agent, "Second")
    elsewhere = reply(other, agent, "Another dialog")

    # A second worker takes the second reply's task while the first's is still waiting: it
    # does not overtake it. It takes what is due instead: the first, and another dialog's
    # reply, which never waits for this one; the second goes once the first is sent.
    reply_send_attempt(message_id=second.pk)
    assert sent_texts(platform) == ["First", "Another dialog", "Second"]
    reply_send_attempt(message_id=elsewhere.pk)  # its task: sent already, nothing to do
    drain([queues.REPLIES])

    assert sent_texts(platform) == ["First", "Another dialog", "Second"]
    assert delivery(first)[0] in (DeliveryState.SENT, DeliveryState.DELIVERED)
    assert delivery(second)[0] in (DeliveryState.SENT, DeliveryState.DELIVERED)


def test_the_worker_that_sent_a_reply_sends_the_ones_that_waited_in_the_same_task(
    platform, dialog, agent
):
    conversation = dialog()
    first = reply(conversation, agent, "First")
    second = reply(conversation, agent, "Second")
    third = reply(conversation, agent, "Third")
    reply_send_attempt(message_id=second.pk)  # deferred: the first is still queued
    DBTaskResult.objects.all().delete()  # no task of their own is left for the others

    reply_send_attempt(message_id=first.pk)

    assert sent_texts(platform) == ["First", "Second", "Third"]
    assert delivery(third)[0] in (DeliveryState.SENT, DeliveryState.DELIVERED)
    assert waiting([queues.REPLIES]) == 0  # no wake-up task, no worker's poll in between


def test_a_long_run_of_one_dialog_hands_its_rest_to_a_task_of_its_own(
    platform, dialog, agent, monkeypatch
):
    monkeypatch.setattr(outbox, "RUN", 2)
    conversation = dialog()
    texts = ["One", "Two", "Three", "Four"]
    replies = [reply(conversation, agent, text) for text in texts]
    DBTaskResult.objects.all().delete()

    reply_send_attempt(message_id=replies[0].pk)

    assert sent_texts(platform) == texts[:2]  # another dialog's reply may go in between
    assert waiting([queues.REPLIES]) == 1
    drain([queues.REPLIES])
    assert sent_texts(platform) == texts


def test_an_earlier_reply_that_fails_lets_the_next_go(platform, dialog, agent):
    conversation = dialog()
    fault(platform, "conversations/send", "refuse", message="Conversation not found", count=1)
    first = reply(conversation, agent, "First")
    second = reply(conversation, agent, "Second")
    reply_send_attempt(message_id=second.pk)
    DBTaskResult.objects.all().delete()

    reply_send_attempt(message_id=first.pk)

    assert delivery(first)[0] == DeliveryState.FAILED
    drain([queues.REPLIES])
    assert sent_texts(platform) == ["First", "Second"]  # refused, then sent
    assert delivery(second)[0] in (DeliveryState.SENT, DeliveryState.DELIVERED)


def test_a_reply_waiting_its_turn_is_not_taken_for_a_lost_task(platform, dialog, agent):
    conversation = dialog()
    fault(platform, "conversations/send", "outage")
    first = reply(conversation, agent, "First")
    second = reply(conversation, agent, "Second")
    work([queues.REPLIES], max_tasks=2)  # the first is in its backoff, the second waits
    assert delivery(first)[0] == DeliveryState.QUEUED and first.next_attempt_at is not None
    assert delivery(second) == (DeliveryState.QUEUED, "")
    old = timezone.now() - timedelta(minutes=10)
    Message.objects.filter(pk__in=[first.pk, second.pk]).update(
        created_at=old, next_attempt_at=None
    )
    Message.objects.filter(pk=first.pk).update(next_attempt_at=old)

    assert replies_requeue_unclaimed(older_than=timedelta(minutes=1)) == 1  # the first only


# --- a worker sends a batch: the database's work is paid per batch, not per reply --------------


def test_one_task_sends_the_due_replies_of_several_dialogs_and_drops_their_tasks(
    platform, dialog, agent
):
    texts = [f"Reply {n}" for n in range(3)]
    for text in texts:
        reply(dialog(), agent, text)
    assert waiting([queues.REPLIES]) == 3

    work([queues.REPLIES], max_tasks=1)

    assert sent_texts(platform) == texts
    assert waiting([queues.REPLIES]) == 0  # no task left to claim, run and record for nothing
    ran = DBTaskResult.objects.filter(queue_name=queues.REPLIES)
    assert list(ran.values_list("status", flat=True)) == [TaskResultStatus.SUCCESSFUL]


def test_a_worker_spends_a_few_statements_per_reply_not_a_few_dozen(platform, dialog, agent):
    # Each statement is a round trip to the database; a raw send is one HTTP request. A reply
    # was about 20 (django-tasks' claim and result, the claim, the answer, an author read for
    # each event): bench 5's trace, docs/benchmarks.md.
    dialogs = [dialog() for _ in range(10)]
    for n in range(2):
        for conversation in dialogs:
            reply(conversation, agent, f"{conversation.pk} {n}")

    with CaptureQueriesContext(connection) as statements:
        work([queues.REPLIES])

    assert len(sends(platform)) == 20
    print(f"{len(statements) / 20:.2f} statements per reply")
    assert len(statements) / 20 <= 4, "\n".join(q["sql"][:120] for q in statements)


def test_the_rest_of_a_batch_goes_back_to_the_queue_when_the_platform_does_not_answer(
    platform, dialog, agent
):
    # The platform takes the first reply and its answer is lost: that one is checked; the
    # batch's others were never sent, so they are queued again as they were (not an attempt)
    # and sent after it, each once, instead of waiting in `sending` behind a hanging platform.
    fault(platform, "conversations/send", "drop", count=1, after=True)
    replies = [reply(dialog(), agent, f"Reply {n}") for n in range(3)]

    work([queues.REPLIES], max_tasks=1)

    assert delivery(replies[0])[0] == DeliveryState.CHECKING
    for message in replies[1:]:
        assert delivery(message)[0] in TAKEN
        assert message.attempts == 1
    drain([queues.REPLIES])
    assert delivery(replies[0])[0] in TAKEN
    assert sorted(sent_texts(platform)) == ["Reply 0", "Reply 1", "Reply 2"]


# --- replies before background work ---------------------------------------------------------------


def test_a_reply_worker_picks_a_reply_before_hundreds_of_history_loads(platform, dialog, agent):
    conversation = dialog()
    # A burst of hand-overs whose history the platform cannot give: their loads are queued
    # first, and stay queued (the background worker is busy elsewhere).
    fault(platform, "conversations/messages", "outage")
    for _ in range(300):
        history_enqueue(conversation_id=conversation.pk)
    loads = waiting([queues.BACKGROUND, queues.LEGACY])
    assert loads >= 300
    message = reply(conversation, agent, "Still here")

    work([queues.REPLIES], max_tasks=1)  # a reply worker's next task

    assert delivery(message)[0] in (DeliveryState.SENT, DeliveryState.DELIVERED)
    assert waiting([queues.BACKGROUND, queues.LEGACY]) == loads  # it ran none of them
    assert len(sends(platform)) == 1


def test_a_background_worker_never_sends_a_reply(platform, dialog, agent):
    conversation = dialog()
    message = reply(conversation, agent, "Hello")

    drain([queues.BACKGROUND, queues.LEGACY])

    assert delivery(message)[0] == DeliveryState.QUEUED
    assert sends(platform) == []


def test_a_history_load_makes_one_request_and_schedules_its_retry(platform, dialog):
    conversation = dialog()
    fault(platform, "conversations/messages", "outage")
    DBTaskResult.objects.all().delete()
    history_enqueue(conversation_id=conversation.pk)
    started = time.monotonic()

    work([queues.BACKGROUND], max_tasks=1)

    assert time.monotonic() - started < 2  # no client retries slept in the worker
    loads = requests_to(platform, "conversations/messages")
    assert len(loads) == 1
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert retry.queue_name == queues.BACKGROUND
    assert retry.args_kwargs["args"] == [conversation.pk, 2]
    assert retry.run_after > timezone.now() + timedelta(seconds=0.5)


def test_history_loads_end_after_their_attempts(platform, dialog, settings):
    conversation = dialog()
    fault(platform, "conversations/messages", "outage")
    DBTaskResult.objects.all().delete()
    history_enqueue(conversation_id=conversation.pk, attempt=history.ATTEMPTS - 1)
    work([queues.BACKGROUND])  # attempt ATTEMPTS - 1 fails and queues the last one
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())
    work([queues.BACKGROUND])  # the last attempt fails and queues nothing

    assert waiting([queues.BACKGROUND, queues.LEGACY]) == 0
