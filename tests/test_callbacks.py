"""POST /fromni/callback/: every kind applied once, whatever the repetition and order."""

import json
import random
import threading

import pytest

from callbacks.models import CallbackRecord
from callbacks.services import callbacks_apply_pending
from contacts.models import Contact
from conversations.models import Conversation, ConversationState, DeliveryState, Message
from outreach.models import Campaign, Notification
from realtime.models import Event
from tests.support.fixtures import handover, incoming, sample, signed, status_update

pytestmark = pytest.mark.django_db

KINDS = [
    "conversation_operator_requested",
    "conversation_message_created",
    "conversation_message_updated",
    "contact_created",
    "contact_updated",
    "contact_merged",
    "campaign_completed",
    "notification_message_updated",
]


def counts() -> dict[str, int]:
    return {
        "records": CallbackRecord.objects.count(),
        "contacts": Contact.objects.count(),
        "conversations": Conversation.objects.count(),
        "messages": Message.objects.count(),
        "campaigns": Campaign.objects.count(),
        "notifications": Notification.objects.count(),
        "events": Event.objects.count(),
    }


@pytest.mark.parametrize("kind", KINDS)
def test_every_sample_is_acknowledged_and_recorded_once(post_callback, kind):
    response = post_callback(sample(kind))
    assert response.status_code == 200, response.content
    assert response.json() == {"ok": True, "outcome": "accepted"}
    assert CallbackRecord.objects.get().kind == kind
    for _ in range(7):
        assert post_callback(sample(kind)).json()["outcome"] == "duplicate"
    record = CallbackRecord.objects.get()
    assert record.deliveries == 8
    assert "secret" not in record.body


def test_sample_hand_over_of_an_expired_window_lands_in_expired(post_callback):
    post_callback(sample("conversation_operator_requested"))
    conversation = Conversation.objects.get()
    assert conversation.state == ConversationState.EXPIRED
    assert conversation.contact.platform_id == "5f3cd6d49ed4e10013083db0"
    assert conversation.connection.platform_id == 1
    assert conversation.channel == "whatsapp"


def test_a_stream_delivered_eight_times_in_shuffled_order_has_one_effect_each(post_callback):
    bodies = [handover("c1"), handover("c2", contact_id="5f3cd6d49ed4e10013083db1")]
    bodies += [incoming("c1", f"message {n}") for n in range(5)]
    bodies += [incoming("c2", "other dialog")]
    updated = sample("contact_updated")
    bodies += [updated]
    deliveries = [body for body in bodies for _ in range(8)]
    random.Random(7).shuffle(deliveries)
    for body in deliveries:
        assert post_callback(body).status_code == 200
    assert Conversation.objects.count() == 2
    texts = sorted(
        Message.objects.filter(conversation__platform_id="c1").values_list("text", flat=True)
    )
    assert texts == [f"message {n}" for n in range(5)]
    assert Message.objects.filter(conversation__platform_id="c2").count() == 1
    assert CallbackRecord.objects.count() == len(bodies)
    assert sum(CallbackRecord.objects.values_list("deliveries", flat=True)) == len(deliveries)
    assert not CallbackRecord.objects.filter(applied_at=None, known=True).exists()


