"""Applying batches of callbacks while operators reply to the same dialogs (PostgreSQL).

Every transaction locks its rows first and the event counter last, so a batch of callbacks
and an operator's reply can never wait for each other in a circle; and an operator's reply
waits for at most a short slice of a batch, never for the whole of it.
"""

from __future__ import annotations

import random
import sys
import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client

import callbacks.services
from callbacks.models import CallbackRecord
from callbacks.services import callback_accept, callback_receive, callbacks_apply_pending
from conversations.actions import conversation_claim
from conversations.models import Conversation, Message, MessageKind
from operators.roles import Role
from operators.services import operator_set_up
from realtime.models import Event, EventCounter
from tests.support.fixtures import handover, incoming, signed

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # SQLite runs one writer at a time (a reply waits for the database lock, and gets it when
    # its busy handler happens to look in a gap between two of the applier's transactions).
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's row locks"),
]

DIALOGS = 24
OPERATORS = 4
ROUNDS = 8


def _desk(dialogs: int, operators: int) -> dict[int, list[Conversation]]:
    """`dialogs` claimed conversations shared out among `operators` agents: {user id: theirs}."""
    users = [
        operator_set_up(username=f"op{n}", password="pw-lock-order-1", role=Role.AGENT)
        for n in range(operators)
    ]
    theirs: dict[int, list[Conversation]] = {user.pk: [] for user in users}
    for n in range(dialogs):
        callback_receive(body=signed(handover(f"lock{n}", contact_id=f"{n:024d}")))
        conversation = Conversation.objects.get(platform_id=f"lock{n}")
        user = users[n % operators]
        conversation_claim(conversation_id=conversation.pk, user=user)
        conversation.refresh_from_db()
        theirs[user.pk].append(conversation)
    return theirs


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _round(
    number: int, theirs: dict[int, list[Conversation]], batch_order: list[str]
) -> tuple[list[int], list[str]]:
    """A batch of user messages, one per dialog, applied while every operator replies to each
    of their dialogs, in the opposite order: a reply holds a dialog the batch is about to reach.
    Returns the replies' statuses and any error raised."""
    for platform_id in batch_order:
        callback_accept(body=signed(incoming(platform_id, f"user {number}")), notify=False)
    start = threading.Barrier(len(theirs) + 1)
    statuses: list[int] = []
    errors: list[str] = []

    def apply() -> None:
        try:
            start.wait()
            callbacks_apply_pending(batch=len(batch_order))
        except Exception as error:  # reported by the caller's assertion
            errors.append(repr(error))
        finally:
            connections.close_all()

    def reply(conversations: list[Conversation]) -> None:
        try:
            client = Client(raise_request_exception=False)
            client.force_login(conversations[0].assignee)
            start.wait()
            for conversation in sorted(
                conversations, key=lambda c: -batch_order.index(c.platform_id)
            ):
                response = client.post(
                    f"/api/conversations/{conversation.pk}/replies",
                    {"text": f"operator round {number}"},
                    content_type="application/json",
                )
                statuses.append(response.status_code)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=apply)]
    threads += [threading.Thread(target=reply, args=(mine,)) for mine in theirs.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses, errors


def test_batches_of_callbacks_and_operators_replying_to_the_same_dialogs_never_deadlock(
    monkeypatch,
):
    theirs = _desk(DIALOGS, OPERATORS)
    batch_order = [c.platform_id for mine in theirs.values() for c in mine]
    deadlocks_before = _deadlocks()
    # A batch that fails is rolled back and applied body by body: record why it failed.
    batch_failures: list[str] = []
    one_by_one = callbacks.services._apply_one_by_one

    def spy(record_ids):
        batch_failures.append(repr(sys.exc_info()[1]))
        return one_by_one(record_ids)

    monkeypatch.setattr(callbacks.services, "_apply_one_by_one", spy)
    statuses: list[int] = []
    errors: list[str] = []
    for number in range(ROUNDS):
        random.shuffle(batch_order)
        round_statuses, round_errors = _round(number, theirs, batch_order)
        statuses += round_statuses
        errors += round_errors

    assert errors == []
    assert batch_failures == []
    assert statuses == [200] * ROUNDS * DIALOGS, statuses
    assert CallbackRecord.objects.filter(applied_at=None).count() == 0
    # Every message has its one event, and the cursors are dense: 1..N, each used once.
    messages = Message.objects.filter(kind__in=[MessageKind.INCOMING, MessageKind.OUTGOING])
    assert messages.count() == 2 * ROUNDS * DIALOGS
    created = Event.objects.filter(type="desk.message_created")
    assert sorted(e.payload["message"]["id"] for e in created) == sorted(
        messages.values_list("id", flat=True)
    )
    cursors = list(Event.objects.order_by("id").values_list("id", flat=True))
    assert cursors == list(range(1, len(cursors) + 1))
    assert EventCounter.objects.get(pk=1).value == len(cursors)
    # PostgreSQL's own count, for a deadlock this test did not see (the statistics of the
    # backend that detected it reach pg_stat_database when that backend next reports).
    deadline = time.monotonic() + 3
    while _deadlocks() == deadlocks_before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _deadlocks() == deadlocks_before


def test_a_reply_to_a_dialog_in_a_batch_waits_for_a_slice_of_the_batch_not_the_whole(
    monkeypatch,
):
    (mine,) = _desk(1, 1).values()
    conversation = mine[0]
    for n in range(1, 41):
        callback_receive(body=signed(handover(f"lock{n}", contact_id=f"{n:024d}")))
    # The operator's dialog first in the batch, then forty others, each slow to apply.
    for n in range(41):
        callback_accept(body=signed(incoming(f"lock{n}", "a user writes")), notify=False)
    applied: list[int] = []
    first_applied = threading.Event()
    apply_record = callbacks.services._apply_record

    def slow(record):
        outcome = apply_record(record)
        time.sleep(0.01)
        applied.append(record.pk)
        first_applied.set()
        return outcome

    monkeypatch.setattr(callbacks.services, "_apply_record", slow)

    def apply() -> None:
        try:
            callbacks_apply_pending(batch=50)
        finally:
            connections.close_all()

    applier = threading.Thread(target=apply)
    applier.start()
    try:
        assert first_applied.wait(10)
        client = Client()
        client.force_login(conversation.assignee)
        response = client.post(
            f"/api/conversations/{conversation.pk}/replies",
            {"text": "answered while the batch goes on"},
            content_type="application/json",
        )
        applied_meanwhile = len(applied)
    finally:
        applier.join(timeout=60)
    assert response.status_code == 200
    # Committed while most of the batch was still to be applied.
    print(f"\nreply committed after {applied_meanwhile} of 41 bodies")
    assert applied_meanwhile < 20, applied_meanwhile
    assert len(applied) == 41
