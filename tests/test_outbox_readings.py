"""The outbox's check of a reply whose send got no answer, against both readings of what
`conversations/messages` lists (docs/platform.md): the bot history with the operator's sends,
or the bot history only. Whatever the reading, a reply that reached the platform is never sent
twice; "not found" means "send again" only where the list is known to show sends."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conversations.models import DeliveryState, Message, MessageKind
from conversations.outbox import reply_check
from tests.support.readings import handed_over, reading

# desk_platform: the desk's platform client pointed at the test sandbox.
pytest_plugins = ["tests.support.contacts"]

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]


def _reply(conversation, text: str, *, delivery: str, platform_message_id=None) -> Message:
    return Message.objects.create(
        conversation=conversation,
        kind=MessageKind.OUTGOING,
        text=text,
        delivery=delivery,
        platform_message_id=platform_message_id,
        sending_started_at=timezone.now(),
        attempts=1,
    )


def _sends(sandbox, dialog_id: str) -> list[str]:
    sent = sandbox.control("GET", f"conversations/{dialog_id}/messages")["data"]
    return [m["text"] for m in sent]


@pytest.mark.parametrize("listed", [True, False], ids=["sends listed", "bot history only"])
def test_a_reply_that_reached_the_platform_is_never_sent_twice(
    sandbox, desk_platform, callback_receiver, post_callback, listed
):
    started, conversation = handed_over(sandbox, callback_receiver, post_callback)
    reading(sandbox, messagesWithoutOperatorSends=not listed)
    # The send reached the platform, but its answer never came back.
    desk_platform.conversations_send(started["id"], "Your order ships today")
    reply = _reply(conversation, "Your order ships today", delivery=DeliveryState.CHECKING)

    reply_check(message_id=reply.pk)

    reply.refresh_from_db()
    if listed:
        assert reply.delivery in (DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.READ)
        # Tied to the message the platform has, so its ticks find this reply.
        (sent,) = sandbox.control("GET", f"conversations/{started['id']}/messages")["data"]
        assert reply.platform_message_id == str(sent["messageId"])
    else:
        # "Not found" in a list without the operator's sends proves nothing: not sent again.
        assert reply.delivery == DeliveryState.FAILED
        assert "Not confirmed" in reply.delivery_detail
        assert "It was not sent again" in reply.delivery_detail
    assert _sends(sandbox, started["id"]) == ["Your order ships today"]


def test_a_reply_missing_from_a_list_that_shows_sends_is_sent_again(
    sandbox, desk_platform, callback_receiver, post_callback
):
    started, conversation = handed_over(sandbox, callback_receiver, post_callback)
    earlier = desk_platform.conversations_send(started["id"], "Hello, I am Anna")
    _reply(
        conversation,
        "Hello, I am Anna",
        delivery=DeliveryState.SENT,
        platform_message_id=str(earlier.message_id),
    )
    lost = _reply(conversation, "One moment please", delivery=DeliveryState.CHECKING)

    reply_check(message_id=lost.pk)

    lost.refresh_from_db()
    assert lost.delivery == DeliveryState.QUEUED
    assert "sending again" in lost.delivery_detail


def test_without_an_earlier_reply_to_go_by_a_missing_one_is_failed_not_resent(
    sandbox, desk_platform, callback_receiver, post_callback
):
    started, conversation = handed_over(sandbox, callback_receiver, post_callback)
    lost = _reply(conversation, "Lost on the way", delivery=DeliveryState.CHECKING)

    reply_check(message_id=lost.pk)

    lost.refresh_from_db()
    assert lost.delivery == DeliveryState.FAILED
    assert "It was not sent again" in lost.delivery_detail
    assert _sends(sandbox, started["id"]) == []