def test_a_message_that_overtakes_its_hand_over_is_parked_then_applied(post_callback):
    assert post_callback(incoming("early", "I was first")).json()["outcome"] == "accepted"
    assert CallbackRecord.objects.get().waiting_for == "conversation:early"
    assert not Message.objects.exists()
    post_callback(handover("early"))
    message = Message.objects.get()
    assert message.text == "I was first"
    assert message.conversation.platform_id == "early"
    assert CallbackRecord.objects.filter(waiting_for="", applied_at__isnull=False).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_message_applied_while_its_hand_over_commits_is_never_left_parked():
    """The message looks for its dialog without a lock first. Here it looks while the hand-over
    has created the dialog and replayed what was parked, but not committed: it must wait for
    the hand-over's lock and look again, not park itself where nothing would replay it."""
    from django.db import connection, transaction

    from callbacks.services import (
        callback_accept,
        callbacks_apply_pending,
        callbacks_replay,
        conversation_key,
    )
    from conversations.inbound import conversation_handover
    from fromni.callbacks import parse_callback
    from operator_desk.db import named_lock

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: nothing to interleave")
    callback_accept(body=incoming("racing", "while you commit"), notify=False)
    created, finish = threading.Event(), threading.Event()

    def hand_over() -> None:
        try:
            with transaction.atomic():
                named_lock(conversation_key("racing"))
                conversation_handover(data=parse_callback(handover("racing")).data)
                callbacks_replay(waiting_for=conversation_key("racing"))
                created.set()
                finish.wait(10)
        finally:
            connection.close()

    def apply() -> None:
        try:
            callbacks_apply_pending()
        finally:
            connection.close()

    provider = threading.Thread(target=hand_over)
    provider.start()
    assert created.wait(10)
    dependent = threading.Thread(target=apply)
    dependent.start()
    dependent.join(0.5)  # it has looked, found nothing committed, and waits for the lock
    finish.set()
    provider.join(10)
    dependent.join(10)
    record = CallbackRecord.objects.get(kind="conversation_message_created")
    assert (record.waiting_for, record.applied_at is not None) == ("", True)
    assert Message.objects.get(kind="incoming").text == "while you commit"


def test_wrong_or_missing_secret_is_403_and_stores_nothing(post_callback):
    before = counts()
    assert post_callback(handover(), secret="wrong").status_code == 403
    body = json.dumps(handover())  # no secret at all
    assert post_callback(None, raw=body.encode()).status_code == 403
    assert post_callback(handover(), secret="").status_code == 403
    assert counts() == before


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"not json", 400),
        (b"[1, 2]", 400),
        (b'"text"', 400),
        (b"\xff\xfe", 400),
    ],
)
def test_bodies_that_are_not_json_objects_are_400_and_store_nothing(post_callback, raw, status):
    before = counts()
    assert post_callback(None, raw=raw).status_code == status
    assert counts() == before


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b["data"].pop("id"),
        lambda b: b["data"].pop("operatorMode"),
        lambda b: b["data"]["contact"].pop("id"),
        lambda b: b["data"]["operatorMode"].update(expiresAt="not a date"),
        lambda b: b.pop("data"),
        lambda b: b.update(data=[]),
    ],
)
def test_a_hand_over_with_missing_or_mistyped_fields_is_400_and_stores_nothing(
    post_callback, mutate
):
    body = handover()
    mutate(body)
    before = counts()
    response = post_callback(body)
    assert response.status_code == 400
    assert response.json()["message"].startswith("conversation_operator_requested")
    assert counts() == before


@pytest.mark.parametrize(
    "body",
    [
        {"name": "conversation_message_created", "data": {"message": {"text": "x"}}},
        {"name": "conversation_message_updated", "data": {"conversationId": "c", "messageId": 1}},
        {"type": "contact_created", "data": {"id": "not a list"}},
        {"type": "contact_updated", "data": {"phone": "+7"}},
        {"type": "contact_merged", "data": {"preservedContact": {"id": "a"}}},
        {"type": "notification_message_updated", "data": {"status": "read"}},
        {"type": "campaign_completed", "data": {}},
        {"data": {}},
    ],
)
def test_other_malformed_kinds_are_400_and_store_nothing(post_callback, body):
    before = counts()
    assert post_callback(body).status_code == 400
    assert counts() == before


def test_an_oversize_body_is_413_and_stores_nothing(post_callback):
    body = incoming(text="x" * (1024 * 1024 + 10))
    before = counts()
    assert post_callback(body).status_code == 413
    assert counts() == before


def test_an_unknown_kind_is_acknowledged_and_kept_for_inspection(post_callback):
    response = post_callback({"type": "deal_created", "data": {"id": "d1"}})
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    record = CallbackRecord.objects.get()
    assert (record.kind, record.known) == ("deal_created", False)
    assert record.body["data"] == {"id": "d1"}


def test_only_post_is_accepted(client):
    assert client.get("/fromni/callback/").status_code == 405


def test_a_later_hand_over_of_a_closed_dialog_queues_it_again(post_callback):
    post_callback(handover("again", expires_in=60))
    Conversation.objects.filter(platform_id="again").update(state=ConversationState.CLOSED)
    post_callback(handover("again", expires_in=600))
    conversation = Conversation.objects.get(platform_id="again")
    assert conversation.state == ConversationState.QUEUED
    # An older hand-over arriving late changes nothing.
    post_callback(handover("again", expires_in=30))
    assert Conversation.objects.get(platform_id="again").expires_at == conversation.expires_at


def test_statuses_move_forward_only_and_early_ones_wait_for_the_send_answer(post_callback, agent):
    from conversations.outbox import reply_sent

    post_callback(handover("d"))
    conversation = Conversation.objects.get(platform_id="d")
    reply = Message.objects.create(
        conversation=conversation, kind="outgoing", text="hi", delivery=DeliveryState.SENDING
    )
    # The platform's statuses overtake the answer to send-message: they wait.
    post_callback(status_update("d", 7, "read"))
    post_callback(status_update("d", 7, "delivered"))
    assert CallbackRecord.objects.filter(waiting_for="message:d:7").count() == 2
    reply_sent(message_id=reply.pk, platform_message_id="7", status="sent")
    # Storing the id releases them to the applier (callbacks/release.py), once each...
    released = CallbackRecord.objects.filter(kind="conversation_message_updated", applied_at=None)
    assert list(released.values_list("waiting_for", flat=True)) == ["", ""]
    # ...which applies them in arrival order, as the applier thread does after the commit.
    callbacks_apply_pending()
    assert not released.exists()
    reply.refresh_from_db()
    assert (reply.platform_message_id, reply.delivery) == ("7", DeliveryState.READ)
    # A late "delivered" never moves it back.
    post_callback(status_update("d", 7, "delivered"))
    reply.refresh_from_db()
    assert reply.delivery == DeliveryState.READ


def test_a_stale_contact_update_never_overwrites_newer_data(post_callback):
    newer = sample("contact_updated")
    newer["data"].update(phone="+70000000002", updatedAt="2021-05-01T00:00:00.000Z")
    older = sample("contact_updated")
    older["data"].update(phone="+70000000001", updatedAt="2021-04-01T00:00:00.000Z")
    post_callback(newer)
    post_callback(older)
    assert Contact.objects.get().phone == "+70000000002"


def test_a_merge_moves_conversations_and_the_old_id_resolves_to_the_survivor(post_callback):
    post_callback(handover("keep", contact_id="a" * 24))
    post_callback(handover("move", contact_id="b" * 24))
    body = sample("contact_merged")
    body["data"]["preservedContact"]["id"] = "a" * 24
    body["data"]["deletedContact"]["id"] = "b" * 24
    for _ in range(3):
        post_callback(body)
    survivor = Contact.objects.get(platform_id="a" * 24)
    assert set(survivor.conversations.values_list("platform_id", flat=True)) == {"keep", "move"}
    deleted = Contact.objects.get(platform_id="b" * 24)
    assert deleted.merged_into == survivor
    # A hand-over naming the deleted contact, arriving late, lands on the survivor.
    post_callback(handover("late", contact_id="b" * 24))
    assert Conversation.objects.get(platform_id="late").contact == survivor
    assert Event.objects.filter(type="desk.contact_merged").count() == 1


def test_notification_statuses_keep_the_latest(post_callback):
    body = sample("notification_message_updated")
    delivered = {**body, "data": {**body["data"], "status": "delivered"}}
    read = {**body, "data": {**body["data"], "status": "read"}}
    post_callback(read)
    post_callback(delivered)
    assert Notification.objects.get().status == "read"


def test_the_acknowledgement_only_stores_and_the_applier_applies(client):
    from callbacks.services import callbacks_apply_pending
    from tests.support.fixtures import signed

    response = client.post(
        "/fromni/callback/", json.dumps(signed(handover("later"))), content_type="application/json"
    )
    assert response.json()["outcome"] == "accepted"
    record = CallbackRecord.objects.get()
    assert record.applied_at is None
    assert not Conversation.objects.exists()
    assert callbacks_apply_pending() == 1
    record.refresh_from_db()
    assert record.applied_at is not None
    assert Conversation.objects.get().platform_id == "later"
    assert callbacks_apply_pending() == 0


def test_a_body_that_fails_to_apply_is_kept_and_retried_later(post_callback, monkeypatch):
    import callbacks.services as services

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "incoming_message_record", broken)
    post_callback(handover("flaky"))
    post_callback(incoming("flaky", "still here"))
    record = CallbackRecord.objects.get(kind="conversation_message_created")
    assert (record.applied_at, record.attempts) == (None, 1)
    assert "database hiccup" in record.last_error
    assert record.retry_after is not None
    monkeypatch.undo()
    CallbackRecord.objects.filter(pk=record.pk).update(retry_after=None)
    from callbacks.services import callbacks_apply_pending

    assert callbacks_apply_pending() == 1
    assert Message.objects.get().text == "still here"


# --- the door: what is refused (a field the desk needs, unreadable) and what is taken ---------


def _set(path: str, value):
    """A mutation setting the value at a dotted path of the body (list items by number)."""

    def mutate(body: dict) -> None:
        *parents, last = path.split(".")
        node = body
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value

    return mutate


UNREADABLE = [
    ("conversation_operator_requested", "data.connection.id", "NaN"),
    ("conversation_operator_requested", "data.connection.id", ""),
    ("conversation_operator_requested", "data.connection.id", "2021-04-09T09:55:09.782Z"),
    ("conversation_operator_requested", "data.connection.id", 10**30),
    ("conversation_operator_requested", "data.connection.id", True),
    ("conversation_operator_requested", "data.connection.id", 1.5),
    ("conversation_operator_requested", "data.id", ""),
    ("conversation_operator_requested", "data.id", "x" * 65),
    ("conversation_operator_requested", "data.id", {"id": "5f3c"}),
    ("conversation_operator_requested", "data.contact.id", "  "),
    ("conversation_operator_requested", "data.contact.phone", "1" * 40),
    ("conversation_operator_requested", "data.scenario.id", "s" * 65),
    ("conversation_operator_requested", "data.operatorMode.expiresAt", "9999-12-31T23:59:59-14:00"),
    ("conversation_operator_requested", "data.startedAt", "yesterday"),
    ("conversation_message_created", "data.conversationId", ""),
    ("conversation_message_created", "data.conversationId", {}),
    ("conversation_message_created", "data.message", "Hello"),
    ("conversation_message_updated", "data.messageId", ""),
    ("conversation_message_updated", "data.messageId", "9" * 65),
    ("contact_created", "data.0.id", ""),
    ("contact_updated", "data.vkId", "v" * 65),
    ("contact_updated", "data.variables", [{"id": "i" * 65, "value": 1}]),
    ("contact_merged", "data.deletedContact.id", ""),
    ("campaign_completed", "data.id", ""),
    ("notification_message_updated", "data.id", "n" * 65),
]


@pytest.mark.parametrize(("kind", "path", "value"), UNREADABLE)
def test_a_field_the_desk_needs_that_cannot_be_read_is_refused_at_the_door_by_name(
    post_callback, kind, path, value
):
    body = sample(kind)
    _set(path, value)(body)
    before = counts()
    response = post_callback(body)
    assert response.status_code == 400, response.content
    message = response.json()["message"]
    assert message.startswith(kind) and path in message, message
    assert counts() == before


TOLERABLE = [
    ("conversation_operator_requested", "data.connection.id", "7"),
    (
        "conversation_operator_requested",
        "data.connection.channel",
        "a-channel-designation-of-40-chars-long..",
    ),
    ("conversation_operator_requested", "data.connection.name", "N" * 300),
    ("conversation_operator_requested", "data.startTrigger", "t" * 100),
    (
        "conversation_operator_requested",
        "data.contact.variables",
        [
            {"id": "v1", "name": "Colours", "validateAs": "MULTISELECT", "value": ["red"]},
            {"id": "v2", "name": "L" * 300, "validateAs": "STRING", "value": "x"},
        ],
    ),
    ("conversation_message_created", "data.message.text", "broken emoji \udd00 and NUL \x00"),
    ("conversation_message_updated", "data.status", "a-status-the-reference-never-listed-at-all"),
    ("campaign_completed", "data.name", "C" * 300),
    ("notification_message_updated", "data.status", "queued-at-an-operator-of-the-channel-x"),
    ("notification_message_updated", "data.channel", "c" * 40),
]


@pytest.mark.parametrize(("kind", "path", "value"), TOLERABLE)
def test_what_the_desk_can_use_is_accepted_and_applied(post_callback, kind, path, value):
    """Odd but usable values (an unknown status or channel, a name longer than the desk keeps, a
    character no database stores) are taken and applied, never refused: a refusal would make
    the platform give up on the callback."""
    if kind == "conversation_message_created":
        post_callback(handover())
    body = sample(kind)
    _set(path, value)(body)
    response = post_callback(body)
    assert response.status_code == 200, response.content
    record = CallbackRecord.objects.get(kind=kind)
    assert (record.attempts, record.last_error) == (0, "")
    if kind in PARKED_UNTIL_ITS_MESSAGE:
        # A status of a message the desk has not stored yet waits for it, not refused.
        assert (record.applied_at, bool(record.waiting_for)) == (None, True), record.waiting_for
    else:
        assert (record.applied_at is not None, record.waiting_for) == (True, ""), record.waiting_for


# The sample's messageId is of no message the desk stored: its status waits for that message.
PARKED_UNTIL_ITS_MESSAGE = {"conversation_message_updated"}


def test_unstorable_characters_become_replacement_characters(post_callback):
    post_callback(handover())
    raw = json.dumps(signed(incoming(text="broken \udd00 emoji, NUL \x00 here"))).encode()
    assert post_callback(None, raw=raw).json()["outcome"] == "accepted"
    assert Message.objects.get().text == "broken \ufffd emoji, NUL \ufffd here"


# --- liberal in what is taken: null, numbers for ids, odd shapes (#20) ---------------------------


def test_a_callback_lacking_optional_pieces_is_applied_and_says_what_it_lacked(post_callback):
    body = handover("lacking")
    del body["data"]["operatorMode"]["expiresAt"]
    body["data"]["connection"]["channel"] = None
    assert post_callback(body).json()["outcome"] == "accepted"
    record = CallbackRecord.objects.get()
    assert record.applied_at is not None
    assert record.missing == [
        "data.operatorMode.expiresAt: missing",
        "data.connection.channel: missing",
    ]
    assert Conversation.objects.get().platform_id == "lacking"


def test_null_lists_and_numeric_ids_in_a_message_are_taken(post_callback):
    post_callback(handover("12345"))
    body = incoming("12345", "numbers for ids")
    body["data"]["conversationId"] = 12345
    body["data"]["message"]["attachments"] = None
    assert post_callback(body).json()["outcome"] == "accepted"
    message = Message.objects.get()
    assert (message.conversation.platform_id, message.text, message.attachments) == (
        "12345",
        "numbers for ids",
        [],
    )
    record = CallbackRecord.objects.get(kind="conversation_message_created")
    assert record.missing == [
        "IncomingMessage.attachments: null where the reference shows an empty list or object"
    ]


@pytest.mark.parametrize(
    ("details", "kept"),
    [
        ("Unable to send to any channel", {"desc": "Unable to send to any channel"}),
        (None, {}),
        ({"desc": "as the reference shows"}, {"desc": "as the reference shows"}),
    ],
)
def test_notification_status_details_are_kept_whatever_their_shape(post_callback, details, kept):
    body = sample("notification_message_updated")
    body["data"]["statusDetails"] = details
    assert post_callback(body).status_code == 200
    assert Notification.objects.get().status_details == kept
